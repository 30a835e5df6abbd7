/**
 * Development mode (`sesame serve --dev`): a default production account with well-known keys, identities that
 * verify at once, and outbound mail captured instead of delivered (the MTA asks {@link CapturedMail}); the rest
 * of the pipeline runs as in production. This class owns the default account and the reset between tests.
 */
import type { Logger } from '../../lib/logger.ts';
import type { AccountDetailsRecord, Store } from '../../store/store.ts';
import type { AccountService, NewCredentials } from '../accounts/account-service.ts';
import { smtpPasswordV4 } from '../accounts/smtp-password.ts';
import type { EpochCache } from '../cache.ts';
import type { ConsoleUsers } from '../console/console-users.ts';
import type { QuotaTracker } from '../sending/quota.ts';
import { SYSTEM_ACCOUNT } from '../sending/system-mail.ts';

/** The default account's id: the example account id of AWS's documentation (000000000000 is Sesame's own mail). */
export const DEVELOPMENT_ACCOUNT_ID = '123456789012';

export interface DevelopmentSettings {
  enabled: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Where captured mail is shown (the inbox page). */
  inboxUrl: string;
}

/** The default account's console user (an admin), with a well-known password like the keys. */
export const DEVELOPMENT_CONSOLE_USER = { email: 'developer@example.com', password: 'sesame-development' };

export interface DevelopmentAccount extends NewCredentials {
  accountId: string;
  region: string;
  console: { email: string; password: string };
}

export class DevelopmentMode {
  readonly #store: Store;
  readonly #accounts: AccountService;
  readonly #consoleUsers: ConsoleUsers;
  readonly #cache: EpochCache;
  readonly #quota: QuotaTracker;
  readonly #settings: DevelopmentSettings;
  readonly #log: Logger;

  constructor(deps: {
    store: Store;
    accounts: AccountService;
    consoleUsers: ConsoleUsers;
    cache: EpochCache;
    quota: QuotaTracker;
    settings: DevelopmentSettings;
    logger: Logger;
  }) {
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#consoleUsers = deps.consoleUsers;
    this.#cache = deps.cache;
    this.#quota = deps.quota;
    this.#settings = deps.settings;
    this.#log = deps.logger;
  }

  get enabled(): boolean {
    return this.#settings.enabled;
  }

  get inboxUrl(): string {
    return this.#settings.inboxUrl;
  }

  /**
   * In development mode, creates the default account (once) and returns its credentials. Outside it, makes
   * sure the well-known key of an earlier development run opens nothing.
   */
  async prepare(): Promise<DevelopmentAccount | undefined> {
    const s = this.#settings;
    if (!s.enabled) {
      const key = await this.#store.accessKeys.get(s.accessKeyId);
      if (key?.accountId === DEVELOPMENT_ACCOUNT_ID && key.status === 'Active') {
        this.#accounts.refuseKey(s.accessKeyId);
        this.#log.warn(
          { accessKeyId: s.accessKeyId },
          'the development account’s well-known access key is refused: this node is not in development mode',
        );
      }
      return undefined;
    }
    await this.#accounts.ensureWithKey({
      id: DEVELOPMENT_ACCOUNT_ID,
      name: 'Development',
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      details: this.#details(),
    });
    await this.#consoleUsers.ensureDevelopmentUser(
      DEVELOPMENT_ACCOUNT_ID,
      DEVELOPMENT_CONSOLE_USER.email,
      DEVELOPMENT_CONSOLE_USER.password,
    );
    return this.credentials();
  }

  /** The default account's id, region and keys (development mode), without touching the database. */
  credentials(): DevelopmentAccount | undefined {
    const s = this.#settings;
    if (!s.enabled) return undefined;
    return {
      accountId: DEVELOPMENT_ACCOUNT_ID,
      region: s.region,
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      smtpUsername: s.accessKeyId,
      smtpPassword: smtpPasswordV4(s.secretAccessKey, s.region),
      console: { ...DEVELOPMENT_CONSOLE_USER },
    };
  }

  /**
   * Deletes everything the default account made (identities, templates, configuration sets, contact lists,
   * suppression list, messages, events, counters, captured mail — and Sesame's own captured mail) and restores
   * its settings; its keys stay.
   * Mail of the account still in the queue is dropped when its turn comes (its message is gone).
   */
  async reset(): Promise<void> {
    await this.#store.development.resetAccountData(DEVELOPMENT_ACCOUNT_ID);
    // Sesame's own mail (bounce and complaint forwarding, SNS email confirmations) is mostly the default
    // account's doing in development: its captures go too, so a test starts from an empty inbox.
    await this.#store.development.deleteAllCaptured(SYSTEM_ACCOUNT);
    await this.#accounts.resetToDevelopmentDefaults(DEVELOPMENT_ACCOUNT_ID, this.#details());
    this.#quota.forget(DEVELOPMENT_ACCOUNT_ID);
    await this.#cache.changed();
    this.#log.info({ accountId: DEVELOPMENT_ACCOUNT_ID }, 'development account reset');
  }

  /** What GetAccount shows in Details: where this account's mail goes. */
  #details(): AccountDetailsRecord {
    return {
      mailType: 'TRANSACTIONAL',
      websiteUrl: this.#settings.inboxUrl,
      contactLanguage: 'EN',
      useCaseDescription: `Sesame development mode: identities are verified at once and outbound mail is captured, never delivered; see it at ${this.#settings.inboxUrl}.`,
      additionalContactEmailAddresses: [],
    };
  }
}
