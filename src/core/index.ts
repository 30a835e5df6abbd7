/**
 * The core: Sesame's domain (accounts, identities, sending, …) behind one facade. It owns every rule;
 * adapters only translate protocols into calls on it. It must never know HTTP, SMTP or SQL: it reaches
 * storage through the Store interface and the network through ports passed in (DNS resolver, mailer).
 */
import type { DnsResolver } from '../lib/dns.ts';
import type { Logger } from '../lib/logger.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { Store } from '../store/store.ts';
import { AccountService, type QuotaSettings } from './accounts/account-service.ts';
import { EpochCache } from './cache.ts';
import { IdentityService } from './identities/identity-service.ts';
import { IdentityVerifier } from './identities/verifier.ts';
import { TagService } from './tags/tag-service.ts';

export { SesError, type SesErrorCode, type ResourceKind } from './errors.ts';
export {
  AccountService,
  ENFORCEMENT_STATUSES,
  type NewCredentials,
  type ResolvedKey,
  type AccountUpdate,
} from './accounts/account-service.ts';
export { smtpPasswordV4, smtpPasswordV2 } from './accounts/smtp-password.ts';
export type {
  IdentityService,
  IdentityView,
  DkimView,
  DnsRecord,
  DkimSigningInput,
} from './identities/identity-service.ts';
export type { TagService } from './tags/tag-service.ts';
export type {
  AccountRecord,
  AccessKeyRecord,
  AccountDetailsRecord,
  IdentityRecord,
  IdentityType,
  VerificationStatus,
  DkimKeyLength,
  EnforcementStatus,
  ReviewStatus,
  SuppressionReason,
  Tag,
} from '../store/store.ts';

export interface CoreSettings extends QuotaSettings {
  region: string;
  publicUrl: string;
  /** This node's mail host name (MX target for MAIL FROM domains, SPF). */
  mailHost: string;
  verificationRetryMs: number;
  verificationTimeoutMs: number;
  /** How often each process looks for configuration changed elsewhere. */
  cachePollMs?: number;
}

export interface CoreDeps {
  store: Store;
  box: SecretBox;
  dns: DnsResolver;
  logger: Logger;
  settings: CoreSettings;
  now?: () => number;
}

export class Core {
  readonly region: string;
  readonly accounts: AccountService;
  readonly identities: IdentityService;
  readonly tags: TagService;
  readonly #cache: EpochCache;
  readonly #verifier: IdentityVerifier;
  readonly #cachePollMs: number;

  constructor(deps: CoreDeps) {
    const now = deps.now ?? Date.now;
    const { settings, store, logger } = deps;
    this.region = settings.region;
    this.#cachePollMs = settings.cachePollMs ?? 500;
    this.#cache = new EpochCache(store);
    this.accounts = new AccountService({
      store,
      box: deps.box,
      cache: this.#cache,
      quotas: settings,
      region: settings.region,
      logger,
      now,
    });
    this.tags = new TagService({ store, region: settings.region });
    this.#verifier = new IdentityVerifier({
      store,
      dns: deps.dns,
      settings: {
        retryMs: settings.verificationRetryMs,
        timeoutMs: settings.verificationTimeoutMs,
        mailHost: settings.mailHost,
      },
      logger,
      now,
      onChange: () => this.#cache.changed(),
    });
    this.identities = new IdentityService({
      store,
      box: deps.box,
      cache: this.#cache,
      verifier: this.#verifier,
      tags: this.tags,
      settings: { region: settings.region, publicUrl: settings.publicUrl, mailHost: settings.mailHost },
      logger,
      now,
    });
    this.tags.registerKind(
      'identity',
      async (accountId, name) => (await this.identities.find(accountId, name)) !== undefined,
    );
  }

  /** Starts the background work of a serving node (cache polling, identity verification). */
  start(): void {
    this.#cache.start(this.#cachePollMs);
    this.#verifier.start();
  }

  stop(): void {
    this.#verifier.stop();
    this.#cache.stop();
  }
}
