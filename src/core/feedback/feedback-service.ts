/**
 * Feedback that comes back after delivery, on the return path the MTA issued for one message and recipient:
 * a DSN's failure becomes a Bounce event (and the recipient bounced, even if delivery had been accepted), an
 * ARF report a Complaint event. The MTA reads and classifies the report; this records it, for that recipient
 * only.
 */
import type {
  EventRecord,
  MessageRecord,
  RecipientRecord,
  RecipientUpdate,
  Store,
} from '../../store/store.ts';
import type { OutcomeRecorder } from '../delivery/outcome-recorder.ts';
import { bounceEvent, complaintEvent } from '../sending/events.ts';

export interface FeedbackInput {
  messageId: string;
  /** The recipients (indices) of the delivery whose return path the report came to. */
  indices: number[];
  bounce?: {
    reportingMta: string | undefined;
    remoteMtaIp: string | undefined;
    recipients: {
      email: string;
      originalEmail?: string | undefined;
      action: string;
      status: string;
      diagnosticCode: string | undefined;
      bounceType: string;
      bounceSubType: string;
    }[];
  };
  complaint?: {
    feedbackType: string;
    userAgent: string | undefined;
    arrivalDate: string | undefined;
    recipients: string[];
  };
}

type DsnEntry = NonNullable<FeedbackInput['bounce']>['recipients'][number];

export class FeedbackService {
  readonly #store: Store;
  readonly #recorder: OutcomeRecorder;
  readonly #now: () => number;
  /** Reports being recorded, by message: a replay waits for the first and then sees it recorded. */
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(deps: { store: Store; recorder: OutcomeRecorder; now: () => number }) {
    this.#store = deps.store;
    this.#recorder = deps.recorder;
    this.#now = deps.now;
  }

  /**
   * Records a DSN or ARF report for the recipients its return path names (VERP: those of one SMTP transaction,
   * usually one): whatever other addresses the report lists, no other recipient's status or suppression can
   * change, so a report forged to one recipient's return path cannot touch the others. A recipient that was
   * never sent, or is bounced already, takes no bounce; one that complained already takes no second
   * complaint — a replayed report makes no second event. False when there is nothing to record.
   */
  async recordFeedback(f: FeedbackInput): Promise<boolean> {
    const before = this.#busy.get(f.messageId);
    const run = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.#record(f));
    this.#busy.set(f.messageId, run);
    try {
      return await run;
    } finally {
      if (this.#busy.get(f.messageId) === run) this.#busy.delete(f.messageId);
    }
  }

  async #record(f: FeedbackInput): Promise<boolean> {
    const message = await this.#store.messages.get(f.messageId);
    if (!message) return false;
    const destination = (message.mail.destination as string[] | undefined) ?? [];
    const stored = await this.#store.messages.recipients(message.id);
    const named = f.indices
      .map((index) => ({ index, address: destination[index], record: stored[index] }))
      .filter(
        (n): n is { index: number; address: string; record: RecipientRecord } =>
          n.address !== undefined && n.record !== undefined && SENT.has(n.record.status),
      );
    if (named.length === 0) return false;
    const at = this.#now();
    const events: EventRecord[] = [];
    const updates: RecipientUpdate[] = [];
    const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
    for (const n of named) {
      if (!f.bounce || n.record.status === 'bounced') continue;
      const entries = f.bounce.recipients;
      let entry = entries.find((e) => same(e.email, n.address) || same(e.originalEmail, n.address));
      // One recipient and one entry that names an address of no other recipient: the address it was
      // forwarded to (the return path already says whom the report is about).
      if (
        !entry &&
        named.length === 1 &&
        f.indices.length === 1 &&
        entries.length === 1 &&
        !destination.some((d) => same(entries[0]!.email, d) || same(entries[0]!.originalEmail, d))
      )
        entry = entries[0];
      if (!entry) continue;
      events.push(this.#bounce(message, at, n.address, entry, f.bounce));
      updates.push({
        messageId: message.id,
        index: n.index,
        status: 'bounced',
        attempts: n.record.attempts,
        nextAttemptAt: null,
        lastResponse: entry.diagnosticCode ?? entry.status,
      });
    }
    if (f.complaint) {
      // The named recipients the report points at; if it names none of them (ISPs often redact it), all of
      // them, as SES lists the recipients that may have complained.
      const reported = named.filter((n) => f.complaint!.recipients.some((r) => same(r, n.address)));
      const complained = [];
      for (const n of reported.length ? reported : named)
        if (!(await this.#complained(message.id, n.address))) complained.push(n.address);
      if (complained.length)
        events.push(
          complaintEvent(message, at, {
            complainedRecipients: complained,
            feedbackType: f.complaint.feedbackType,
            userAgent: f.complaint.userAgent,
            arrivalDate: f.complaint.arrivalDate ? toIso(f.complaint.arrivalDate) : undefined,
          }),
        );
    }
    if (events.length === 0) return false;
    await this.#recorder.record(message, updates, events);
    return true;
  }

  #bounce(
    message: MessageRecord,
    at: number,
    address: string,
    entry: DsnEntry,
    bounce: NonNullable<FeedbackInput['bounce']>,
  ): EventRecord {
    return bounceEvent(
      message,
      at,
      {
        bounceType: entry.bounceType,
        bounceSubType: entry.bounceSubType,
        bouncedRecipients: [
          {
            emailAddress: address,
            action: entry.action,
            status: entry.status,
            ...(entry.diagnosticCode ? { diagnosticCode: entry.diagnosticCode } : {}),
          },
        ],
        remoteMtaIp: bounce.remoteMtaIp,
        reportingMTA: bounce.reportingMta,
      },
      address,
    );
  }

  /** Whether a Complaint event names this recipient already (each complaint event has its recipients). */
  async #complained(messageId: string, address: string): Promise<boolean> {
    const events = await this.#store.messages.events(messageId);
    return events.some(
      (e) =>
        e.type === 'Complaint' &&
        (
          (e.payload as { complaint?: { complainedRecipients?: { emailAddress: string }[] } }).complaint
            ?.complainedRecipients ?? []
        ).some((r) => r.emailAddress.toLowerCase() === address.toLowerCase()),
    );
  }
}

/** Recipients that were handed on (or still are being): only they can bounce or complain. */
const SENT = new Set(['queued', 'delivered', 'bounced']);

function toIso(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}
