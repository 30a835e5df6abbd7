/**
 * Feedback that comes back after delivery, on the return path the MTA issued for a message and recipient: a
 * DSN's failed recipients become a Bounce event (and those recipients bounced, even if delivery had been
 * accepted), an ARF report a Complaint event. The MTA reads and classifies the report; this records it.
 */
import type { EventRecord, RecipientUpdate, Store } from '../../store/store.ts';
import type { OutcomeRecorder } from '../delivery/outcome-recorder.ts';
import { bounceEvent, complaintEvent } from '../sending/events.ts';

export interface FeedbackInput {
  messageId: string;
  /** Recipient index the return path names. */
  index: number;
  bounce?: {
    reportingMta: string | undefined;
    remoteMtaIp: string | undefined;
    recipients: {
      email: string;
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

export class FeedbackService {
  readonly #store: Store;
  readonly #recorder: OutcomeRecorder;
  readonly #now: () => number;

  constructor(deps: { store: Store; recorder: OutcomeRecorder; now: () => number }) {
    this.#store = deps.store;
    this.#recorder = deps.recorder;
    this.#now = deps.now;
  }

  /**
   * Records a DSN or ARF report for the message and recipient a return path names. Recipients are matched by
   * address among the message's, else the return path's recipient. False when there is nothing to record.
   */
  async recordFeedback(f: FeedbackInput): Promise<boolean> {
    const message = await this.#store.messages.get(f.messageId);
    if (!message) return false;
    const destination = (message.mail.destination as string[] | undefined) ?? [];
    const match = (email: string) => {
      const i = destination.findIndex((d) => d.toLowerCase() === email.toLowerCase());
      return i >= 0 ? i : f.index;
    };
    const at = this.#now();
    const events: EventRecord[] = [];
    const updates: RecipientUpdate[] = [];
    if (f.bounce && f.bounce.recipients.length) {
      const first = f.bounce.recipients[0]!;
      const bounced = f.bounce.recipients.map((r) => ({ ...r, index: match(r.email) }));
      events.push(
        bounceEvent(
          message,
          at,
          {
            bounceType: first.bounceType,
            bounceSubType: first.bounceSubType,
            bouncedRecipients: bounced.map((r) => ({
              emailAddress: destination[r.index] ?? r.email,
              action: r.action,
              status: r.status,
              ...(r.diagnosticCode ? { diagnosticCode: r.diagnosticCode } : {}),
            })),
            remoteMtaIp: f.bounce.remoteMtaIp,
            reportingMTA: f.bounce.reportingMta,
          },
          bounced.length === 1 ? (destination[bounced[0]!.index] ?? null) : null,
        ),
      );
      const recipients = await this.#store.messages.recipients(message.id);
      for (const r of bounced) {
        const rec = recipients[r.index];
        if (rec)
          updates.push({
            messageId: message.id,
            index: r.index,
            status: 'bounced',
            attempts: rec.attempts,
            nextAttemptAt: null,
            lastResponse: r.diagnosticCode ?? r.status,
          });
      }
    }
    if (f.complaint) {
      const emails = f.complaint.recipients.length
        ? f.complaint.recipients.map((e) => destination[match(e)] ?? e)
        : [destination[f.index] ?? ''];
      events.push(
        complaintEvent(message, at, {
          complainedRecipients: emails.filter(Boolean),
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
}

function toIso(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}
