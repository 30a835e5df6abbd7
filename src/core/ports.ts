/**
 * The ports: what each caller of the core may call, and nothing more. The composition root (platform.ts) hands
 * each adapter, the MTA and dispatch its port; none of them sees the whole core. A port names the methods its
 * caller really uses today — widen one only when that caller needs more.
 *
 * Who uses which port:
 *   SesApiPort          adapters/ses-v2, adapters/ses-v1, adapters/sns, adapters/aws (SigV4 key lookup)
 *   WebPagesPort        adapters/http pages: tracking links, one-click unsubscribe, verification links, SNS cert
 *   SmtpSubmissionPort  adapters/smtp-submission
 *   InboundMailPort     adapters/smtp-inbound (the MTA's return-path inbox, then receiving's receipt rules)
 *   OperatorPort        adapters/cli
 *   MtaPort             mta/ (accepted messages in; delivery outcomes, feedback out)
 *   DispatchPort        dispatch/ (the notification outbox)
 *   ReceivingWorkPort   receiving-worker/ (the actions of received mail)
 */
import type { NotificationRecord } from '../store/store.ts';
import type { AlarmService } from './metrics/alarms.ts';
import type { MetricSeries } from './metrics/metric-series.ts';
import type { Insights } from './metrics/insights.ts';
import type { Telemetry } from './metrics/telemetry.ts';
import type { SendingAuthorization } from './authorization/sending-authorization.ts';
import type { DedicatedIps } from './dedicated-ips/dedicated-ips.ts';
import type { ReputationMonitor } from './metrics/reputation.ts';
import type { AccountService } from './accounts/account-service.ts';
import type { ConfigurationSetService } from './configuration-sets/configuration-set-service.ts';
import type { ContactService } from './contacts/contact-service.ts';
import type { DeliveryOutcomes } from './delivery/delivery-outcomes.ts';
import type { EngagementService } from './engagement/engagement-service.ts';
import type { Personalizer } from './engagement/personalizer.ts';
import type { FeedbackService } from './feedback/feedback-service.ts';
import type { ServiceHealth } from './health/service-health.ts';
import type { ReceiptRuleService } from './receiving/receipt-rules.ts';
import type { InboundEnvelope, RecipientVerdict } from './receiving/inbound.ts';
import type { InboundWork } from './receiving/inbound-work.ts';
import type { ReceivingResources } from './receiving/resources.ts';
import type { IdentityService } from './identities/identity-service.ts';
import type { SenderIdentities } from './identities/sender-identities.ts';
import type { SnsService } from './notifications/sns-service.ts';
import type { Acceptance } from './sending/acceptance.ts';
import type { SendingService } from './sending/sending-service.ts';
import type { QueueOverview } from './delivery/queue-overview.ts';
import type { SuppressionService } from './suppression/suppression-service.ts';
import type { TagService } from './tags/tag-service.ts';
import type { CustomVerificationSender } from './templates/custom-verification.ts';
import type { TemplateService } from './templates/template-service.ts';
import type { CapturedMail } from './development/captured-mail.ts';
import type { DevelopmentMode } from './development/development-mode.ts';
import type { Preflight } from './deliverability/preflight.ts';
import type { ConsoleUsers } from './console/console-users.ts';

/** The SES v2 and v1 APIs and the SNS-compatible API. */
/** What every adapter and background loop asks about a failure: is it the service's state (retryable)? */
export type HealthPort = Pick<ServiceHealth, 'failure'>;

export interface SesApiPort {
  readonly region: string;
  readonly health: HealthPort;
  readonly accounts: Pick<
    AccountService,
    | 'get'
    | 'resolveAccessKey'
    | 'sendQuota'
    | 'putDetails'
    | 'setSendingEnabled'
    | 'setSuppressedReasons'
    | 'setVdm'
    | 'setDedicatedIpAutoWarmup'
  >;
  readonly identities: Pick<
    IdentityService,
    | 'create'
    | 'delete'
    | 'find'
    | 'get'
    | 'list'
    | 'setConfigurationSet'
    | 'setDkimSigning'
    | 'setDkimSigningEnabled'
    | 'setFeedbackForwarding'
    | 'setHeadersInNotifications'
    | 'setMailFrom'
    | 'setNotificationTopic'
    | 'verifyDomainWithToken'
    | 'verifyEmailAddress'
  >;
  readonly tags: Pick<TagService, 'list' | 'listForResource' | 'tagResource' | 'untagResource'>;
  /** Identity policies (sending authorization). */
  readonly authorization: Pick<SendingAuthorization, 'writePolicy' | 'policies' | 'deletePolicy'>;
  /** Dedicated IPs and their pools. */
  readonly dedicatedIps: Pick<
    DedicatedIps,
    | 'createPool'
    | 'getPool'
    | 'listPools'
    | 'deletePool'
    | 'setScalingMode'
    | 'getIp'
    | 'listIps'
    | 'moveToPool'
    | 'setWarmup'
    | 'blocklistReport'
  >;
  readonly sending: Pick<SendingService, 'send' | 'sendBulk'>;
  /** GetSendStatistics, CloudWatch's metric reads, VDM. */
  readonly metrics: Pick<MetricSeries, 'datapoints' | 'metrics' | 'sendStatistics' | 'vdmBatch'>;
  /** GetMessageInsights, GetEmailAddressInsights. */
  readonly insights: Pick<Insights, 'address' | 'message'>;
  /** CloudWatch alarms. */
  readonly alarms: Pick<
    AlarmService,
    'delete' | 'history' | 'list' | 'put' | 'setActionsEnabled' | 'setState'
  >;
  readonly configurationSets: Pick<
    ConfigurationSetService,
    | 'arn'
    | 'create'
    | 'createEventDestination'
    | 'delete'
    | 'deleteEventDestination'
    | 'get'
    | 'list'
    | 'setDelivery'
    | 'setReputation'
    | 'setVdm'
    | 'setSendingEnabled'
    | 'setSuppression'
    | 'setTracking'
    | 'updateEventDestination'
  >;
  readonly contacts: Pick<
    ContactService,
    | 'arn'
    | 'createContact'
    | 'createList'
    | 'deleteContact'
    | 'deleteList'
    | 'getContact'
    | 'getList'
    | 'listContacts'
    | 'lists'
    | 'updateContact'
    | 'updateList'
  >;
  readonly customVerification: Pick<CustomVerificationSender, 'send'>;
  readonly sns: Pick<
    SnsService,
    | 'confirm'
    | 'createTopic'
    | 'deleteTopic'
    | 'listSubscriptions'
    | 'listTopics'
    | 'publishMessage'
    | 'setTopicAttribute'
    | 'subscribe'
    | 'topicAttributes'
    | 'unsubscribe'
  >;
  readonly suppression: Pick<SuppressionService, 'delete' | 'get' | 'list' | 'put'>;
  readonly inboundWork: Pick<InboundWork, 'sendBounce'>;
  /** Sesame's preflight route (GET /sesame/preflight/{MessageId}, SigV4-signed for ses). */
  readonly preflight: Pick<Preflight, 'message'>;
  /** Development mode shows itself in GetAccount and a response header. */
  readonly development: Pick<DevelopmentMode, 'enabled' | 'inboxUrl'>;
  /** The S3-compatible read API of the embedded buckets checks who owns one. */
  readonly receivingResources: Pick<ReceivingResources, 'bucket'>;
  readonly receiptRules: Pick<
    ReceiptRuleService,
    | 'activeRuleSet'
    | 'cloneRuleSet'
    | 'createFilter'
    | 'createRule'
    | 'createRuleSet'
    | 'deleteFilter'
    | 'deleteRule'
    | 'deleteRuleSet'
    | 'describeRule'
    | 'describeRuleSet'
    | 'listFilters'
    | 'listRuleSets'
    | 'reorderRuleSet'
    | 'setActiveRuleSet'
    | 'setRulePosition'
    | 'updateRule'
  >;
  readonly templates: Pick<
    TemplateService,
    | 'create'
    | 'createVerification'
    | 'delete'
    | 'deleteVerification'
    | 'get'
    | 'getVerification'
    | 'list'
    | 'listVerification'
    | 'tagsOf'
    | 'testRender'
    | 'update'
    | 'updateVerification'
  >;
}

/** The pages people open from mail and notifications (served by adapters/http). */
export interface WebPagesPort {
  readonly health: HealthPort;
  readonly engagement: Pick<EngagementService, 'recordEngagement' | 'unsubscribeTarget' | 'unsubscribe'>;
  readonly identities: Pick<IdentityService, 'confirmEmailToken'>;
  readonly customVerification: Pick<CustomVerificationSender, 'redirect'>;
  readonly sns: Pick<SnsService, 'signingCertificate'>;
}

/** SMTP submission: SES SMTP credentials, and the same send as the API. */
export interface SmtpSubmissionPort {
  readonly health: HealthPort;
  readonly accounts: Pick<AccountService, 'authenticateSmtp' | 'get' | 'resolveAccessKey'>;
  readonly sending: Pick<SendingService, 'send'>;
}

/**
 * The inbound MX: who takes mail for a recipient, and where an accepted message goes. The MX asks its ports in
 * order — the MTA's return paths (bounces and complaints to Sesame's own VERP addresses), then receiving
 * (receipt rules) — and the first that does not answer `unknown` owns the recipient.
 */
export interface InboundMailPort {
  /** Whether this port takes a recipient (never an open relay: what no port takes is refused at RCPT). */
  recipient(address: string, envelope: Omit<InboundEnvelope, 'recipients'>): Promise<RecipientVerdict>;
  /**
   * A message for the recipients this port took; resolves once it is handled (the 250 is answered then) with
   * the text after `250`, or undefined for the listener's own. An error may carry `smtpReply`.
   */
  receive(message: Buffer, envelope: InboundEnvelope): Promise<string | undefined>;
}

/** What runs received mail's actions (src/receiving-worker/) asks of the core. */
export interface ReceivingWorkPort {
  onReceived(listener: () => void): void;
  verdicts: InboundWork['verdicts'];
  content: InboundWork['content'];
  lambdaEvent: InboundWork['lambdaEvent'];
  bucket: InboundWork['bucket'];
  function: InboundWork['function'];
  notifications: InboundWork['notifications'];
  record: InboundWork['record'];
  bounce: InboundWork['bounce'];
  /** Whether this node holds the lease of the received-mail purge (one node purges). */
  purgesHere(): boolean;
  /** Where outcomes are reported (Prometheus). */
  telemetry: Telemetry;
  health: HealthPort;
}

/** The operator CLI. */
export interface OperatorPort {
  readonly region: string;
  readonly accounts: Pick<
    AccountService,
    | 'create'
    | 'createAccessKey'
    | 'decideReview'
    | 'get'
    | 'list'
    | 'listAccessKeys'
    | 'listReviews'
    | 'revokeAccessKey'
    | 'update'
  >;
  /** Dedicated IPs: the nodes' sending addresses and their accounts. */
  readonly dedicatedIps: Pick<DedicatedIps, 'declare' | 'assign' | 'remove' | 'all'>;
  /** `sesame queue`: nodes, their queued mail and traffic shaping, the latest deferral replies. */
  readonly queueOverview: Pick<QueueOverview, 'deferrals' | 'nodes'>;
  readonly identities: Pick<
    IdentityService,
    'accountsWithIdentity' | 'checkNow' | 'dnsRecords' | 'mailHostProblem'
  >;
  readonly reputation: Pick<ReputationMonitor, 'settings' | 'standing'>;
  readonly sending: Pick<SendingService, 'details'>;
  readonly contacts: Pick<ContactService, 'getList' | 'importRows' | 'lists'>;
  readonly sns: Pick<SnsService, 'deadLetters' | 'replay'>;
  readonly suppression: Pick<SuppressionService, 'importRows'>;
  readonly receivingResources: Pick<
    ReceivingResources,
    'createBucket' | 'deleteBucket' | 'listBuckets' | 'listFunctions' | 'mapFunction' | 'unmapFunction'
  >;
  readonly inboundWork: Pick<InboundWork, 'listMessages' | 'listRefusals' | 'show'>;
  readonly preflight: Pick<Preflight, 'message'>;
  readonly consoleUsers: Pick<ConsoleUsers, 'create' | 'list'>;
}

/**
 * The web console (adapters/console): sign-in, and what an account's user does there — the same core calls
 * as the APIs, so the same validation and errors apply.
 */
export interface ConsolePort {
  readonly region: string;
  readonly health: HealthPort;
  readonly consoleUsers: Pick<
    ConsoleUsers,
    'completeSetup' | 'create' | 'csrfMatches' | 'list' | 'session' | 'setupUser' | 'signIn'
  >;
  readonly accounts: Pick<
    AccountService,
    | 'create'
    | 'createAccessKey'
    | 'decideReview'
    | 'get'
    | 'list'
    | 'listAccessKeys'
    | 'listReviews'
    | 'putDetails'
    | 'revokeAccessKey'
    | 'sendQuota'
    | 'update'
  >;
  readonly identities: Pick<
    IdentityService,
    | 'checkNow'
    | 'create'
    | 'delete'
    | 'dnsRecords'
    | 'get'
    | 'list'
    | 'mailHostProblem'
    | 'setDkimSigning'
    | 'setMailFrom'
    | 'verifyEmailAddress'
  >;
  readonly sending: Pick<SendingService, 'body' | 'details' | 'search' | 'send'>;
  /** The operator's queue screen: nodes and deferral replies, across nodes. */
  readonly queueOverview: Pick<QueueOverview, 'deferrals' | 'nodes'>;
  readonly metrics: Pick<MetricSeries, 'activity' | 'datapoints'>;
  readonly reputation: Pick<ReputationMonitor, 'settings' | 'standing'>;
  readonly templates: Pick<TemplateService, 'create' | 'delete' | 'get' | 'list' | 'testRender' | 'update'>;
  readonly suppression: Pick<SuppressionService, 'delete' | 'importRows' | 'list' | 'put'>;
  readonly configurationSets: Pick<
    ConfigurationSetService,
    'create' | 'createEventDestination' | 'delete' | 'deleteEventDestination' | 'get' | 'list'
  >;
  readonly sns: Pick<
    SnsService,
    | 'createTopic'
    | 'deleteTopic'
    | 'deliveryLog'
    | 'listSubscriptions'
    | 'listTopics'
    | 'replayOwn'
    | 'subscribe'
    | 'unsubscribe'
  >;
  readonly contacts: Pick<
    ContactService,
    'createContact' | 'createList' | 'deleteList' | 'getList' | 'listContacts' | 'lists'
  >;
  readonly receiptRules: Pick<
    ReceiptRuleService,
    | 'cloneRuleSet'
    | 'createFilter'
    | 'createRuleSet'
    | 'deleteFilter'
    | 'deleteRule'
    | 'deleteRuleSet'
    | 'describeRuleSet'
    | 'listFilters'
    | 'listRuleSets'
    | 'setActiveRuleSet'
    | 'setRulePosition'
  >;
  readonly inboundWork: Pick<InboundWork, 'listMessages' | 'listRefusals'>;
}

/** Development mode's inbox page and JSON API (adapters/http/dev-inbox.ts): captured mail, reset, preflight. */
export interface DevInboxPort {
  readonly health: HealthPort;
  readonly development: Pick<DevelopmentMode, 'credentials' | 'reset'>;
  readonly captured: Pick<
    CapturedMail,
    'attachment' | 'delete' | 'deleteAll' | 'follow' | 'get' | 'list' | 'raw'
  >;
  readonly preflight: Pick<Preflight, 'captured' | 'message'>;
}

/**
 * The outbound MTA: it learns of committed messages, reads what it does not hold, asks for each recipient's
 * copy and the DKIM key, and reports delivery outcomes and the feedback that arrives on return paths. It never
 * decides SES policy.
 */
export interface MtaPort {
  onAccepted: Acceptance['onAccepted'];
  payload: DeliveryOutcomes['payload'];
  recordDelivery: DeliveryOutcomes['recordDelivery'];
  isPersonal: Personalizer['isPersonal'];
  personalize: Personalizer['personalize'];
  dkimKeyFor: SenderIdentities['dkimKeyFor'];
  /** The dedicated IP (and EHLO name) a message leaves from on this node; null: the node's own address. */
  sendingSource: DedicatedIps['sourceFor'];
  recordFeedback: FeedbackService['recordFeedback'];
  /** Development mode: keeps what would have been sent (committed before it resolves). */
  capture: CapturedMail['capture'];
  /** Where outcomes are reported (Prometheus). */
  telemetry: Telemetry;
  health: HealthPort;
}

/** Dispatch: told when the outbox has new notifications; the core builds each one's signed envelope. */
export interface DispatchPort {
  onQueued(listener: () => void): void;
  envelope: SnsService['envelope'];
  /** Whether a notification goes to an email / email-json subscription (mail, not an HTTP POST). */
  isEmail(n: NotificationRecord): boolean;
  /** Commits the mail of such a notification for delivery by Sesame's MTA. */
  deliverEmail(n: NotificationRecord): Promise<void>;
  /** Where outcomes are reported (Prometheus). */
  telemetry: Telemetry;
  health: HealthPort;
}
