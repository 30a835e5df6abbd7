/**
 * Accounts (tenants), their access keys and the production-access review. An account starts in the sandbox
 * with the sandbox quotas; an operator grants production access (CLI) after a PutAccountDetails request.
 */
import { newAccessKeyId, newAccountId, newSecretAccessKey, newToken } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  StoreConflictError,
  type AccessKeyPermissions,
  type AccessKeyRecord,
  type AccountDetailsRecord,
  type AccountRecord,
  type EnforcementStatus,
  type VdmAttributesRecord,
  type ReviewStatus,
  type Store,
  type SuppressionReason,
} from '../../store/store.ts';
import { SesError, badRequest, notFound } from '../errors.ts';
import { validatePermissions } from '../authorization/key-permissions.ts';
import type { EpochCache } from '../cache.ts';
import { smtpPasswordMatches, smtpPasswordV4 } from './smtp-password.ts';

export interface QuotaSettings {
  sandboxMax24HourSend: number;
  sandboxMaxSendRate: number;
  productionMax24HourSend: number;
  productionMaxSendRate: number;
}

export interface NewCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  smtpUsername: string;
  smtpPassword: string;
  /** A limited key's IAM user and what it may do. */
  userArn?: string;
  permissions?: AccessKeyPermissions;
}

export interface ResolvedKey {
  accessKeyId: string;
  accountId: string;
  secretAccessKey: string;
  /** The key's IAM user (null: the account's root credentials) and its limits (null: none). */
  userName: string | null;
  permissions: AccessKeyPermissions | null;
}

export interface AccountUpdate {
  production?: boolean;
  max24HourSend?: number;
  maxSendRate?: number;
  sendingEnabled?: boolean;
  enforcementStatus?: EnforcementStatus;
}

export const ENFORCEMENT_STATUSES: readonly EnforcementStatus[] = ['HEALTHY', 'PROBATION', 'SHUTDOWN'];

export class AccountService {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #cache: EpochCache;
  readonly #quotas: QuotaSettings;
  readonly #region: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #sentLast24Hours: (accountId: string) => Promise<number> = async () => 0;
  readonly #refused = new Set<string>();

  constructor(deps: {
    store: Store;
    box: SecretBox;
    cache: EpochCache;
    quotas: QuotaSettings;
    region: string;
    logger: Logger;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#box = deps.box;
    this.#cache = deps.cache;
    this.#quotas = deps.quotas;
    this.#region = deps.region;
    this.#log = deps.logger;
    this.#now = deps.now;
  }

  async create(input: {
    name: string;
    production?: boolean;
  }): Promise<{ account: AccountRecord; credentials: NewCredentials }> {
    const name = input.name.trim();
    if (!name) throw badRequest('An account name is required.');
    const production = input.production ?? false;
    for (let attempt = 0; ; attempt++) {
      const account: AccountRecord = {
        id: newAccountId(),
        name,
        createdAt: this.#now(),
        productionAccess: production,
        max24HourSend: production ? this.#quotas.productionMax24HourSend : this.#quotas.sandboxMax24HourSend,
        maxSendRate: production ? this.#quotas.productionMaxSendRate : this.#quotas.sandboxMaxSendRate,
        sendingEnabled: true,
        enforcementStatus: 'HEALTHY',
        suppressedReasons: ['BOUNCE', 'COMPLAINT'],
        details: null,
        review: null,
        reputationSince: null,
        vdm: null,
        dedicatedIpAutoWarmup: true,
      };
      try {
        await this.#store.accounts.create(account);
      } catch (err) {
        if (err instanceof StoreConflictError && attempt < 5) continue;
        throw err;
      }
      const credentials = await this.createAccessKey(account.id);
      this.#log.info({ accountId: account.id, production }, 'account created');
      return { account, credentials };
    }
  }

  /**
   * Creates an account with a given id and access key, unless it exists (development mode's default account,
   * whose credentials are well known). An existing account keeps what was changed since; its key must match.
   */
  async ensureWithKey(input: {
    id: string;
    name: string;
    accessKeyId: string;
    secretAccessKey: string;
    details: AccountDetailsRecord;
  }): Promise<AccountRecord> {
    let account = await this.#store.accounts.get(input.id);
    if (!account) {
      account = {
        id: input.id,
        name: input.name,
        createdAt: this.#now(),
        ...this.#developmentSettings(input.details),
      };
      try {
        await this.#store.accounts.create(account);
        this.#log.info({ accountId: input.id }, 'development account created');
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
      }
    }
    const key = await this.#store.accessKeys.get(input.accessKeyId);
    if (!key) {
      await this.#store.accessKeys
        .create({
          id: input.accessKeyId,
          accountId: input.id,
          sealedSecret: this.#box.seal(input.secretAccessKey),
          status: 'Active',
          createdAt: this.#now(),
          userName: null,
          permissions: null,
        })
        .catch((err: unknown) => {
          if (!(err instanceof StoreConflictError)) throw err;
        });
    } else if (key.accountId !== input.id || this.#box.open(key.sealedSecret) !== input.secretAccessKey)
      throw new Error(
        `The access key ${input.accessKeyId} already exists with another secret or account; choose another SESAME_DEV_ACCESS_KEY_ID, or keep the SESAME_DEV_SECRET_ACCESS_KEY it was created with.`,
      );
    else if (key.status !== 'Active') await this.#store.accessKeys.setStatus(key.id, 'Active');
    await this.#cache.changed();
    return (await this.#store.accounts.get(input.id))!;
  }

  /** Development mode's reset: the account as {@link ensureWithKey} creates it, its key kept. */
  async resetToDevelopmentDefaults(accountId: string, details: AccountDetailsRecord): Promise<AccountRecord> {
    return this.#modify(accountId, (a) => ({ ...a, ...this.#developmentSettings(details) }));
  }

  /** A development account's settings: production access, healthy, SES's default suppression reasons. */
  #developmentSettings(details: AccountDetailsRecord): Omit<AccountRecord, 'id' | 'name' | 'createdAt'> {
    return {
      productionAccess: true,
      max24HourSend: this.#quotas.productionMax24HourSend,
      maxSendRate: this.#quotas.productionMaxSendRate,
      sendingEnabled: true,
      enforcementStatus: 'HEALTHY',
      suppressedReasons: ['BOUNCE', 'COMPLAINT'],
      details,
      review: { status: 'GRANTED', caseId: 'sesame-development-mode', updatedAt: this.#now() },
      reputationSince: null,
      vdm: null,
      dedicatedIpAutoWarmup: true,
    };
  }

  /** Refuses a key id from now on (development mode's well-known key on a node not in development mode). */
  refuseKey(accessKeyId: string): void {
    this.#refused.add(accessKeyId);
  }

  async get(accountId: string): Promise<AccountRecord> {
    const account = await this.#cache.get(`account:${accountId}`, () => this.#store.accounts.get(accountId));
    if (!account) throw notFound('Account', `Account ${accountId} does not exist.`);
    return account;
  }

  /** Plugs in the counter of recipients sent in the last 24 hours (owned by the sending pipeline). */
  useSentCounter(count: (accountId: string) => Promise<number>): void {
    this.#sentLast24Hours = count;
  }

  async sendQuota(
    accountId: string,
  ): Promise<{ max24HourSend: number; maxSendRate: number; sentLast24Hours: number }> {
    const account = await this.get(accountId);
    return {
      max24HourSend: account.max24HourSend,
      maxSendRate: account.maxSendRate,
      sentLast24Hours: await this.#sentLast24Hours(accountId),
    };
  }

  list(): Promise<AccountRecord[]> {
    return this.#store.accounts.list();
  }

  async update(accountId: string, change: AccountUpdate): Promise<AccountRecord> {
    if (change.max24HourSend !== undefined && !(change.max24HourSend === -1 || change.max24HourSend >= 0))
      throw badRequest('The daily quota must be a number ≥ 0, or -1 for unlimited.');
    if (change.maxSendRate !== undefined && !(change.maxSendRate === -1 || change.maxSendRate > 0))
      throw badRequest('The send rate must be a number > 0, or -1 for unlimited.');
    return this.#modify(accountId, (a) => {
      const next = { ...a };
      if (change.production !== undefined && change.production !== a.productionAccess) {
        next.productionAccess = change.production;
        next.max24HourSend = change.production
          ? this.#quotas.productionMax24HourSend
          : this.#quotas.sandboxMax24HourSend;
        next.maxSendRate = change.production
          ? this.#quotas.productionMaxSendRate
          : this.#quotas.sandboxMaxSendRate;
        if (change.production && a.review?.status === 'PENDING')
          next.review = { ...a.review, status: 'GRANTED', updatedAt: this.#now() };
      }
      if (change.max24HourSend !== undefined) next.max24HourSend = change.max24HourSend;
      if (change.maxSendRate !== undefined) next.maxSendRate = change.maxSendRate;
      if (change.sendingEnabled !== undefined) next.sendingEnabled = change.sendingEnabled;
      if (change.enforcementStatus !== undefined && change.enforcementStatus !== a.enforcementStatus) {
        next.enforcementStatus = change.enforcementStatus;
        // The operator's decision is a fresh start: the reputation window begins now (SES's LastFreshStart),
        // so the evaluator does not undo a resume because of the bounces that led to the pause.
        next.reputationSince = this.#now();
      }
      return next;
    });
  }

  /**
   * The reputation evaluator's change of enforcement status: only if the status is still `from` (an operator's
   * decision meanwhile wins), and without a fresh start.
   */
  async setEnforcementByReputation(
    accountId: string,
    from: EnforcementStatus,
    to: EnforcementStatus,
  ): Promise<void> {
    await this.#modify(accountId, (a) =>
      a.enforcementStatus === from ? { ...a, enforcementStatus: to } : a,
    );
  }

  /** PutAccountVdmAttributes. */
  setVdm(accountId: string, vdm: VdmAttributesRecord): Promise<AccountRecord> {
    return this.#modify(accountId, (a) => ({ ...a, vdm }));
  }

  /** PutAccountDedicatedIpWarmupAttributes: whether addresses leased to the account from now on warm up. */
  setDedicatedIpAutoWarmup(accountId: string, enabled: boolean): Promise<AccountRecord> {
    return this.#modify(accountId, (a) => ({ ...a, dedicatedIpAutoWarmup: enabled }));
  }

  setSendingEnabled(accountId: string, enabled: boolean): Promise<AccountRecord> {
    return this.#modify(accountId, (a) => ({ ...a, sendingEnabled: enabled }));
  }

  setSuppressedReasons(accountId: string, reasons: SuppressionReason[]): Promise<AccountRecord> {
    return this.#modify(accountId, (a) => ({ ...a, suppressedReasons: [...new Set(reasons)] }));
  }

  /**
   * PutAccountDetails: stores the details; asking for production access opens a review (PENDING) that an
   * operator grants or denies. While a review is pending, further changes are refused (ConflictException).
   */
  async putDetails(
    accountId: string,
    details: AccountDetailsRecord,
    requestProduction: boolean,
  ): Promise<AccountRecord> {
    if (details.additionalContactEmailAddresses.length > 4)
      throw badRequest('At most 4 additional contact email addresses can be given.');
    return this.#modify(accountId, (a) => {
      if (a.review?.status === 'PENDING')
        throw new SesError('ConflictException', 'A review of your account details is already in progress.');
      const next: AccountRecord = { ...a, details };
      if (requestProduction && !a.productionAccess)
        next.review = { status: 'PENDING', caseId: newToken(16), updatedAt: this.#now() };
      return next;
    });
  }

  listReviews(status: ReviewStatus): Promise<AccountRecord[]> {
    return this.#store.accounts.listByReviewStatus(status);
  }

  /** Grants or denies a pending request; the note (why) is kept with the review and shown to the account. */
  async decideReview(
    accountId: string,
    decision: 'GRANTED' | 'DENIED',
    note?: string,
  ): Promise<AccountRecord> {
    const account = await this.#modify(accountId, (a) => {
      if (a.review?.status !== 'PENDING')
        throw badRequest(`Account ${accountId} has no pending production-access request.`);
      const granted = decision === 'GRANTED';
      return {
        ...a,
        review: {
          status: decision,
          caseId: a.review.caseId,
          updatedAt: this.#now(),
          ...(note?.trim() ? { note: note.trim() } : {}),
        },
        ...(granted
          ? {
              productionAccess: true,
              max24HourSend: Math.max(a.max24HourSend, this.#quotas.productionMax24HourSend),
              maxSendRate: Math.max(a.maxSendRate, this.#quotas.productionMaxSendRate),
            }
          : {}),
      };
    });
    this.#log.info({ accountId, decision }, 'production access review decided');
    return account;
  }

  // ---- access keys -----------------------------------------------------------------------------------

  /**
   * A new access key: the account's root credentials, or an IAM user's (`userName`) limited to some actions
   * and identities (`permissions`, checked by checkKeyPermissions in core/authorization).
   */
  async createAccessKey(
    accountId: string,
    options: { userName?: string | undefined; permissions?: AccessKeyPermissions | undefined } = {},
  ): Promise<NewCredentials> {
    await this.get(accountId);
    if (options.userName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(options.userName))
      throw badRequest('An IAM user name is 1 to 64 letters, digits and the characters _+=,.@-');
    if (options.permissions) validatePermissions(options.permissions);
    const secretAccessKey = newSecretAccessKey();
    const id = newAccessKeyId();
    const key: AccessKeyRecord = {
      id,
      accountId,
      sealedSecret: this.#box.seal(secretAccessKey),
      status: 'Active',
      createdAt: this.#now(),
      // A limited key is an IAM user's: named after its key unless a name is given.
      userName: options.userName ?? (options.permissions ? `sesame-${id.toLowerCase()}` : null),
      permissions: options.permissions ?? null,
    };
    await this.#store.accessKeys.create(key);
    await this.#cache.changed();
    this.#log.info({ accountId, accessKeyId: key.id }, 'access key created');
    return {
      accessKeyId: key.id,
      secretAccessKey,
      smtpUsername: key.id,
      smtpPassword: smtpPasswordV4(secretAccessKey, this.#region),
      ...(key.userName ? { userArn: `arn:aws:iam::${accountId}:user/${key.userName}` } : {}),
      ...(key.permissions ? { permissions: key.permissions } : {}),
    };
  }

  async listAccessKeys(accountId: string): Promise<AccessKeyRecord[]> {
    await this.get(accountId);
    return this.#store.accessKeys.listByAccount(accountId);
  }

  async revokeAccessKey(accessKeyId: string): Promise<void> {
    if (!(await this.#store.accessKeys.setStatus(accessKeyId, 'Inactive')))
      throw notFound('AccessKey', `Access key ${accessKeyId} does not exist.`);
    await this.#cache.changed();
    this.#log.info({ accessKeyId }, 'access key revoked');
  }

  /** The active key with its secret, or undefined for an unknown or revoked key. Cached. */
  async resolveAccessKey(accessKeyId: string): Promise<ResolvedKey | undefined> {
    if (this.#refused.has(accessKeyId)) return undefined;
    return this.#cache.get(`key:${accessKeyId}`, async () => {
      const key = await this.#store.accessKeys.get(accessKeyId);
      if (!key || key.status !== 'Active') return undefined;
      return {
        accessKeyId,
        accountId: key.accountId,
        secretAccessKey: this.#box.open(key.sealedSecret),
        userName: key.userName,
        permissions: key.permissions,
      };
    });
  }

  /** SMTP AUTH: the key when `password` is the SES SMTP password of an active key, else undefined. */
  async authenticateSmtp(username: string, password: string): Promise<ResolvedKey | undefined> {
    const key = await this.resolveAccessKey(username);
    if (!key) return undefined;
    return smtpPasswordMatches(password, key.secretAccessKey, this.#region) ? key : undefined;
  }

  async #modify(accountId: string, change: (a: AccountRecord) => AccountRecord): Promise<AccountRecord> {
    const account = await this.#store.accounts.modify(accountId, change);
    if (!account) throw notFound('Account', `Account ${accountId} does not exist.`);
    await this.#cache.changed();
    return account;
  }
}
