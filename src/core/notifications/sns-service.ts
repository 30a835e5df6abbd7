/**
 * Sesame's SNS-compatible topics: what SES event destinations and identity notifications publish to. HTTP(S)
 * subscribers get SNS's message formats exactly — SubscriptionConfirmation with SubscribeURL and Token, then
 * Notification envelopes signed with Sesame's own certificate (served at SigningCertURL), SignatureVersion 1
 * (SHA1withRSA, SNS's default) or 2 (SHA256withRSA) as the topic's attribute says, with SNS's UnsubscribeURL.
 * Messages go out through the notification outbox (dispatch/), at least once.
 */
import { createPrivateKey, randomBytes, randomUUID, type webcrypto } from 'node:crypto';
import type { PublicLinks } from '../../lib/public-links.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { selfSignedCertificate } from '../../lib/tls-material.ts';
import type {
  NotificationKind,
  NotificationRecord,
  SnsSubscriptionRecord,
  SnsTopicRecord,
  Store,
} from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { SesError } from '../errors.ts';
import type { OutboxSignal } from './outbox-signal.ts';

export interface SnsEnvelope {
  headers: Record<string, string>;
  body: string;
}

/** SNS refusals: the SNS adapter names them InvalidParameter, NotFound and AuthorizationError. */
const invalidParameter = (message: string) =>
  new SesError('BadRequestException', message, { resource: 'Topic' });
const topicNotFound = () => new SesError('NotFoundException', 'Topic does not exist', { resource: 'Topic' });
const notAuthorized = (message: string) =>
  new SesError('AccessDeniedException', message, { resource: 'Topic' });

/** Topic attributes Sesame honours; any other is refused rather than stored without effect. */
const TOPIC_ATTRIBUTES: Record<string, (value: string) => boolean> = {
  DisplayName: (v) => v.length <= 100,
  SignatureVersion: (v) => v === '1' || v === '2',
};

function checkTopicAttribute(name: string, value: string): void {
  const valid = TOPIC_ATTRIBUTES[name];
  if (!valid)
    throw invalidParameter(
      `Invalid parameter: AttributeName: the topic attribute ${name} is not supported by Sesame (DisplayName and SignatureVersion are).`,
    );
  if (!valid(value))
    throw invalidParameter(
      name === 'SignatureVersion'
        ? `Invalid parameter: SignatureVersion: Invalid value [${value}]. Valid values: [1, 2]`
        : `Invalid parameter: DisplayName: the display name can be at most 100 characters long.`,
    );
}

export class SnsService {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #cache: EpochCache;
  readonly #region: string;
  readonly #links: PublicLinks;
  readonly #outbox: OutboxSignal;
  readonly #now: () => number;
  #signing: Promise<{ key: string; cert: string }> | undefined;
  readonly #signingKeys = new Map<string, Promise<webcrypto.CryptoKey>>();

  constructor(deps: {
    store: Store;
    box: SecretBox;
    cache: EpochCache;
    region: string;
    links: PublicLinks;
    outbox: OutboxSignal;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#box = deps.box;
    this.#cache = deps.cache;
    this.#region = deps.region;
    this.#links = deps.links;
    this.#outbox = deps.outbox;
    this.#now = deps.now;
  }

  topicArn(accountId: string, name: string): string {
    return `arn:aws:sns:${this.#region}:${accountId}:${name}`;
  }

  async createTopic(
    accountId: string,
    name: string,
    attributes: Record<string, string> = {},
  ): Promise<SnsTopicRecord> {
    if (name.endsWith('.fifo'))
      throw invalidParameter('Invalid parameter: FIFO topics are not supported by Sesame.');
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name))
      throw invalidParameter(
        'Invalid parameter: Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    for (const [key, value] of Object.entries(attributes)) checkTopicAttribute(key, value);
    const topic = await this.#store.sns.createTopic({
      arn: this.topicArn(accountId, name),
      accountId,
      name,
      createdAt: this.#now(),
      attributes,
    });
    await this.#cache.changed();
    return topic;
  }

  /** SetTopicAttributes: DisplayName and SignatureVersion (the attributes that change what Sesame does). */
  async setTopicAttribute(accountId: string, arn: string, name: string, value: string): Promise<void> {
    const topic = await this.getTopic(accountId, arn);
    checkTopicAttribute(name, value);
    await this.#store.sns.setTopicAttributes(arn, { ...topic.attributes, [name]: value });
    await this.#cache.changed();
  }

  async getTopic(accountId: string, arn: string): Promise<SnsTopicRecord> {
    const topic = await this.#store.sns.getTopic(arn);
    if (!topic || topic.accountId !== accountId) throw topicNotFound();
    return topic;
  }

  /** Cached (creating and deleting topics moves the epoch): receiving asks it for every message. */
  async topicExists(accountId: string, arn: string): Promise<boolean> {
    const owner = await this.#cache.get(
      `topic-owner:${arn}`,
      async () => (await this.#store.sns.getTopic(arn))?.accountId ?? null,
    );
    return owner === accountId;
  }

  listTopics(accountId: string, after: string | undefined) {
    return this.#store.sns.listTopics(accountId, { after, limit: 100 });
  }

  async deleteTopic(accountId: string, arn: string): Promise<void> {
    const topic = await this.#store.sns.getTopic(arn);
    if (!topic) return; // DeleteTopic is idempotent in SNS
    if (topic.accountId !== accountId) throw notAuthorized('User is not authorized to delete this topic');
    await this.#store.sns.deleteTopic(arn);
    await this.#cache.changed();
  }

  async topicAttributes(accountId: string, arn: string): Promise<Record<string, string>> {
    const topic = await this.getTopic(accountId, arn);
    let confirmed = 0;
    let pending = 0;
    let after: string | undefined;
    do {
      const page = await this.#store.sns.listSubscriptions(arn, { after, limit: 1000 });
      for (const s of page.items)
        if (s.status === 'confirmed') confirmed++;
        else pending++;
      after = page.next ?? undefined;
    } while (after);
    return {
      TopicArn: arn,
      Owner: accountId,
      DisplayName: topic.attributes.DisplayName ?? '',
      SubscriptionsConfirmed: String(confirmed),
      SubscriptionsPending: String(pending),
      SubscriptionsDeleted: '0',
      EffectiveDeliveryPolicy: JSON.stringify({
        http: {
          defaultHealthyRetryPolicy: {
            minDelayTarget: 20,
            maxDelayTarget: 20,
            numRetries: 3,
            numMaxDelayRetries: 0,
            numNoDelayRetries: 0,
            numMinDelayRetries: 0,
            backoffFunction: 'linear',
          },
          disableSubscriptionOverrides: false,
        },
      }),
      ...topic.attributes,
    };
  }

  /**
   * Subscribe: http(s) endpoints, and email / email-json addresses (delivered through Sesame's own MTA). The
   * endpoint receives a SubscriptionConfirmation to confirm.
   */
  async subscribe(accountId: string, topicArn: string, protocol: string, endpoint: string): Promise<string> {
    await this.getTopic(accountId, topicArn);
    if (protocol === 'email' || protocol === 'email-json') {
      if (!/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(endpoint))
        throw invalidParameter('Invalid parameter: Email address');
    } else if (protocol === 'http' || protocol === 'https') {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw invalidParameter('Invalid parameter: Endpoint must be an absolute URL');
      }
      if (url.protocol !== `${protocol}:`)
        throw invalidParameter(`Invalid parameter: Endpoint must match the specified protocol`);
    } else
      throw invalidParameter(
        `Invalid parameter: Protocol ${protocol} is not supported by Sesame (http, https, email and email-json are).`,
      );
    let after: string | undefined;
    do {
      const page = await this.#store.sns.listSubscriptions(topicArn, { after, limit: 1000 });
      const same = page.items.find((s) => s.endpoint === endpoint && s.protocol === protocol);
      if (same) return same.status === 'confirmed' ? same.arn : 'pending confirmation';
      after = page.next ?? undefined;
    } while (after);
    const now = this.#now();
    const sub: SnsSubscriptionRecord = {
      arn: `${topicArn}:${randomUUID()}`,
      topicArn,
      accountId,
      protocol,
      endpoint,
      status: 'pending',
      token: randomBytes(64).toString('hex'),
      createdAt: now,
      confirmedAt: null,
    };
    await this.#store.sns.createSubscription(sub);
    const message = `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
    await this.#store.notifications.enqueue([
      this.#record(sub, 'SubscriptionConfirmation', message, null, sub.token),
    ]);
    this.#outbox.queued();
    return 'pending confirmation';
  }

  /** ConfirmSubscription: the token proves the endpoint received the confirmation (no AWS signature needed). */
  async confirm(topicArn: string, token: string): Promise<string> {
    const sub = await this.#store.sns.findSubscriptionByToken(topicArn, token);
    if (!sub) throw invalidParameter('Invalid token');
    if (sub.status !== 'confirmed') {
      await this.#store.sns.confirmSubscription(sub.arn, this.#now());
      await this.#cache.changed();
    }
    return sub.arn;
  }

  async unsubscribe(accountId: string | undefined, arn: string): Promise<void> {
    const sub = await this.#store.sns.getSubscription(arn);
    if (!sub) return;
    if (accountId !== undefined && sub.accountId !== accountId)
      throw notAuthorized('User is not authorized to unsubscribe');
    await this.#store.sns.deleteSubscription(arn);
    await this.#cache.changed();
    const message = `You have chosen to deactivate subscription ${arn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`;
    await this.#store.notifications.enqueue([
      this.#record(sub, 'UnsubscribeConfirmation', message, null, sub.token),
    ]);
    this.#outbox.queued();
  }

  async listSubscriptions(accountId: string, topicArn: string, after: string | undefined) {
    await this.getTopic(accountId, topicArn);
    return this.#store.sns.listSubscriptions(topicArn, { after, limit: 100 });
  }

  /**
   * SES's test message to the topic of a new event destination ("Successfully validated SNS topic for Amazon
   * SES event publishing."), queued to its confirmed subscriptions.
   */
  async publishValidation(topicArn: string): Promise<void> {
    const records = await this.publish(
      topicArn,
      'Successfully validated SNS topic for Amazon SES event publishing.',
    );
    if (records.length === 0) return;
    await this.#store.notifications.enqueue(records);
    this.#outbox.queued();
  }

  /**
   * Notifications of one message to every confirmed subscription of a topic (cached subscription list). With
   * `perProtocol` (SNS's MessageStructure json), each protocol gets its own text, else the default.
   */
  async publish(
    topicArn: string,
    message: string,
    subject: string | null = null,
    perProtocol?: Record<string, string>,
    snsMessageId: string = randomUUID(),
  ): Promise<NotificationRecord[]> {
    const subs = await this.#cache.get(`subs:${topicArn}`, () =>
      this.#store.sns.confirmedSubscriptions(topicArn),
    );
    return subs.map((s) => ({
      ...this.#record(s, 'Notification', perProtocol?.[s.protocol] ?? message, subject, null),
      snsMessageId,
    }));
  }

  /** SNS Publish to a topic of the account: queued to its confirmed subscriptions; returns the MessageId. */
  async publishMessage(
    accountId: string,
    input: {
      topicArn: string;
      message: string;
      subject?: string | undefined;
      structure?: string | undefined;
    },
  ): Promise<string> {
    await this.getTopic(accountId, input.topicArn);
    if (Buffer.byteLength(input.message) > 262_144)
      throw invalidParameter('Invalid parameter: Message too long');
    if (!input.message) throw invalidParameter('Invalid parameter: Empty message');
    if (input.subject !== undefined && !/^[\x20-\x7e]{1,100}$/.test(input.subject))
      throw invalidParameter(
        'Invalid parameter: Subject must be ASCII text that begins with a letter, number, or punctuation mark, with no line breaks or control characters, under 100 characters',
      );
    let perProtocol: Record<string, string> | undefined;
    let text = input.message;
    if (input.structure !== undefined) {
      if (input.structure !== 'json')
        throw invalidParameter('Invalid parameter: MessageStructure must be json');
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.message);
      } catch {
        throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      const o = parsed as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || typeof o.default !== 'string')
        throw invalidParameter(
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      text = o.default;
      perProtocol = Object.fromEntries(
        Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
    const id = randomUUID();
    const records = await this.publish(input.topicArn, text, input.subject ?? null, perProtocol, id);
    if (records.length) {
      await this.#store.notifications.enqueue(records);
      this.#outbox.queued();
    }
    return id;
  }

  /** The subscription a notification goes to (null once it is gone). */
  subscription(arn: string): Promise<SnsSubscriptionRecord | null> {
    return this.#store.sns.getSubscription(arn);
  }

  /** The SubscribeURL of a confirmation (for the email that carries it). */
  subscribeUrl(topicArn: string, token: string): string {
    return this.#links.snsConfirmSubscription(topicArn, token);
  }

  #record(
    sub: SnsSubscriptionRecord,
    type: NotificationKind,
    message: string,
    subject: string | null,
    token: string | null,
  ): NotificationRecord {
    const now = this.#now();
    return {
      id: randomUUID(),
      accountId: sub.accountId,
      type,
      topicArn: sub.topicArn,
      subscriptionArn: sub.arn,
      endpoint: sub.endpoint,
      snsMessageId: randomUUID(),
      subject,
      message,
      token,
      createdAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastError: null,
      deliveredAt: null,
    };
  }

  /** Notifications that failed their last retry (the dead-letter state). */
  deadLetters(limit = 1000): Promise<NotificationRecord[]> {
    return this.#store.notifications.listDead(limit);
  }

  /** An account's notifications, newest first (pending, delivered and dead-lettered). */
  deliveryLog(accountId: string, limit = 100): Promise<NotificationRecord[]> {
    return this.#store.notifications.recent(accountId, limit);
  }

  /** Replays an account's own dead-lettered notifications (ids of other accounts' are ignored). */
  async replayOwn(accountId: string, ids: string[] | 'all'): Promise<number> {
    const own = (await this.deadLetters()).filter(
      (n) => n.accountId === accountId && (ids === 'all' || ids.includes(n.id)),
    );
    return own.length ? this.replay(own.map((n) => n.id)) : 0;
  }

  /** Puts dead-lettered notifications back in the queue (all of them, or the given ids). */
  async replay(ids: string[] | 'all'): Promise<number> {
    const n = await this.#store.notifications.replay(ids, this.#now());
    if (n > 0) this.#outbox.queued();
    return n;
  }

  // ---- the HTTP envelope --------------------------------------------------------------------------------

  /** The signing certificate (PEM) served at SigningCertURL; created once and shared through the database. */
  async signingCertificate(): Promise<string> {
    return (await this.#signingMaterial()).cert;
  }

  #signingKey(hash: 'SHA-1' | 'SHA-256'): Promise<webcrypto.CryptoKey> {
    let key = this.#signingKeys.get(hash);
    if (!key) {
      key = this.#signingMaterial().then(({ key: pem }) =>
        createPrivateKey(pem).toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']),
      );
      this.#signingKeys.set(hash, key);
    }
    return key;
  }

  #signingMaterial(): Promise<{ key: string; cert: string }> {
    this.#signing ??= (async () => {
      const existing = await this.#store.secrets.get('sns-signing');
      if (existing) return JSON.parse(this.#box.open(existing)) as { key: string; cert: string };
      const fresh = await selfSignedCertificate('sns.sesame');
      const stored = await this.#store.secrets.putIfAbsent(
        'sns-signing',
        this.#box.seal(JSON.stringify(fresh)),
      );
      return JSON.parse(this.#box.open(stored)) as { key: string; cert: string };
    })();
    return this.#signing;
  }

  /** The UnsubscribeURL of a notification: SNS's unsigned `?Action=Unsubscribe` (the ARN is the capability). */
  unsubscribeUrl(subscriptionArn: string): string {
    return this.#links.snsUnsubscribe(subscriptionArn);
  }

  /** The HTTP POST an SNS subscriber receives for a notification (body and x-amz-sns-* headers), signed. */
  async envelope(n: NotificationRecord): Promise<SnsEnvelope> {
    const timestamp = new Date(n.createdAt).toISOString();
    const fields: Record<string, string> = { Type: n.type, MessageId: n.snsMessageId, TopicArn: n.topicArn };
    if (n.type === 'Notification') {
      if (n.subject !== null) fields.Subject = n.subject;
      fields.Message = n.message;
      fields.Timestamp = timestamp;
    } else {
      fields.Token = n.token ?? '';
      fields.Message = n.message;
      fields.SubscribeURL = this.#links.snsConfirmSubscription(n.topicArn, n.token ?? '');
      fields.Timestamp = timestamp;
    }
    // String to sign: Key\nValue\n for the keys present, in SNS's fixed order.
    const order =
      n.type === 'Notification'
        ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const toSign = order
      .filter((k) => fields[k] !== undefined)
      .map((k) => `${k}\n${fields[k]}\n`)
      .join('');
    const version = await this.#signatureVersion(n.topicArn);
    // WebCrypto signs on libuv's thread pool: the RSA operation (most of a notification's cost) leaves the
    // event loop free for mail and requests.
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      await this.#signingKey(version === '2' ? 'SHA-256' : 'SHA-1'),
      new TextEncoder().encode(toSign),
    );
    const body: Record<string, string> = {
      ...fields,
      SignatureVersion: version,
      Signature: Buffer.from(signature).toString('base64'),
      SigningCertURL: this.#links.snsSigningCert(),
    };
    if (n.type === 'Notification') body.UnsubscribeURL = this.unsubscribeUrl(n.subscriptionArn);
    return {
      headers: {
        'content-type': 'text/plain; charset=UTF-8',
        'user-agent': 'Amazon Simple Notification Service Agent',
        'x-amz-sns-message-type': n.type,
        'x-amz-sns-message-id': n.snsMessageId,
        'x-amz-sns-topic-arn': n.topicArn,
        ...(n.type === 'Notification' ? { 'x-amz-sns-subscription-arn': n.subscriptionArn } : {}),
      },
      body: JSON.stringify(body, null, 2),
    };
  }

  /** The topic's SignatureVersion attribute (1 when unset, as in SNS; 1 too for a topic deleted meanwhile). */
  async #signatureVersion(topicArn: string): Promise<'1' | '2'> {
    const topic = await this.#cache.get(`topic:${topicArn}`, () => this.#store.sns.getTopic(topicArn));
    return topic?.attributes.SignatureVersion === '2' ? '2' : '1';
  }
}
