/**
 * SES event records (ses-spec.md §4): the `mail` object of a message and the event-publishing payloads
 * (`eventType` + `mail` + the type's object). Identity notifications (`notificationType`) are derived from
 * these by the publisher.
 */
import { randomUUID } from 'node:crypto';
import type { EventRecord, MessageRecord } from '../../store/store.ts';
import { decodeWords } from '../../lib/rfc2047.ts';
import { formatMailbox, parseMailboxes, type HeaderField } from '../../lib/mime/index.ts';

const HEADERS_LIMIT = 10 * 1024;

export interface MailObjectInput {
  messageId: string;
  timestamp: number;
  source: string;
  sourceArn: string;
  sourceIp: string | undefined;
  callerIdentity: string | undefined;
  accountId: string;
  destination: string[];
  headers: HeaderField[];
}

/** A message's headers as SES lists them in events and notifications: in order, cut off past 10 KB. */
export function eventHeaders(fields: HeaderField[]): { headers: HeaderField[]; truncated: boolean } {
  let size = 0;
  const headers: HeaderField[] = [];
  for (const h of fields) {
    size += h.name.length + h.value.length + 4;
    if (size > HEADERS_LIMIT) return { headers, truncated: true };
    headers.push({ name: h.name, value: h.value });
  }
  return { headers, truncated: false };
}

/** The `mail` object: who sent what to whom, with the headers as sent (truncated past 10 KB, as SES does). */
export function mailObject(m: MailObjectInput): Record<string, unknown> {
  const { headers, truncated } = eventHeaders(m.headers);
  return {
    timestamp: new Date(m.timestamp).toISOString(),
    source: m.source,
    sourceArn: m.sourceArn,
    ...(m.sourceIp ? { sourceIp: m.sourceIp } : {}),
    ...(m.callerIdentity ? { callerIdentity: m.callerIdentity } : {}),
    sendingAccountId: m.accountId,
    messageId: m.messageId,
    destination: m.destination,
    headersTruncated: truncated,
    headers,
    commonHeaders: commonHeaders(m.headers, m.messageId),
  };
}

/** The `commonHeaders` of a `mail` object (address fields as lists, the subject decoded). */
export function commonHeaders(headers: HeaderField[], messageId: string): Record<string, unknown> {
  const get = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const list = (name: string) => {
    const v = get(name);
    return v === undefined
      ? undefined
      : parseMailboxes(v).map((m) => formatMailbox({ name: decodeWords(m.name), address: m.address }));
  };
  const out: Record<string, unknown> = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) out[key] = v;
  };
  set('from', list('from'));
  set('sender', get('sender'));
  set('replyTo', list('reply-to'));
  set('to', list('to'));
  set('cc', list('cc'));
  set('bcc', list('bcc'));
  set('returnPath', get('return-path')?.replace(/^<|>$/g, ''));
  set('date', get('date'));
  out.messageId = messageId;
  const subject = get('subject');
  set('subject', subject === undefined ? undefined : decodeWords(subject));
  return out;
}

export function withTags(message: MessageRecord): Record<string, unknown> {
  return { ...message.mail, tags: message.tags };
}

export function eventRecord(
  message: MessageRecord,
  type: string,
  object: { key: string; value: Record<string, unknown> },
  at: number,
  recipient: string | null = null,
  id: string = randomUUID(),
): EventRecord {
  return {
    id,
    accountId: message.accountId,
    messageId: message.id,
    type,
    recipient,
    createdAt: at,
    payload: { eventType: type, mail: withTags(message), [object.key]: object.value },
  };
}

/**
 * An SES Bounce event — from a delivery attempt, a DSN that came back later, or a simulator follow-up: one
 * place for its common fields (timestamp and feedbackId of the bounce time, the MTA fields when known).
 */
export function bounceEvent(
  message: MessageRecord,
  at: number,
  bounce: {
    bounceType: string;
    bounceSubType: string;
    bouncedRecipients: Record<string, unknown>[];
    remoteMtaIp?: string | undefined;
    reportingMTA?: string | undefined;
  },
  recipient: string | null,
  recordedAt: number = at,
): EventRecord {
  const { remoteMtaIp, reportingMTA, ...rest } = bounce;
  return eventRecord(
    message,
    'Bounce',
    {
      key: 'bounce',
      value: {
        ...rest,
        timestamp: new Date(at).toISOString(),
        feedbackId: feedbackId(at),
        ...(remoteMtaIp ? { remoteMtaIp } : {}),
        ...(reportingMTA ? { reportingMTA } : {}),
      },
    },
    recordedAt,
    recipient,
  );
}

/**
 * An SES Complaint event — from an ARF report that came back, or a simulator follow-up: one place for its
 * fields (timestamp and feedbackId of the complaint time; user agent and arrival date when the report has them).
 */
export function complaintEvent(
  message: MessageRecord,
  at: number,
  complaint: {
    complainedRecipients: string[];
    feedbackType: string;
    userAgent?: string | undefined;
    arrivalDate?: string | undefined;
  },
  recordedAt: number = at,
): EventRecord {
  const { complainedRecipients, feedbackType, userAgent, arrivalDate } = complaint;
  return eventRecord(
    message,
    'Complaint',
    {
      key: 'complaint',
      value: {
        complainedRecipients: complainedRecipients.map((emailAddress) => ({ emailAddress })),
        timestamp: new Date(at).toISOString(),
        feedbackId: feedbackId(at),
        complaintSubType: null,
        ...(userAgent ? { userAgent } : {}),
        complaintFeedbackType: feedbackType,
        ...(arrivalDate ? { arrivalDate } : {}),
      },
    },
    recordedAt,
    complainedRecipients.length === 1 ? complainedRecipients[0]! : null,
  );
}

/** The payload fields of Bounce and Complaint events that suppression and feedback forwarding read. */
export interface BouncePayload {
  bounceType: string;
  bounceSubType: string;
  feedbackId?: string;
  bouncedRecipients: { emailAddress: string; diagnosticCode?: string }[];
}

export interface ComplaintPayload {
  feedbackId?: string;
  complainedRecipients: { emailAddress: string }[];
}

/** A feedback id in SES's shape (the bounce or complaint report's id). */
export function feedbackId(at: number): string {
  return `${at.toString(16).padStart(16, '0')}-${randomUUID()}-000000`;
}
