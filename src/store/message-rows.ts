/**
 * How messages, their recipients and their events map to table rows and back (message-store.ts writes and
 * reads them; the SQLite writer thread gets them ready-made).
 */
import type { Selectable } from 'kysely';
import type { EventsTable, MessagesTable, RecipientsTable } from './schema.ts';
import type {
  AcceptedMessage,
  EventRecord,
  MessageRecord,
  RecipientRecord,
  RecipientUpdate,
} from './store.ts';
import { sendEventId } from './store.ts';

export function messageRow(m: MessageRecord): MessagesTable {
  return {
    id: m.id,
    account_id: m.accountId,
    created_at: m.createdAt,
    source: m.source,
    from_domain: m.fromDomain,
    mail_from_domain: m.mailFromDomain,
    configuration_set: m.configurationSet,
    size: m.size,
    recipient_count: m.recipientCount,
    mail: JSON.stringify(m.mail),
    tags: JSON.stringify(m.tags),
    feedback_address: m.feedbackAddress,
    list_management: m.listManagement ? JSON.stringify(m.listManagement) : null,
    operation: m.operation,
    options: m.options ? JSON.stringify(m.options) : null,
    // Filled in by the SQLite writer thread once the body is in the spool.
    body_segment: null,
    body_offset: null,
    body_length: null,
  };
}

export function rowToMessage(r: Selectable<MessagesTable>): MessageRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    createdAt: r.created_at,
    source: r.source,
    fromDomain: r.from_domain,
    mailFromDomain: r.mail_from_domain,
    configurationSet: r.configuration_set,
    size: r.size,
    recipientCount: r.recipient_count,
    mail: JSON.parse(r.mail) as Record<string, unknown>,
    tags: JSON.parse(r.tags) as Record<string, string[]>,
    feedbackAddress: r.feedback_address,
    listManagement: r.list_management
      ? (JSON.parse(r.list_management) as MessageRecord['listManagement'])
      : null,
    operation: r.operation,
    options: r.options ? (JSON.parse(r.options) as MessageRecord['options']) : null,
  };
}

export function recipientRow(r: RecipientRecord): RecipientsTable {
  return {
    message_id: r.messageId,
    idx: r.index,
    address: r.address,
    domain: r.domain,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt,
    updated_at: r.updatedAt,
    last_response: r.lastResponse,
    owner: r.owner,
  };
}

export function rowToRecipient(r: Selectable<RecipientsTable>): RecipientRecord {
  return {
    messageId: r.message_id,
    index: r.idx,
    address: r.address,
    domain: r.domain,
    status: r.status as RecipientRecord['status'],
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    updatedAt: r.updated_at,
    lastResponse: r.last_response,
    owner: r.owner,
  };
}

export function eventRow(e: EventRecord): EventsTable {
  return {
    id: e.id,
    account_id: e.accountId,
    message_id: e.messageId,
    type: e.type,
    recipient: e.recipient,
    created_at: e.createdAt,
    payload: JSON.stringify(e.payload, omitMail),
  };
}

/**
 * An event's `mail` object is always its message's `mail` with the message's tags (events.ts withTags), both
 * stored on the message row: the event row leaves it out (it was half of every event row) and reading puts it
 * back. Rows written before this change keep theirs.
 */
function omitMail(this: unknown, key: string, value: unknown): unknown {
  return key === 'mail' && this !== null && typeof this === 'object' && 'eventType' in this
    ? undefined
    : value;
}

/** A message's `mail` with its tags: the `mail` of every event of that message. */
export function eventMail(m: Pick<Selectable<MessagesTable>, 'mail' | 'tags'>): Record<string, unknown> {
  return { ...(JSON.parse(m.mail) as object), tags: JSON.parse(m.tags) as unknown };
}

/** An event row, with its message's `mail` (eventMail) unless the row kept its own (written before). */
export function rowToEvent(
  r: Selectable<EventsTable>,
  messageMail: Record<string, unknown> | undefined,
): EventRecord {
  const { eventType, ...rest } = JSON.parse(r.payload) as Record<string, unknown>;
  const mail = rest.mail ?? (messageMail ? { ...messageMail } : undefined);
  return {
    id: r.id,
    accountId: r.account_id,
    messageId: r.message_id,
    type: r.type,
    recipient: r.recipient,
    createdAt: r.created_at,
    payload: { eventType, ...(mail !== undefined ? { mail } : {}), ...rest },
  };
}

/**
 * Every message accepted from an account has a Send event at its acceptance, made of the message row alone:
 * it is not stored (a row and three index entries fewer per message) and events() derives it. Messages stored
 * before this change keep their Send rows; Sesame's own mail (operation `system`) has no events.
 */
export function storedEvents(a: AcceptedMessage): EventRecord[] {
  const send = sendEventId(a.message.id);
  return a.events.filter((e) => e.id !== send);
}

export function derivedSendEvent(
  messageId: string,
  m: Pick<Selectable<MessagesTable>, 'account_id' | 'created_at'>,
  messageMail: Record<string, unknown>,
): EventRecord {
  return {
    id: sendEventId(messageId),
    accountId: m.account_id,
    messageId,
    type: 'Send',
    recipient: null,
    createdAt: Number(m.created_at),
    payload: { eventType: 'Send', mail: { ...messageMail }, send: {} },
  };
}

export function updateRow(u: RecipientUpdate, now: number) {
  return {
    message_id: u.messageId,
    idx: u.index,
    status: u.status,
    attempts: u.attempts,
    next_attempt_at: u.nextAttemptAt,
    last_response: u.lastResponse,
    updated_at: now,
  };
}
