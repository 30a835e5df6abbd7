/** Accounts (tenants) and their access keys. */
import type { SuppressionReason } from './suppression.ts';

export type EnforcementStatus = 'HEALTHY' | 'PROBATION' | 'SHUTDOWN';
export type ReviewStatus = 'PENDING' | 'FAILED' | 'GRANTED' | 'DENIED';

export interface AccountDetailsRecord {
  mailType: string;
  websiteUrl: string;
  contactLanguage: string | null;
  useCaseDescription: string | null;
  additionalContactEmailAddresses: string[];
}

export interface AccountRecord {
  id: string;
  name: string;
  createdAt: number;
  productionAccess: boolean;
  max24HourSend: number;
  maxSendRate: number;
  sendingEnabled: boolean;
  enforcementStatus: EnforcementStatus;
  suppressedReasons: SuppressionReason[];
  details: AccountDetailsRecord | null;
  /** The production-access review; `note` is the operator's reason for the decision. */
  review: { status: ReviewStatus; caseId: string; updatedAt: number; note?: string } | null;
  /** Start of the reputation window after a fresh start (the operator's resume); null: none. */
  reputationSince: number | null;
  /** PutAccountVdmAttributes, as given. */
  vdm: VdmAttributesRecord | null;
  /** PutAccountDedicatedIpWarmupAttributes: new dedicated IPs warm up automatically (SES's default: on). */
  dedicatedIpAutoWarmup: boolean;
}

export interface VdmAttributesRecord {
  vdmEnabled: 'ENABLED' | 'DISABLED';
  engagementMetrics: 'ENABLED' | 'DISABLED' | null;
  optimizedSharedDelivery: 'ENABLED' | 'DISABLED' | null;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  id: string;
  accountId: string;
  /** The secret access key, sealed with the master key (never stored in clear). */
  sealedSecret: string;
  status: AccessKeyStatus;
  createdAt: number;
  /** The IAM user the key belongs to (`arn:aws:iam::<account>:user/<name>`); null: the account's root. */
  userName: string | null;
  /** What the key may do; null: everything its account may do. */
  permissions: AccessKeyPermissions | null;
}

/**
 * A key limited like an IAM user's policy: only these actions (`ses:SendRawEmail`, `ses:Send*`, `*`) and,
 * for sending, only these identities (names or ARNs, `*` wildcards); null: no limit of that kind.
 */
export interface AccessKeyPermissions {
  actions: string[];
  identities: string[] | null;
}

export interface AccountStore {
  create(account: AccountRecord): Promise<void>;
  get(id: string): Promise<AccountRecord | null>;
  /** All accounts ordered by creation time. */
  list(): Promise<AccountRecord[]>;
  /** Atomically applies `change` to the current record; returns the new record or null if absent. */
  modify(id: string, change: (account: AccountRecord) => AccountRecord): Promise<AccountRecord | null>;
  /** Accounts whose production-access review has the given status, oldest request first. */
  listByReviewStatus(status: ReviewStatus): Promise<AccountRecord[]>;
}

export interface AccessKeyStore {
  create(key: AccessKeyRecord): Promise<void>;
  get(id: string): Promise<AccessKeyRecord | null>;
  listByAccount(accountId: string): Promise<AccessKeyRecord[]>;
  setStatus(id: string, status: AccessKeyStatus): Promise<boolean>;
}
