/** SNS-compatible topics and subscriptions, the notification outbox, and sealed node-wide secrets. */
import type { Page } from './common.ts';

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
  /** Replaces a topic's attributes; false when there is no such topic. */
  setTopicAttributes(arn: string, attributes: Record<string, string>): Promise<boolean>;
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
  /** An account's notifications, newest first, whatever their status (the console's delivery log). */
  recent(accountId: string, limit: number): Promise<NotificationRecord[]>;
  /** Notifications waiting or retrying, and dead-lettered ones. */
  counts(): Promise<{ pending: number; dead: number }>;
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
