/**
 * Development mode's captured mail: what the MTA would have sent, kept instead of delivered (one copy per SMTP
 * transaction not made, exactly as signed), and read back parsed for the inbox page and the JSON API.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { newMessageId } from '../../lib/ids.ts';
import { headerValue, parseHeaderBlock } from '../../lib/mime/index.ts';
import { decodeWords } from '../../lib/rfc2047.ts';
import type { CapturedMailFilter, CapturedMailRecord, MessageRecord, Store } from '../../store/store.ts';
import { badRequest, notFound } from '../errors.ts';

export const MAX_CAPTURED_PAGE = 500;

export interface CapturedAttachment {
  /** Position among the message's attachments (the download path uses it). */
  index: number;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  disposition: string | null;
}

export interface CapturedMessage extends CapturedMailRecord {
  to: string[];
  cc: string[];
  replyTo: string[];
  date: string | null;
  /** Every header field in order, unfolded. */
  headers: { name: string; value: string }[];
  text: string | null;
  html: string | null;
  attachments: CapturedAttachment[];
  /** What became of each recipient of this copy (the pipeline still ran: simulator bounces, suppression…). */
  recipientStatus: { address: string; status: string; lastResponse: string | null }[];
  /** The SES events of the message, oldest first. */
  events: { type: string; recipient: string | null; at: number }[];
}

export interface CaptureInput {
  message: MessageRecord;
  /** The envelope sender (VERP return path). */
  mailFrom: string;
  recipients: string[];
  /** The bytes as they would have gone out (signed, personalised). */
  body: Buffer;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) =>
    a.value.map((v) => (v.name ? `${v.name} <${v.address ?? ''}>` : (v.address ?? ''))),
  );
}

export class CapturedMail {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #listeners = new Set<(mail: CapturedMailRecord) => void>();

  constructor(deps: { store: Store; now: () => number }) {
    this.#store = deps.store;
    this.#now = deps.now;
  }

  /**
   * Commits a captured copy (the MTA's "250"), then tells the inbox pages that follow. Undefined when the
   * message no longer exists (deleted by a reset while it waited in the queue).
   */
  async capture(input: CaptureInput): Promise<CapturedMailRecord | undefined> {
    if (!(await this.#store.messages.get(input.message.id))) return undefined;
    const at = this.#now();
    const block = parseHeaderBlock(input.body);
    const record: CapturedMailRecord = {
      id: newMessageId(at, '0000'),
      accountId: input.message.accountId,
      messageId: input.message.id,
      capturedAt: at,
      mailFrom: input.mailFrom,
      recipients: input.recipients,
      from: decodeWords(headerValue(block, 'from') ?? ''),
      subject: decodeWords(headerValue(block, 'subject') ?? ''),
      size: input.body.length,
    };
    await this.#store.development.capture(record, input.body);
    for (const listener of this.#listeners) listener(record);
    return record;
  }

  /** Calls `listener` for each copy captured by this process; returns the function that stops it. */
  follow(listener: (mail: CapturedMailRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A page of captures (newest first) and how many match the filter in all. */
  async list(
    filter: Omit<CapturedMailFilter, 'limit'> & { limit?: number | undefined },
  ): Promise<{ messages: CapturedMailRecord[]; total: number }> {
    const limit = filter.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CAPTURED_PAGE)
      throw badRequest(`limit must be an integer from 1 to ${MAX_CAPTURED_PAGE}.`);
    if (filter.since !== undefined && !Number.isFinite(filter.since))
      throw badRequest('since must be a date (ISO 8601) or epoch milliseconds.');
    const matching = { ...filter, before: undefined };
    const [messages, total] = await Promise.all([
      this.#store.development.listCaptured({ ...filter, limit }),
      this.#store.development.countCaptured(matching),
    ]);
    return { messages, total };
  }

  async get(id: string): Promise<CapturedMessage> {
    const record = await this.#require(id);
    const raw = (await this.#store.development.capturedRaw(id))!;
    const parsed = await simpleParser(raw, { skipImageLinks: true });
    const [recipients, events] = await Promise.all([
      this.#store.messages.recipients(record.messageId),
      this.#store.messages.events(record.messageId),
    ]);
    const mine = new Set(record.recipients.map((r) => r.toLowerCase()));
    return {
      ...record,
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      replyTo: addresses(parsed.replyTo),
      date: parsed.date ? parsed.date.toISOString() : null,
      headers: parseHeaderBlock(raw).fields,
      text: parsed.text ?? null,
      html: typeof parsed.html === 'string' ? parsed.html : null,
      attachments: parsed.attachments.map((a, index) => ({
        index,
        filename: a.filename ?? null,
        contentType: a.contentType,
        size: a.size,
        contentId: a.contentId ?? null,
        disposition: a.contentDisposition ?? null,
      })),
      recipientStatus: recipients
        .filter((r) => mine.has(r.address.toLowerCase()))
        .map((r) => ({ address: r.address, status: r.status, lastResponse: r.lastResponse })),
      events: events.map((e) => ({ type: e.type, recipient: e.recipient, at: e.createdAt })),
    };
  }

  async raw(id: string): Promise<Buffer> {
    await this.#require(id);
    return (await this.#store.development.capturedRaw(id))!;
  }

  async attachment(
    id: string,
    index: number,
  ): Promise<{ filename: string | null; contentType: string; content: Buffer }> {
    const raw = await this.raw(id);
    const parsed = await simpleParser(raw, { skipImageLinks: true });
    const a = Number.isInteger(index) ? parsed.attachments[index] : undefined;
    if (!a) throw notFound('Attachment', `Captured message ${id} has no attachment ${index}.`);
    return { filename: a.filename ?? null, contentType: a.contentType, content: a.content };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#store.development.deleteCaptured(id)))
      throw notFound('CapturedMessage', `Captured message ${id} does not exist.`);
  }

  deleteAll(accountId?: string): Promise<number> {
    return this.#store.development.deleteAllCaptured(accountId);
  }

  async #require(id: string): Promise<CapturedMailRecord> {
    const record = await this.#store.development.getCaptured(id);
    if (!record) throw notFound('CapturedMessage', `Captured message ${id} does not exist.`);
    return record;
  }
}
