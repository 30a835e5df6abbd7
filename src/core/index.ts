/**
 * The core: Sesame's domain (accounts, identities, sending, events, …). It owns every rule; adapters only
 * translate protocols into calls on it. It must never know HTTP, SMTP or SQL: it reaches storage through the
 * Store interface and the network through what is passed in (DNS resolver). Each caller gets a narrow port
 * (ports.ts) rather than the whole core: `forSesApi`, `forPages`, `forSmtp`, `forOperator`, `forMta`,
 * `forDispatch`.
 */
import { SnsEmailDelivery } from './notifications/email-subscriptions.ts';
import { NO_TELEMETRY, type Telemetry } from './metrics/telemetry.ts';
import { AlarmService } from './metrics/alarms.ts';
import { MetricSeries } from './metrics/metric-series.ts';
import { Insights } from './metrics/insights.ts';
import { MonitorSchedule } from './metrics/monitor.ts';
import { DEFAULT_REPUTATION, ReputationMonitor, type ReputationSettings } from './metrics/reputation.ts';
import type { DnsResolver } from '../lib/dns.ts';
import type { Logger } from '../lib/logger.ts';
import { PublicLinks } from '../lib/public-links.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { RateLimitStore, Store } from '../store/store.ts';
import { AccountService, type QuotaSettings } from './accounts/account-service.ts';
import { EpochCache } from './cache.ts';
import { ConfigurationSetService } from './configuration-sets/configuration-set-service.ts';
import { ContactService } from './contacts/contact-service.ts';
import { ListManagement } from './contacts/list-management.ts';
import { DeliveryOutcomes } from './delivery/delivery-outcomes.ts';
import { OutcomeRecorder } from './delivery/outcome-recorder.ts';
import { EngagementService } from './engagement/engagement-service.ts';
import { Personalizer } from './engagement/personalizer.ts';
import { AutoSuppression } from './feedback/auto-suppression.ts';
import { FeedbackService } from './feedback/feedback-service.ts';
import { FeedbackForwarding } from './feedback/forwarding.ts';
import { DkimRecords } from './identities/dkim-records.ts';
import { IdentityService } from './identities/identity-service.ts';
import { SenderIdentities } from './identities/sender-identities.ts';
import { IdentityVerifier } from './identities/verifier.ts';
import { ServiceHealth } from './health/service-health.ts';
import { EventPublisher } from './notifications/event-publisher.ts';
import { OutboxSignal } from './notifications/outbox-signal.ts';
import { SnsService } from './notifications/sns-service.ts';
import type {
  ConsolePort,
  DevInboxPort,
  DispatchPort,
  InboundMailPort,
  MtaPort,
  ReceivingWorkPort,
  OperatorPort,
  SesApiPort,
  SmtpSubmissionPort,
  WebPagesPort,
} from './ports.ts';
import { Acceptance } from './sending/acceptance.ts';
import { QuotaTracker } from './sending/quota.ts';
import { SendingService } from './sending/sending-service.ts';
import { SystemMail } from './sending/system-mail.ts';
import { SuppressionService } from './suppression/suppression-service.ts';
import { ReceiptRuleService } from './receiving/receipt-rules.ts';
import { InboundReceiver } from './receiving/inbound.ts';
import { InboundWork } from './receiving/inbound-work.ts';
import { ReceivingResources } from './receiving/resources.ts';
import { VerdictService, type Scanners } from './receiving/verdicts.ts';
import { TagService } from './tags/tag-service.ts';
import { SendingAuthorization } from './authorization/sending-authorization.ts';
import { DedicatedIps } from './dedicated-ips/dedicated-ips.ts';
import { CustomVerificationSender } from './templates/custom-verification.ts';
import { TemplateService } from './templates/template-service.ts';
import { Tracker } from './tracking/tracker.ts';
import { CapturedMail } from './development/captured-mail.ts';
import { DevelopmentMode, type DevelopmentSettings } from './development/development-mode.ts';
import { Preflight } from './deliverability/preflight.ts';
import { ConsoleUsers } from './console/console-users.ts';
import { QueueOverview } from './delivery/queue-overview.ts';
import { NodeLeases } from './node-leases.ts';

export type * from './ports.ts';
export { SesError, type SesErrorCode, type ResourceKind, type ErrorReason } from './errors.ts';
export { ServiceHealth, type ServiceFailure } from './health/service-health.ts';
export {
  AccountService,
  ENFORCEMENT_STATUSES,
  type NewCredentials,
  type ResolvedKey,
  type AccountUpdate,
} from './accounts/account-service.ts';
export { smtpPasswordV4, smtpPasswordV2 } from './accounts/smtp-password.ts';
export { checkAction, type Principal } from './authorization/key-permissions.ts';
export type { SendingAuthorization } from './authorization/sending-authorization.ts';
export type { ShapingPathReport } from './delivery/queue-overview.ts';
export type { DedicatedIps, DedicatedIpView, SendingSource } from './dedicated-ips/dedicated-ips.ts';
export type { IdentityService, IdentityView, CreateIdentityInput } from './identities/identity-service.ts';
export type { DkimView, DkimSigningInput } from './identities/dkim-records.ts';
export type { DnsRecord } from './identities/dns-records.ts';
export type { SenderProfile, DkimSigningKey } from './identities/sender-identities.ts';
export { identityOwner, signingAddress } from './identities/sender-identities.ts';
export type { TagService } from './tags/tag-service.ts';
export type { SendingService } from './sending/sending-service.ts';
export type { Dimension, Statistic, MetricId } from './metrics/metric-series.ts';
export { NO_TELEMETRY, type Telemetry, type AttemptResult } from './metrics/telemetry.ts';
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
export type { FeedbackInput } from './feedback/feedback-service.ts';
export type { ReceiptRuleService, ReceiptRuleInput, ReceiptActionInput } from './receiving/receipt-rules.ts';
export type { InboundEnvelope, RecipientVerdict } from './receiving/inbound.ts';
export type { InboundWork, SendBounceInput } from './receiving/inbound-work.ts';
export type { BucketTarget, ExternalBucket, ReceivingResources } from './receiving/resources.ts';
export type { Scanners } from './receiving/verdicts.ts';
export type {
  CapturedMessage,
  CapturedAttachment,
  CaptureInput,
  CapturedMail,
} from './development/captured-mail.ts';
export { MAX_CAPTURED_PAGE } from './development/captured-mail.ts';
export { DEVELOPMENT_ACCOUNT_ID, type DevelopmentAccount } from './development/development-mode.ts';
export type { PreflightReport, PreflightFinding, FindingStatus } from './deliverability/preflight.ts';
export {
  MIN_PASSWORD_LENGTH,
  SESSION_LIFETIME_MS,
  type ConsoleUsers,
  type SignedInUser,
} from './console/console-users.ts';
export type { UnsubscribeTarget } from './engagement/engagement-service.ts';
export type { ActivityPoint } from './metrics/metric-series.ts';
export type { BulkSendInput, BulkEntryResult, BulkStatus } from './sending/bulk.ts';
export { MAX_BULK_ENTRIES } from './sending/bulk.ts';
export { PIXEL as TRACKING_PIXEL } from './tracking/tracker.ts';
export { SYSTEM_ACCOUNT } from './sending/system-mail.ts';
export { MAX_RECIPIENTS } from './sending/pipeline.ts';
export {
  simulatorScenario,
  isSimulatorAddress,
  SIMULATOR_DOMAIN,
  type SimulatorScenario,
} from './sending/simulator.ts';
export type * from './sending/types.ts';
export type { SimpleAttachment } from '../lib/mime/index.ts';
export type {
  AccountRecord,
  AccessKeyRecord,
  AccountDetailsRecord,
  IdentityRecord,
  IdentityType,
  VerificationStatus,
  DkimKeyLength,
  EnforcementStatus,
  AlarmRecord,
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
  DedicatedIpRecord,
  DedicatedIpPoolRecord,
  SnsSubscriptionRecord,
  SuppressedDestinationRecord,
  ReceiptActionRecord,
  ReceiptRuleRecord,
  ReceiptRuleSetRecord,
  ReceiptFilterRecord,
  InboundActionRecord,
  InboundMessageRecord,
  InboundRefusalRecord,
  BucketRecord,
  FunctionRecord,
  CapturedMailRecord,
  ConsoleUserRecord,
  ConsoleRole,
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
  /** How long a node's lease on singleton work lasts without renewal (default 30 s). */
  leaseMs?: number;
  /** Whether other processes may send through the same database (quotas are then counted in it). */
  sharedQuotas?: boolean;
  /** Largest template in bytes (default 500 KB). */
  maxTemplateSize?: number;
  /** Email templates per account (default 10,000). */
  maxTemplates?: number;
  /** How long received mail is kept (SendBounce needs 24 hours). */
  inboundRetentionMs?: number;
  /** Reputation window, minimum volume and thresholds (SES's by default). */
  reputation?: Partial<ReputationSettings>;
  /** How often alarms and reputation are evaluated (default one minute). */
  monitorIntervalMs?: number;
  /** DNSBL zones GetBlacklistReports checks the dedicated IPs against. */
  blocklistZones?: string[];
  /** Development mode and its default account's keys (off unless given with `enabled`). */
  development?: Omit<DevelopmentSettings, 'region' | 'inboxUrl'>;
}

export interface CoreDeps {
  store: Store;
  box: SecretBox;
  dns: DnsResolver;
  logger: Logger;
  settings: CoreSettings;
  /** spamd and clamd, when configured (receiving's ScanEnabled rules). */
  scanners?: Scanners;
  /** Where the shared send-rate buckets live when not in the database (Redis). */
  rateLimits?: RateLimitStore;
  /** Where the core and its callers report what happens (Prometheus); none by default. */
  telemetry?: Telemetry;
  now?: () => number;
}

export class Core {
  readonly region: string;
  readonly accounts: AccountService;
  readonly identities: IdentityService;
  readonly senders: SenderIdentities;
  readonly tags: TagService;
  readonly authorization: SendingAuthorization;
  readonly dedicatedIps: DedicatedIps;
  readonly sending: SendingService;
  readonly configurationSets: ConfigurationSetService;
  readonly sns: SnsService;
  readonly suppression: SuppressionService;
  readonly templates: TemplateService;
  readonly contacts: ContactService;
  readonly listManagement: ListManagement;
  readonly customVerification: CustomVerificationSender;
  readonly engagement: EngagementService;
  readonly feedback: FeedbackService;
  readonly delivery: DeliveryOutcomes;
  readonly health: ServiceHealth;
  readonly receiptRules: ReceiptRuleService;
  readonly receivingResources: ReceivingResources;
  readonly inboundWork: InboundWork;
  readonly metrics: MetricSeries;
  readonly alarms: AlarmService;
  readonly reputation: ReputationMonitor;
  readonly insights: Insights;
  readonly telemetry: Telemetry;
  readonly monitor: MonitorSchedule;
  readonly development: DevelopmentMode;
  readonly captured: CapturedMail;
  readonly preflight: Preflight;
  readonly consoleUsers: ConsoleUsers;
  readonly queueOverview: QueueOverview;
  /** Which singleton work runs on this node (lease rows shared by the nodes). */
  readonly leases: NodeLeases;
  readonly #monitorIntervalMs: number;
  readonly #snsEmail: SnsEmailDelivery;
  readonly #inbound: InboundReceiver;
  readonly #received = new OutboxSignal();
  readonly #acceptance: Acceptance;
  readonly #personalizer: Personalizer;
  readonly #outbox: OutboxSignal;
  readonly #cache: EpochCache;
  readonly #verifier: IdentityVerifier;
  readonly #cachePollMs: number;
  readonly #quota: QuotaTracker;

  constructor(deps: CoreDeps) {
    const now = deps.now ?? Date.now;
    const { settings, store, logger, box } = deps;
    const { region } = settings;
    const links = new PublicLinks(settings.publicUrl);
    const telemetry = (this.telemetry = deps.telemetry ?? NO_TELEMETRY);
    this.region = region;
    this.health = new ServiceHealth({ logger });
    this.#cachePollMs = settings.cachePollMs ?? 500;
    const cache = (this.#cache = new EpochCache(store, this.health));
    const outbox = (this.#outbox = new OutboxSignal());
    this.accounts = new AccountService({ store, box, cache, quotas: settings, region, logger, now });
    this.tags = new TagService({ store, region });
    this.authorization = new SendingAuthorization({ store, cache, region, now });
    this.dedicatedIps = new DedicatedIps({
      store,
      cache,
      tags: this.tags,
      region,
      nodeId: settings.nodeId,
      dns: deps.dns,
      blocklistZones: settings.blocklistZones ?? [],
      now,
    });
    this.leases = new NodeLeases({
      store,
      nodeId: settings.nodeId,
      ttlMs: settings.leaseMs ?? 30_000,
      now,
      logger,
    });
    const leases = this.leases;
    this.#verifier = new IdentityVerifier({
      store,
      runsHere: () => leases.holds('identity-verifier'),
      dns: deps.dns,
      settings: {
        retryMs: settings.verificationRetryMs,
        timeoutMs: settings.verificationTimeoutMs,
        mailHost: settings.mailHost,
        assumePublished: settings.development?.enabled === true,
      },
      logger,
      now,
      onChange: () => cache.changed(),
    });
    const identityArn = (accountId: string, name: string) =>
      `arn:aws:ses:${region}:${accountId}:identity/${name}`;
    this.senders = new SenderIdentities({ store, box, cache, arn: identityArn });
    this.sns = new SnsService({ store, box, cache, region, links, outbox, now });
    this.configurationSets = new ConfigurationSetService({ store, cache, tags: this.tags, region, now });
    this.suppression = new SuppressionService({ store, accounts: this.accounts, now });
    this.templates = new TemplateService({
      store,
      cache,
      tags: this.tags,
      senders: this.senders,
      settings: {
        region,
        maxTemplateSize: settings.maxTemplateSize ?? 500 * 1024,
        maxTemplates: settings.maxTemplates ?? 10_000,
      },
      now,
    });
    this.contacts = new ContactService({ store, cache, tags: this.tags, region, now });
    this.listManagement = new ListManagement({ store, cache, links, key: box.derive('unsubscribe'), now });
    // A database shared by several nodes or workers: the quotas are counted in it (quota.ts).
    const quota = (this.#quota = new QuotaTracker(store, now, {
      shared: settings.sharedQuotas ?? store.dialect === 'postgres',
      ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    }));
    this.accounts.useSentCounter((accountId) => quota.sentLast24Hours(accountId));
    const publisher = new EventPublisher({
      configurationSets: this.configurationSets,
      senders: this.senders,
      sns: this.sns,
    });
    this.#acceptance = new Acceptance({ store, publisher, quota, outbox, logger, telemetry });
    const systemMail = new SystemMail({
      acceptance: this.#acceptance,
      settings: { bounceDomain: settings.bounceDomain, mailHost: settings.mailHost, nodeId: settings.nodeId },
      now,
    });
    this.identities = new IdentityService({
      store,
      cache,
      verifier: this.#verifier,
      tags: this.tags,
      senders: this.senders,
      dkim: new DkimRecords(box),
      links,
      mailer: {
        sendAddressVerification: async (identity, link) => {
          const messageId = await systemMail.send(addressVerificationMessage(identity.name, region, link));
          // Never the link: it verifies the address for whoever follows it.
          logger.info(
            { identity: identity.name, accountId: identity.accountId, messageId },
            'address verification email sent',
          );
        },
      },
      settings: {
        region,
        mailHost: settings.mailHost,
        verifyAtOnce: settings.development?.enabled === true,
      },
      logger,
      now,
    });
    this.tags.registerKind(
      'identity',
      async (accountId, name) => (await this.identities.find(accountId, name)) !== undefined,
    );
    this.tags.registerKind(
      'configuration-set',
      async (accountId, name) => (await store.configurationSets.get(accountId, name)) !== null,
    );
    this.configurationSets.useTopicCheck((accountId, arn) => this.sns.topicExists(accountId, arn));
    this.configurationSets.usePoolCheck((accountId, name) => this.dedicatedIps.poolExists(accountId, name));
    this.receiptRules = new ReceiptRuleService({
      store,
      cache,
      now,
      topicExists: (accountId, arn) => this.sns.topicExists(accountId, arn),
      isVerified: (accountId, address) => this.senders.isVerified(accountId, address),
    });
    this.configurationSets.useTopicValidation((arn) => this.sns.publishValidation(arn));
    this.identities.useTopicCheck((accountId, arn) => this.sns.topicExists(accountId, arn));
    this.sending = new SendingService({
      store,
      accounts: this.accounts,
      senders: this.senders,
      quota,
      configurationSets: this.configurationSets,
      suppression: this.suppression,
      templates: this.templates,
      contacts: this.listManagement,
      acceptance: this.#acceptance,
      authorization: this.authorization,
      settings: {
        region,
        mailHost: settings.mailHost,
        bounceDomain: settings.bounceDomain,
        nodeId: settings.nodeId,
        maxMessageSize: settings.maxMessageSize,
        publicUrl: settings.publicUrl,
      },
      now,
    });
    this.customVerification = new CustomVerificationSender({
      accounts: this.accounts,
      identities: this.identities,
      senders: this.senders,
      templates: this.templates,
      sending: this.sending,
      links,
    });
    const autoSuppression = new AutoSuppression({
      accounts: this.accounts,
      configurationSets: this.configurationSets,
      suppression: this.suppression,
      now,
    });
    const forwarding = new FeedbackForwarding({ senders: this.senders, systemMail, logger });
    const recorder = new OutcomeRecorder({
      store,
      publisher,
      outbox,
      reactions: [(m, e) => autoSuppression.apply(m, e), (m, e) => forwarding.forward(m, e)],
      senders: this.senders,
      telemetry,
    });
    this.receivingResources = new ReceivingResources({ store, box, now });
    this.#inbound = new InboundReceiver({
      store,
      cache,
      now,
      logger,
      telemetry,
      signal: this.#received,
      settings: { mailHost: settings.mailHost, retentionMs: settings.inboundRetentionMs ?? 24 * 3600_000 },
    });
    this.inboundWork = new InboundWork({
      store,
      sns: this.sns,
      outbox,
      systemMail,
      senders: this.senders,
      verdicts: new VerdictService({
        dns: deps.dns,
        mailHost: settings.mailHost,
        scanners: deps.scanners ?? {},
        logger,
      }),
      resources: this.receivingResources,
      mailHost: settings.mailHost,
      now,
    });
    this.delivery = new DeliveryOutcomes({ store, recorder, mailHost: settings.mailHost });
    this.feedback = new FeedbackService({ store, recorder, now });
    const tracker = new Tracker(box.derive('tracking'), links);
    this.engagement = new EngagementService({ store, tracker, lists: this.listManagement, recorder, now });
    this.#personalizer = new Personalizer({ tracker, lists: this.listManagement });
    this.metrics = new MetricSeries({ store, now });
    this.alarms = new AlarmService({
      store,
      series: this.metrics,
      sns: this.sns,
      outbox,
      configurationSets: this.configurationSets,
      region,
      now,
    });
    this.reputation = new ReputationMonitor({
      store,
      series: this.metrics,
      accounts: this.accounts,
      systemMail,
      settings: { ...DEFAULT_REPUTATION, ...settings.reputation },
      logger,
      now,
    });
    this.monitor = new MonitorSchedule({
      store,
      runsHere: () => leases.holds('monitor'),
      alarms: this.alarms,
      reputation: this.reputation,
      logger,
      health: this.health,
      now,
    });
    this.#monitorIntervalMs = settings.monitorIntervalMs ?? 60_000;
    this.#snsEmail = new SnsEmailDelivery({ sns: this.sns, systemMail });
    this.insights = new Insights({ store, dns: deps.dns });
    this.captured = new CapturedMail({ store, now });
    this.consoleUsers = new ConsoleUsers({ store, key: box.derive('console-session'), now, logger });
    this.queueOverview = new QueueOverview({ store, now });
    this.development = new DevelopmentMode({
      store,
      accounts: this.accounts,
      consoleUsers: this.consoleUsers,
      cache,
      quota: this.#quota,
      settings: {
        enabled: false,
        accessKeyId: '',
        secretAccessKey: '',
        ...settings.development,
        region,
        inboxUrl: links.inbox(),
      },
      logger,
    });
    this.preflight = new Preflight({
      store,
      senders: this.senders,
      accounts: this.accounts,
      reputation: this.reputation,
      dns: deps.dns,
      scanners: deps.scanners ?? {},
      mailHost: settings.mailHost,
    });
  }

  /** The SES v2, SES v1 and SNS-compatible APIs. */
  get forSesApi(): SesApiPort {
    return this;
  }

  /** The pages of tracking, unsubscribe, verification and SNS links. */
  get forPages(): WebPagesPort {
    return this;
  }

  get forSmtp(): SmtpSubmissionPort {
    return this;
  }

  get forOperator(): OperatorPort {
    return this;
  }

  /** The web console. */
  get forConsole(): ConsolePort {
    return this;
  }

  /** Development mode's inbox page and JSON API. */
  get forDevInbox(): DevInboxPort {
    return this;
  }

  get forMta(): MtaPort {
    const acceptance = this.#acceptance;
    const personalizer = this.#personalizer;
    return {
      onAccepted: (listener) => acceptance.onAccepted(listener),
      payload: (messageId) => this.delivery.payload(messageId),
      recordDelivery: (report, message, recipients) =>
        this.delivery.recordDelivery(report, message, recipients),
      isPersonal: (message) => personalizer.isPersonal(message),
      personalize: (message, body, index) => personalizer.personalize(message, body, index),
      dkimKeyFor: (accountId, from) => this.senders.dkimKeyFor(accountId, from),
      sendingSource: (accountId, pool, provider) => this.dedicatedIps.sourceFor(accountId, pool, provider),
      recordFeedback: (input) => this.feedback.recordFeedback(input),
      capture: (input) => this.captured.capture(input),
      telemetry: this.telemetry,
      health: this.health,
    };
  }

  /** Receipt rules for the inbound MX (after the MTA's return paths). */
  get forInbound(): InboundMailPort {
    return this.#inbound;
  }

  get forReceivingWorker(): ReceivingWorkPort {
    const w = this.inboundWork;
    return {
      onReceived: (listener) => this.#received.onQueued(listener),
      verdicts: (m, raw) => w.verdicts(m, raw),
      content: (m, raw) => w.content(m, raw),
      lambdaEvent: (m, job) => w.lambdaEvent(m, job),
      bucket: (name) => w.bucket(name),
      function: (accountId, arn) => w.function(accountId, arn),
      notifications: (m, job, topicArn, content) => w.notifications(m, job, topicArn, content),
      record: (m, jobs, notifications) => w.record(m, jobs, notifications),
      bounce: (m, job, raw) => w.bounce(m, job, raw),
      purgesHere: () => this.leases.holds('receiving-purge'),
      telemetry: this.telemetry,
      health: this.health,
    };
  }

  get forDispatch(): DispatchPort {
    return {
      onQueued: (listener) => this.#outbox.onQueued(listener),
      envelope: (n) => this.sns.envelope(n),
      isEmail: (n) => SnsEmailDelivery.isEmail(n),
      deliverEmail: (n) => this.#snsEmail.deliver(n),
      telemetry: this.telemetry,
      health: this.health,
    };
  }

  /** Starts the background work of a serving node (cache polling, leases, identity verification). */
  async start(): Promise<void> {
    await this.leases.start();
    this.#cache.start(this.#cachePollMs);
    this.#quota.start();
    this.#verifier.start();
    this.monitor.start(this.#monitorIntervalMs);
  }

  /** Gives back the quota units and the leases this node holds (after its listeners have closed). */
  async release(): Promise<void> {
    await this.#quota.stop();
    await this.leases.stop();
  }

  stop(): void {
    this.monitor.stop();
    this.#verifier.stop();
    this.#cache.stop();
    this.health.stop();
  }
}

/** Sesame's own verification message for an address identity (worded as SES words its own). */
function addressVerificationMessage(address: string, region: string, link: string) {
  return {
    to: address,
    subject: `Sesame Email Address Verification Request in region ${region}`,
    text:
      `Dear Sesame customer,\n\nWe have received a request to authorize this email address for use with Sesame in region ${region}. ` +
      `If you requested this verification, please go to the following URL to confirm that you are authorized to use this email address:\n\n${link}\n\n` +
      `Your request will not be processed unless you confirm the address using this URL. This link expires 24 hours after your original verification request.\n\n` +
      `If you did NOT request to verify this email address, do not click on the link.\n`,
  };
}
