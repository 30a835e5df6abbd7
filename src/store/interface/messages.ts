/** Accepted messages, their queue entries (recipients) and events: the two group-committed write paths. */
import type { NotificationRecord } from './sns.ts';
import type { DimensionIncrement, MetricIncrement } from './metrics.ts';

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
  /** The configuration set's SendingPoolName (dedicated IPs); absent in messages accepted before pools. */
  sendingPoolName?: string | null;
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

/**
 * The id of a message's Send event. The store derives that event from the message row instead of keeping a
 * row for it (message-rows.ts); the event the send pipeline hands to publishers carries the same id.
 */
export const sendEventId = (messageId: string): string => `send-${messageId}`;

export interface AcceptedMessage {
  message: MessageRecord;
  body: Buffer;
  recipients: RecipientRecord[];
  events: EventRecord[];
  /** Notifications of those events to publish (the outbox), written in the same transaction. */
  notifications?: NotificationRecord[];
  /** Recipients that count toward the daily quota (simulator addresses do not). */
  quotaRecipients: number;
  /** Counter increments of those events, written in the same transaction. */
  metrics?: MetricIncrement[];
  dimensionMetrics?: DimensionIncrement[];
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
  metrics?: MetricIncrement[];
  dimensionMetrics?: DimensionIncrement[];
}

export interface MessageSearch {
  accountId: string;
  messageId?: string | undefined;
  sender?: string | undefined;
  recipient?: string | undefined;
  since?: number | undefined;
  before?: number | undefined;
  limit: number;
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
  /** An account's messages, newest first, filtered (sender and recipient: case-insensitive substrings). */
  search(q: MessageSearch): Promise<MessageRecord[]>;
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
   * A node stopping gracefully: its queued recipients become nobody's (the others take them at their next
   * heartbeat, without waiting out the lease) and its row goes. Returns how many were handed back.
   */
  handBack(node: string): Promise<number>;
  /** Every node that has beaten, with the queued recipients it owns (the operator's view of the nodes). */
  nodes(): Promise<{ id: string; heartbeatAt: number; queued: number; shaping: unknown[] | null }[]>;
  /** Records what the node's traffic shaping is doing (a JSON list), shown with `nodes`. */
  setNodeShaping(node: string, shaping: unknown[]): Promise<void>;
  /**
   * Queued recipients that were tried and deferred, grouped by destination domain and last reply, the most
   * recent first (the operator's view of why mail waits).
   */
  deferrals(limit: number): Promise<{ domain: string; reply: string; recipients: number; lastAt: number }[]>;
}
