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
import { QuotaTracker } from './sending/quota.ts';
import { SendingService } from './sending/sending-service.ts';
import { ReturnPathCodec } from './sending/verp.ts';
import { ConfigurationSetService } from './configuration-sets/configuration-set-service.ts';
import { SnsService } from './notifications/sns-service.ts';
import { EventPublisher } from './notifications/event-publisher.ts';
import { SuppressionService } from './suppression/suppression-service.ts';
import { Tracker } from './tracking/tracker.ts';
import { TemplateService } from './templates/template-service.ts';
import { ContactService } from './contacts/contact-service.ts';
import { CustomVerificationSender } from './templates/custom-verification.ts';

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
export type { SendingService } from './sending/sending-service.ts';
export type {
  ConfigurationSetService,
  ConfigurationSetInput,
  EventDestinationInput,
} from './configuration-sets/configuration-set-service.ts';
export { EVENT_TYPES } from './configuration-sets/configuration-set-service.ts';
export type { SnsService, SnsEnvelope } from './notifications/sns-service.ts';
export type { SuppressionService } from './suppression/suppression-service.ts';
export type {
  TemplateService,
  EmailTemplateContent,
  VerificationTemplateContent,
} from './templates/template-service.ts';
export type { CustomVerificationSender } from './templates/custom-verification.ts';
export type {
  ContactService,
  ContactView,
  ContactFilter,
  TopicPreference,
} from './contacts/contact-service.ts';
export { UNSUBSCRIBE_PATH_PREFIX } from './contacts/contact-service.ts';
export type { BulkSendInput, BulkEntryResult, BulkStatus } from './sending/sending-service.ts';
export { MAX_BULK_ENTRIES } from './sending/sending-service.ts';
export { PIXEL as TRACKING_PIXEL } from './tracking/tracker.ts';
export { SIGNING_CERT_PATH, UNSUBSCRIBE_PATH } from './notifications/sns-service.ts';
export { SYSTEM_ACCOUNT } from './sending/sending-service.ts';
export { MAX_RECIPIENTS } from './sending/pipeline.ts';
export {
  simulatorScenario,
  isSimulatorAddress,
  SIMULATOR_DOMAIN,
  type SimulatorScenario,
} from './sending/simulator.ts';
export type { SenderProfile, DkimSigningKey } from './identities/identity-service.ts';
export type * from './sending/types.ts';
export type { SimpleAttachment } from './sending/mime.ts';
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
  AcceptedMessage,
  MessageRecord,
  RecipientRecord,
  EventRecord,
  ConfigurationSetRecord,
  ConfigurationSetOptions,
  EventDestinationRecord,
  EventTypeName,
  NotificationRecord,
  NotificationType,
  SnsTopicRecord,
  SnsSubscriptionRecord,
  SuppressedDestinationRecord,
} from '../store/store.ts';

export interface CoreSettings extends QuotaSettings {
  region: string;
  publicUrl: string;
  /** This node's mail host name (MX target for MAIL FROM domains, SPF). */
  mailHost: string;
  verificationRetryMs: number;
  verificationTimeoutMs: number;
  /** Domain of Sesame's own return paths (and its system mail) when no custom MAIL FROM applies. */
  bounceDomain: string;
  /** This node's name in the shared database (it owns the deliveries of the messages it accepted). */
  nodeId: string;
  maxMessageSize: number;
  /** How often each process looks for configuration changed elsewhere. */
  cachePollMs?: number;
  /** Largest template in bytes (default 500 KB). */
  maxTemplateSize?: number;
  /** Email templates per account (default 10,000). */
  maxTemplates?: number;
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
  readonly sending: SendingService;
  readonly configurationSets: ConfigurationSetService;
  readonly sns: SnsService;
  readonly suppression: SuppressionService;
  readonly templates: TemplateService;
  readonly contacts: ContactService;
  readonly customVerification: CustomVerificationSender;
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
    this.sns = new SnsService({
      store,
      box: deps.box,
      cache: this.#cache,
      region: settings.region,
      publicUrl: settings.publicUrl,
      now,
    });
    this.configurationSets = new ConfigurationSetService({
      store,
      cache: this.#cache,
      tags: this.tags,
      region: settings.region,
      now,
    });
    this.configurationSets.useTopicCheck((accountId, arn) => this.sns.topicExists(accountId, arn));
    this.identities.useTopicCheck((accountId, arn) => this.sns.topicExists(accountId, arn));
    this.tags.registerKind(
      'configuration-set',
      async (accountId, name) => (await store.configurationSets.get(accountId, name)) !== null,
    );
    this.suppression = new SuppressionService({ store, accounts: this.accounts, now });
    this.templates = new TemplateService({
      store,
      cache: this.#cache,
      settings: {
        region: settings.region,
        maxTemplateSize: settings.maxTemplateSize ?? 500 * 1024,
        maxTemplates: settings.maxTemplates ?? 10_000,
      },
      now,
    });
    this.contacts = new ContactService({
      store,
      cache: this.#cache,
      tags: this.tags,
      region: settings.region,
      publicUrl: settings.publicUrl,
      key: deps.box.derive('unsubscribe'),
      now,
    });
    const quota = new QuotaTracker(store, now);
    this.accounts.useSentCounter((accountId) => quota.sentLast24Hours(accountId));
    this.sending = new SendingService({
      store,
      accounts: this.accounts,
      identities: this.identities,
      quota,
      returnPaths: new ReturnPathCodec(deps.box.derive('return-path')),
      configurationSets: this.configurationSets,
      publisher: new EventPublisher({
        configurationSets: this.configurationSets,
        identities: this.identities,
        sns: this.sns,
      }),
      tracker: new Tracker(deps.box.derive('tracking')),
      templates: this.templates,
      contacts: this.contacts,
      settings: {
        region: settings.region,
        mailHost: settings.mailHost,
        bounceDomain: settings.bounceDomain,
        nodeId: settings.nodeId,
        maxMessageSize: settings.maxMessageSize,
        publicUrl: settings.publicUrl,
      },
      logger,
      now,
    });
    this.customVerification = new CustomVerificationSender({
      accounts: this.accounts,
      identities: this.identities,
      templates: this.templates,
      sending: this.sending,
    });
    this.identities.useMailer({
      sendAddressVerification: async (identity, link) => {
        const region = settings.region;
        await this.sending.sendSystemMessage({
          to: identity.name,
          subject: `Sesame Email Address Verification Request in region ${region}`,
          text:
            `Dear Sesame customer,\n\nWe have received a request to authorize this email address for use with Sesame in region ${region}. ` +
            `If you requested this verification, please go to the following URL to confirm that you are authorized to use this email address:\n\n${link}\n\n` +
            `Your request will not be processed unless you confirm the address using this URL. This link expires 24 hours after your original verification request.\n\n` +
            `If you did NOT request to verify this email address, do not click on the link.\n`,
        });
        logger.info(
          { identity: identity.name, accountId: identity.accountId, link },
          'address verification link sent',
        );
      },
    });
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
