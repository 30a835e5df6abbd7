/** Email identities: addresses and domains, their DKIM keys, MAIL FROM domains and notification settings. */
import type { Page } from './common.ts';

export type IdentityType = 'EMAIL_ADDRESS' | 'DOMAIN';
export type VerificationStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';
export type DkimKeyLength = 'RSA_1024_BIT' | 'RSA_2048_BIT';

export interface DkimKeyRecord {
  selector: string;
  /** PKCS#8 PEM private key, sealed with the master key. */
  sealedPrivateKey: string;
  /** Base64 DER SubjectPublicKeyInfo: the `p=` value of the DNS record. */
  publicKey: string;
  length: DkimKeyLength;
}

export interface DkimRecord {
  origin: 'AWS_SES' | 'EXTERNAL';
  status: VerificationStatus;
  /** Start of the current detection window (FAILED when nothing is found within the timeout). */
  checkStartedAt: number;
  /** Easy DKIM: three keys (the three tokens); BYODKIM: one key with the customer's selector. */
  keys: DkimKeyRecord[];
  /** Selector that signs mail. */
  activeSelector: string;
  currentKeyLength: DkimKeyLength;
  nextKeyLength: DkimKeyLength;
  lastKeyGeneratedAt: number;
  /** Key-length changes made so far (the first may happen at any time, later ones once per 24 hours). */
  rotations: number;
  /** Easy DKIM key rotation in progress: new keys (new selectors) wait for their DNS records to take over. */
  pendingKeys: DkimKeyRecord[] | null;
}

export interface MailFromRecord {
  domain: string;
  status: 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE';
  behaviorOnMxFailure: 'USE_DEFAULT_VALUE' | 'REJECT_MESSAGE';
  startedAt: number;
}

export interface IdentityRecord {
  accountId: string;
  /** Normalised name: a lowercase domain, or an address with its domain lowercased. */
  name: string;
  type: IdentityType;
  createdAt: number;
  verificationStatus: VerificationStatus;
  /** When verification started (the 72-hour window counts from here). */
  verificationStartedAt: number;
  /** One-time token of an address's verification link. */
  emailToken: string | null;
  /** v1 VerifyDomainIdentity token, accepted as TXT at `_amazonses.<domain>`. */
  domainToken: string | null;
  lastCheckedAt: number | null;
  lastSuccessAt: number | null;
  /** When the background verifier next looks at this identity; null when nothing is pending. */
  nextCheckAt: number | null;
  checkCount: number;
  errorType: string | null;
  /** Whether mail from this identity is DKIM-signed (PutEmailIdentityDkimAttributes / SetIdentityDkimEnabled). */
  dkimSigningEnabled: boolean;
  /** A domain's own DKIM keys; null for addresses (they use their domain's) and for v1 domains before VerifyDomainDkim. */
  dkim: DkimRecord | null;
  mailFrom: MailFromRecord | null;
  feedbackForwarding: boolean;
  configurationSetName: string | null;
  /** SES v1 identity notifications: SNS topics per type and whether they include the original headers. */
  notifications: IdentityNotificationsRecord | null;
}

export type NotificationType = 'Bounce' | 'Complaint' | 'Delivery';

export interface IdentityNotificationsRecord {
  topics: Partial<Record<NotificationType, string>>;
  headers: Partial<Record<NotificationType, boolean>>;
}

export interface IdentityStore {
  create(identity: IdentityRecord): Promise<void>;
  get(accountId: string, name: string): Promise<IdentityRecord | null>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(
    accountId: string,
    options: { after?: string | undefined; limit: number; type?: IdentityType | undefined },
  ): Promise<Page<IdentityRecord>>;
  count(accountId: string): Promise<number>;
  modify(
    accountId: string,
    name: string,
    change: (identity: IdentityRecord) => IdentityRecord,
  ): Promise<IdentityRecord | null>;
  delete(accountId: string, name: string): Promise<boolean>;
  /** Identities whose `nextCheckAt` is at or before `now`, soonest first. */
  listDueForCheck(now: number, limit: number): Promise<IdentityRecord[]>;
  findByEmailToken(token: string): Promise<IdentityRecord | null>;
  /** Every verified domain identity of every account (receiving's map of who receives for what). */
  allVerifiedDomains(): Promise<{ accountId: string; name: string }[]>;
  /** The soonest pending `nextCheckAt`, to sleep until it. */
  nextCheckAt(): Promise<number | null>;
}
