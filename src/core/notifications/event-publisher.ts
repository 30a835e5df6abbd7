/**
 * Decides where the events of a message go: the SNS topics of its configuration set's enabled event
 * destinations that match the event type (event-publishing format, `eventType`), and the identity's
 * Bounce/Complaint/Delivery notification topics (notification format, `notificationType`, tags left out, headers
 * only where enabled). The resulting outbox rows are written in the same transaction as the events.
 */
import { canonicalDimensions } from '../metrics/metric-series.ts';
import type {
  CloudWatchDimensionRecord,
  DimensionIncrement,
  EventRecord,
  EventTypeName,
  MessageRecord,
  NotificationRecord,
  NotificationType,
} from '../../store/store.ts';
import type { ConfigurationSetService } from '../configuration-sets/configuration-set-service.ts';
import { identityOwner, type SenderIdentities } from '../identities/sender-identities.ts';
import type { SnsService } from './sns-service.ts';

/** SES v2's name of each event type (event destinations' MatchingEventTypes, insights' event Type). */
export const EVENT_TYPE_NAMES: Record<string, EventTypeName> = {
  Send: 'SEND',
  Reject: 'REJECT',
  Bounce: 'BOUNCE',
  Complaint: 'COMPLAINT',
  Delivery: 'DELIVERY',
  Open: 'OPEN',
  Click: 'CLICK',
  'Rendering Failure': 'RENDERING_FAILURE',
  DeliveryDelay: 'DELIVERY_DELAY',
  Subscription: 'SUBSCRIPTION',
};

/** The identity a message was sent as, from the `sourceArn` of its mail object. */
export function sourceIdentity(message: MessageRecord): string | undefined {
  const arn = message.mail.sourceArn;
  return typeof arn === 'string'
    ? arn.slice(arn.indexOf(':identity/') + ':identity/'.length) || undefined
    : undefined;
}

export class EventPublisher {
  readonly #sets: ConfigurationSetService;
  readonly #senders: SenderIdentities;
  readonly #sns: SnsService;

  constructor(deps: {
    configurationSets: ConfigurationSetService;
    senders: SenderIdentities;
    sns: SnsService;
  }) {
    this.#sets = deps.configurationSets;
    this.#senders = deps.senders;
    this.#sns = deps.sns;
  }

  async notificationsFor(message: MessageRecord, events: EventRecord[]): Promise<NotificationRecord[]> {
    if (events.length === 0 || message.operation === 'system') return [];
    const out: NotificationRecord[] = [];
    const set = message.configurationSet
      ? await this.#sets.forSending(message.accountId, message.configurationSet)
      : undefined;
    const identity = sourceIdentity(message);
    const settings = identity
      ? // The identity's owner's settings (another account than the sender's under sending authorization).
        await this.#senders.notificationSettings(identityOwner(message), identity)
      : undefined;
    for (const event of events) {
      const typeName = EVENT_TYPE_NAMES[event.type];
      if (set && typeName) {
        const text = JSON.stringify(eventPublishingForm(event, message));
        for (const d of set.eventDestinations)
          if (d.enabled && d.snsTopicArn && d.matchingEventTypes.includes(typeName))
            out.push(...(await this.#sns.publish(d.snsTopicArn, text, EVENT_SUBJECT)));
      }
      const kind = event.type as NotificationType;
      const topic = settings?.notifications?.topics[kind];
      if (topic && (kind === 'Bounce' || kind === 'Complaint' || kind === 'Delivery')) {
        const withHeaders = settings.notifications?.headers[kind] === true;
        out.push(
          ...(await this.#sns.publish(topic, JSON.stringify(identityNotification(event, kind, withHeaders)))),
        );
      }
    }
    return out;
  }

  /**
   * The datapoints of the configuration set's CloudWatch destinations: one per matching event, metric named as
   * SES names it, with each configured dimension's value from the message tags, the email headers or (clicks)
   * the link tags, else its default. Written in the same transaction as the events.
   */
  async cloudWatchIncrements(message: MessageRecord, events: EventRecord[]): Promise<DimensionIncrement[]> {
    if (events.length === 0 || message.operation === 'system' || !message.configurationSet) return [];
    const set = await this.#sets.forSending(message.accountId, message.configurationSet);
    const destinations = set?.eventDestinations.filter((d) => d.enabled && d.cloudWatch) ?? [];
    if (destinations.length === 0) return [];
    const out: DimensionIncrement[] = [];
    for (const event of events) {
      const typeName = EVENT_TYPE_NAMES[event.type];
      if (!typeName) continue;
      for (const d of destinations) {
        if (!d.matchingEventTypes.includes(typeName)) continue;
        const dims = d.cloudWatch!.dimensions.map((dim) => ({
          name: dim.name,
          value: dimensionValue(dim, message, event) ?? dim.defaultValue,
        }));
        out.push({
          accountId: message.accountId,
          at: event.createdAt,
          metric: CLOUDWATCH_METRIC_NAMES[typeName],
          dimensions: canonicalDimensions(dims),
          count: 1,
        });
      }
    }
    return out;
  }
}

/** SES's CloudWatch metric name of each event type. */
const CLOUDWATCH_METRIC_NAMES: Record<EventTypeName, string> = {
  SEND: 'Send',
  REJECT: 'Reject',
  BOUNCE: 'Bounce',
  COMPLAINT: 'Complaint',
  DELIVERY: 'Delivery',
  OPEN: 'Open',
  CLICK: 'Click',
  RENDERING_FAILURE: 'RenderingFailure',
  DELIVERY_DELAY: 'DeliveryDelay',
  SUBSCRIPTION: 'Subscription',
};

function dimensionValue(
  dim: CloudWatchDimensionRecord,
  message: MessageRecord,
  event: EventRecord,
): string | undefined {
  switch (dim.source) {
    case 'MESSAGE_TAG':
      return message.tags[dim.name]?.[0];
    case 'EMAIL_HEADER': {
      const headers = (message.mail.headers ?? []) as { name: string; value: string }[];
      return headers.find((h) => h.name.toLowerCase() === dim.name.toLowerCase())?.value;
    }
    case 'LINK_TAG': {
      const click = event.payload.click as { linkTags?: Record<string, string[]> } | undefined;
      return click?.linkTags?.[dim.name]?.[0];
    }
  }
}

/** The Subject SNS notifications of SES event publishing carry. */
const EVENT_SUBJECT = 'Amazon SES Email Event Notification';

/**
 * The event-publishing form of an event: what SES's configuration-set destinations receive. The stored event
 * keeps everything Sesame knows (identity notifications and `sesame message show` use it); SES publishes less:
 * no `sourceIp`/`callerIdentity` in `mail` (they are the `ses:source-ip`/`ses:caller-identity` tags there), no
 * `remoteMtaIp` in `delivery`, and no `sourceArn` on the Send event of SendTemplatedEmail.
 */
export function eventPublishingForm(event: EventRecord, message: MessageRecord): Record<string, unknown> {
  const { sourceIp: _ip, callerIdentity: _caller, ...mail } = event.payload.mail as Record<string, unknown>;
  if (event.type === 'Send' && message.operation === 'SendTemplatedEmail') delete mail.sourceArn;
  const out: Record<string, unknown> = { ...event.payload, mail };
  if (event.type === 'Delivery') {
    const { remoteMtaIp: _remote, ...delivery } = event.payload.delivery as Record<string, unknown>;
    out.delivery = delivery;
  }
  return out;
}

/** The identity-notification form of an event: `notificationType`, no tags, headers only when enabled. */
export function identityNotification(
  event: EventRecord,
  kind: NotificationType,
  withHeaders: boolean,
): Record<string, unknown> {
  const {
    tags: _tags,
    headers,
    commonHeaders,
    headersTruncated,
    ...mail
  } = event.payload.mail as Record<string, unknown>;
  const key = kind.toLowerCase();
  return {
    notificationType: kind,
    [key]: event.payload[key],
    mail: withHeaders ? { ...mail, headersTruncated, headers, commonHeaders } : mail,
  };
}
