/**
 * The storage interface: the only thing the core knows about persistence. Implementations live beside it
 * (kysely-store.ts over SQLite or PostgreSQL); test/contract/ holds the one suite every implementation passes.
 *
 * Invariants every implementation keeps:
 * - Times are epoch milliseconds (numbers); booleans are booleans; absent optional values are `null`.
 * - `modify` functions run read–change–write atomically: no concurrent writer (another request, another node)
 *   can interleave between the read and the write of that row.
 * - A create that collides with an existing key throws {@link StoreConflictError} and changes nothing.
 * - Listing is ordered by the key named in each method and paginates with an exclusive `after` cursor.
 */

export class StoreConflictError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'StoreConflictError';
  }
}

export type EnforcementStatus = 'HEALTHY' | 'PROBATION' | 'SHUTDOWN';
export type ReviewStatus = 'PENDING' | 'FAILED' | 'GRANTED' | 'DENIED';
export type SuppressionReason = 'BOUNCE' | 'COMPLAINT';

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
  review: { status: ReviewStatus; caseId: string; updatedAt: number } | null;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  id: string;
  accountId: string;
  /** The secret access key, sealed with the master key (never stored in clear). */
  sealedSecret: string;
  status: AccessKeyStatus;
  createdAt: number;
}

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

export interface Page<T> {
  items: T[];
  /** Cursor for the next page; null at the end. */
  next: string | null;
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
  /** The soonest pending `nextCheckAt`, to sleep until it. */
  nextCheckAt(): Promise<number | null>;
}

export interface Tag {
  key: string;
  value: string;
}

export interface TagStore {
  /** Tags of a resource ordered by key. */
  list(accountId: string, resourceArn: string): Promise<Tag[]>;
  /** Adds or overwrites the given keys. */
  put(accountId: string, resourceArn: string, tags: Tag[]): Promise<void>;
  remove(accountId: string, resourceArn: string, keys: string[]): Promise<void>;
  removeAll(accountId: string, resourceArn: string): Promise<void>;
}

export interface MetaStore {
  /**
   * A counter bumped by every change that cached configuration depends on (keys, accounts, identities),
   * so every process and node can drop its caches when it moves.
   */
  getEpoch(): Promise<number>;
  bumpEpoch(): Promise<number>;
}

// ---- messages and their delivery ----------------------------------------------------------------------

export interface MessageRecord {
  id: string;
  accountId: string;
  createdAt: number;
  /** The verified address the message is sent as (FromEmailAddress / Source / MAIL FROM). */
  source: string;
  /** Domain of the From header: the domain whose DKIM key signs. */
  fromDomain: string;
  /** Envelope sender (Return-Path) domain: a verified custom MAIL FROM domain, else the bounce domain. */
  mailFromDomain: string;
  configurationSet: string | null;
  size: number;
  recipientCount: number;
  /** The SES event `mail` object of this message (without tags). */
  mail: Record<string, unknown>;
  /** Message tags (custom and `ses:*` auto-tags), as in SES events. */
  tags: Record<string, string[]>;
  /** Feedback address (FeedbackForwardingEmailAddress / ReturnPath), if given. */
  feedbackAddress: string | null;
  /** ListManagementOptions of the send (contact list and topic), if given. */
  listManagement: { contactListName: string; topicName: string | null } | null;
  /** SES operation that sent it (SendEmail, SendRawEmail, …); `system` for Sesame's own mail. */
  operation: string;
  /** Options from the configuration set that delivery and tracking follow. */
  options: MessageOptions | null;
}

export interface MessageOptions {
  /** Deliver only over TLS (configuration set TlsPolicy REQUIRE). */
  tlsRequired: boolean;
  /** Give up after this long instead of the MTA's maximum queue time (MaxDeliverySeconds). */
  maxDeliverySeconds: number | null;
  /** Open/click tracking: the links' base URL and what is tracked. */
  tracking: { base: string; open: boolean; click: boolean } | null;
}

/**
 * `suppressed`: on the suppression list; `unsubscribed`: opted out of the send's contact list or topic;
 * `failed`: never sent because the message could not be built (a template rendering failure).
 */
export type RecipientStatus = 'queued' | 'delivered' | 'bounced' | 'suppressed' | 'unsubscribed' | 'failed';

export interface RecipientRecord {
  messageId: string;
  /** Position among the message's recipients (0-based). */
  index: number;
  address: string;
  /** Lowercase destination domain (the queue the recipient waits in). */
  domain: string;
  status: RecipientStatus;
  attempts: number;
  /** When the next delivery attempt is due (queued recipients). */
  nextAttemptAt: number | null;
  updatedAt: number;
  lastResponse: string | null;
  /** Node that holds the recipient's delivery (the node that accepted it, or one that took over). */
  owner: string | null;
}

export interface EventRecord {
  id: string;
  accountId: string;
  messageId: string;
  /** SES event type: Send, Delivery, Bounce, Complaint, DeliveryDelay, Reject, … */
  type: string;
  recipient: string | null;
  createdAt: number;
  /** The event in SES's JSON format. */
  payload: Record<string, unknown>;
}

export interface AcceptedMessage {
  message: MessageRecord;
  body: Buffer;
  recipients: RecipientRecord[];
  events: EventRecord[];
  /** Notifications of those events to publish (the outbox), written in the same transaction. */
  notifications?: NotificationRecord[];
  /** Recipients that count toward the daily quota (simulator addresses do not). */
  quotaRecipients: number;
}

export interface RecipientUpdate {
  messageId: string;
  index: number;
  status: RecipientStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastResponse: string | null;
}

export interface DeliveryOutcomes {
  recipients: RecipientUpdate[];
  events: EventRecord[];
  notifications?: NotificationRecord[];
}

export interface MessageStore {
  /**
   * Stores an accepted message, its queue entries (recipients), its events and its quota count in one
   * transaction. Resolves only once that transaction is committed to disk; concurrent calls are grouped
   * into shared transactions (group commit).
   */
  accept(message: AcceptedMessage): Promise<void>;
  /** Stores several accepted messages (one bulk send) in one transaction, like {@link accept}. */
  acceptAll(messages: AcceptedMessage[]): Promise<void>;
  get(id: string): Promise<MessageRecord | null>;
  body(id: string): Promise<Buffer | null>;
  /** Recipients of a message, by index. */
  recipients(messageId: string): Promise<RecipientRecord[]>;
  /** Events of a message, oldest first. */
  events(messageId: string): Promise<EventRecord[]>;
  /** Records delivery outcomes (recipient states and their events) atomically; group-committed like accept. */
  recordOutcomes(outcomes: DeliveryOutcomes): Promise<void>;
  /** Recipients counted toward an account's quota since `since` (minute buckets). */
  sentSince(accountId: string, since: number): Promise<number>;
  /**
   * Queued recipients owned by `owner`, ordered by (message id, index), after the given key: the pages a
   * node loads at start-up.
   */
  queued(
    owner: string,
    after: { messageId: string; index: number } | null,
    limit: number,
  ): Promise<RecipientRecord[]>;
  /**
   * Takes over queued recipients whose owner is not alive (no heartbeat since `deadBefore`) or, with
   * `all`, every queued recipient (a single SQLite node after a restart). Returns how many were taken.
   */
  claimOrphans(owner: string, deadBefore: number, all: boolean): Promise<number>;
  /** Records that a node is alive. */
  heartbeat(node: string, now: number): Promise<void>;
  /**
   * Sending activity of an account since `since`, in buckets of `bucketMs` (aligned to multiples of it):
   * recipients sent to, recipients bounced, complaint and reject events. Only buckets with activity.
   */
  sendStatistics(accountId: string, since: number, bucketMs: number): Promise<SendStatisticsBucket[]>;
}

export interface SendStatisticsBucket {
  start: number;
  deliveryAttempts: number;
  bounces: number;
  complaints: number;
  rejects: number;
}

export interface SuppressedDestinationRecord {
  accountId: string;
  /** Lowercase address. */
  email: string;
  reason: SuppressionReason;
  lastUpdate: number;
  messageId: string | null;
  feedbackId: string | null;
}

export interface SuppressionStore {
  /** Adds or updates (reason, time, cause) an address on the account's suppression list. */
  put(record: SuppressedDestinationRecord): Promise<void>;
  get(accountId: string, email: string): Promise<SuppressedDestinationRecord | null>;
  /** Which of the given lowercase addresses are suppressed. */
  findAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]>;
  delete(accountId: string, email: string): Promise<boolean>;
  count(accountId: string): Promise<number>;
  /** Newest first, optionally filtered; `after` is the cursor of the previous page. */
  list(
    accountId: string,
    options: {
      reasons?: SuppressionReason[] | undefined;
      start?: number | undefined;
      end?: number | undefined;
      after?: string | undefined;
      limit: number;
    },
  ): Promise<Page<SuppressedDestinationRecord>>;
}

// ---- configuration sets ---------------------------------------------------------------------------------

export type EventTypeName =
  | 'SEND'
  | 'REJECT'
  | 'BOUNCE'
  | 'COMPLAINT'
  | 'DELIVERY'
  | 'OPEN'
  | 'CLICK'
  | 'RENDERING_FAILURE'
  | 'DELIVERY_DELAY'
  | 'SUBSCRIPTION';

export interface EventDestinationRecord {
  name: string;
  enabled: boolean;
  matchingEventTypes: EventTypeName[];
  /** Sesame publishes to its own SNS-compatible topics. */
  snsTopicArn: string;
}

export interface ConfigurationSetOptions {
  tracking: {
    customRedirectDomain: string;
    httpsPolicy: 'REQUIRE' | 'REQUIRE_OPEN_ONLY' | 'OPTIONAL';
  } | null;
  delivery: {
    tlsPolicy: 'REQUIRE' | 'OPTIONAL';
    sendingPoolName: string | null;
    maxDeliverySeconds: number | null;
  };
  reputation: { metricsEnabled: boolean; lastFreshStart: number | null };
  /** Overrides the account's suppression reasons; null means the account's apply. */
  suppression: { suppressedReasons: SuppressionReason[] } | null;
}

export interface ConfigurationSetRecord {
  accountId: string;
  name: string;
  createdAt: number;
  sendingEnabled: boolean;
  options: ConfigurationSetOptions;
  eventDestinations: EventDestinationRecord[];
}

export interface ConfigurationSetStore {
  create(set: ConfigurationSetRecord): Promise<void>;
  get(accountId: string, name: string): Promise<ConfigurationSetRecord | null>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ConfigurationSetRecord>>;
  count(accountId: string): Promise<number>;
  modify(
    accountId: string,
    name: string,
    change: (set: ConfigurationSetRecord) => ConfigurationSetRecord,
  ): Promise<ConfigurationSetRecord | null>;
  delete(accountId: string, name: string): Promise<boolean>;
}

// ---- SNS-compatible topics and the notification outbox --------------------------------------------------

export interface SnsTopicRecord {
  arn: string;
  accountId: string;
  name: string;
  createdAt: number;
  attributes: Record<string, string>;
}

export interface SnsSubscriptionRecord {
  arn: string;
  topicArn: string;
  accountId: string;
  protocol: string;
  endpoint: string;
  status: 'pending' | 'confirmed';
  token: string;
  createdAt: number;
  confirmedAt: number | null;
}

export interface SnsStore {
  /** Creates the topic, or returns the existing one of that ARN (CreateTopic is idempotent). */
  createTopic(topic: SnsTopicRecord): Promise<SnsTopicRecord>;
  getTopic(arn: string): Promise<SnsTopicRecord | null>;
  listTopics(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<SnsTopicRecord>>;
  /** Deletes a topic and its subscriptions. */
  deleteTopic(arn: string): Promise<boolean>;
  createSubscription(subscription: SnsSubscriptionRecord): Promise<void>;
  getSubscription(arn: string): Promise<SnsSubscriptionRecord | null>;
  findSubscriptionByToken(topicArn: string, token: string): Promise<SnsSubscriptionRecord | null>;
  listSubscriptions(
    topicArn: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<SnsSubscriptionRecord>>;
  /** Confirmed subscriptions of a topic. */
  confirmedSubscriptions(topicArn: string): Promise<SnsSubscriptionRecord[]>;
  confirmSubscription(arn: string, at: number): Promise<void>;
  deleteSubscription(arn: string): Promise<boolean>;
}

export type NotificationKind = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface NotificationRecord {
  id: string;
  accountId: string;
  type: NotificationKind;
  topicArn: string;
  subscriptionArn: string;
  endpoint: string;
  /** SNS MessageId (kept across retries). */
  snsMessageId: string;
  subject: string | null;
  message: string;
  /** Confirmation token (SubscriptionConfirmation / UnsubscribeConfirmation). */
  token: string | null;
  createdAt: number;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface NotificationStore {
  /** Adds notifications that are not part of a message transaction (subscription confirmations). */
  enqueue(records: NotificationRecord[]): Promise<void>;
  /**
   * Takes up to `limit` pending notifications due at `now` whose lease is free, leasing them until
   * `leaseUntil` so no other node takes them meanwhile.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<NotificationRecord[]>;
  markDelivered(id: string, at: number, attempts: number): Promise<void>;
  /** Records a failed attempt: retried at `nextAttemptAt`, or dead (null) after the last retry. */
  markFailed(id: string, attempts: number, nextAttemptAt: number | null, error: string): Promise<void>;
  listDead(limit: number): Promise<NotificationRecord[]>;
  /** Puts dead notifications (the given ids, or all) back in the queue; returns how many. */
  replay(ids: string[] | 'all', now: number): Promise<number>;
  /** The soonest pending due time. */
  nextDue(): Promise<number | null>;
}

export interface SecretStore {
  /** Stores a sealed secret unless one of that name exists; returns the one that is stored. */
  putIfAbsent(name: string, sealed: string): Promise<string>;
  get(name: string): Promise<string | null>;
}

// ---- templates ------------------------------------------------------------------------------------------

/** Email templates (CreateEmailTemplate / CreateTemplate) and custom verification email templates. */
export type TemplateKind = 'email' | 'verification';

export interface TemplateRecord<C = unknown> {
  accountId: string;
  kind: TemplateKind;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** The template's parts (subject, text, HTML, or the custom verification fields). */
  content: C;
}

export interface TemplateStore {
  /** Throws {@link StoreConflictError} when the account has a template of that kind and name. */
  create(template: TemplateRecord): Promise<void>;
  get(accountId: string, kind: TemplateKind, name: string): Promise<TemplateRecord | null>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(
    accountId: string,
    kind: TemplateKind,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<TemplateRecord>>;
  count(accountId: string, kind: TemplateKind): Promise<number>;
  /** Replaces content and updatedAt; false when there is no such template. */
  update(template: TemplateRecord): Promise<boolean>;
  delete(accountId: string, kind: TemplateKind, name: string): Promise<boolean>;
}

// ---- contact lists --------------------------------------------------------------------------------------

export type SubscriptionStatus = 'OPT_IN' | 'OPT_OUT';

export interface TopicRecord {
  name: string;
  displayName: string;
  description: string | null;
  defaultSubscriptionStatus: SubscriptionStatus;
}

export interface ContactListRecord {
  accountId: string;
  name: string;
  description: string | null;
  topics: TopicRecord[];
  createdAt: number;
  updatedAt: number;
}

export interface ContactRecord {
  accountId: string;
  listName: string;
  /** The address as given; contacts are keyed by its lowercase form. */
  email: string;
  topicPreferences: { topicName: string; subscriptionStatus: SubscriptionStatus }[];
  unsubscribeAll: boolean;
  /** AttributesData: a JSON string kept as given. */
  attributes: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ContactStore {
  /** Throws {@link StoreConflictError} when the list exists. */
  createList(list: ContactListRecord): Promise<void>;
  getList(accountId: string, name: string): Promise<ContactListRecord | null>;
  lists(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactListRecord>>;
  countLists(accountId: string): Promise<number>;
  /** Replaces description, topics and updatedAt; false when there is no such list. */
  updateList(list: ContactListRecord): Promise<boolean>;
  /** Deletes the list and all its contacts. */
  deleteList(accountId: string, name: string): Promise<boolean>;
  /** Throws {@link StoreConflictError} when the list has a contact of that address (case-insensitive). */
  createContact(contact: ContactRecord): Promise<void>;
  getContact(accountId: string, listName: string, email: string): Promise<ContactRecord | null>;
  /** The contacts among the given addresses (case-insensitive). */
  findContacts(accountId: string, listName: string, emails: string[]): Promise<ContactRecord[]>;
  /** Ordered by lowercase address; `after` is the last lowercase address of the previous page. */
  contacts(
    accountId: string,
    listName: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactRecord>>;
  /**
   * Read–change–write of one contact, atomically; `change` receives null when the contact does not exist and
   * may create it by returning a record (or leave it absent by returning null).
   */
  modifyContact(
    accountId: string,
    listName: string,
    email: string,
    change: (contact: ContactRecord | null) => ContactRecord | null,
  ): Promise<ContactRecord | null>;
  /** Inserts the contacts, or replaces preferences and attributes of those that exist (bulk import). */
  upsertContacts(contacts: ContactRecord[]): Promise<void>;
  deleteContact(accountId: string, listName: string, email: string): Promise<boolean>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly templates: TemplateStore;
  readonly contacts: ContactStore;
  readonly messages: MessageStore;
  readonly configurationSets: ConfigurationSetStore;
  readonly sns: SnsStore;
  readonly notifications: NotificationStore;
  readonly secrets: SecretStore;
  readonly suppression: SuppressionStore;
  readonly accounts: AccountStore;
  readonly accessKeys: AccessKeyStore;
  readonly identities: IdentityStore;
  readonly tags: TagStore;
  readonly meta: MetaStore;
  /** Applies pending migrations (safe to call from several nodes at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
