/**
 * What the MTA reports back: the outcome of a delivery attempt becomes recipient states and SES events
 * (Delivery, Bounce, DeliveryDelay, and the mailbox simulator's follow-up Complaint or auto-reply bounce).
 * Also what the MTA reads to deliver a message it no longer holds in memory.
 */
import type {
  EventRecord,
  MessageRecord,
  RecipientRecord,
  RecipientUpdate,
  Store,
} from '../../store/store.ts';
import { bounceEvent, complaintEvent, eventRecord } from '../sending/events.ts';
import type { DeliveryPayload, DeliveryReport, RecipientResult } from '../sending/types.ts';
import type { OutcomeRecorder } from './outcome-recorder.ts';

export class DeliveryOutcomes {
  readonly #store: Store;
  readonly #recorder: OutcomeRecorder;
  readonly #mailHost: string;

  constructor(deps: { store: Store; recorder: OutcomeRecorder; mailHost: string }) {
    this.#store = deps.store;
    this.#recorder = deps.recorder;
    this.#mailHost = deps.mailHost;
  }

  /** Everything the MTA needs to deliver a message that is not in its memory. */
  async payload(messageId: string): Promise<DeliveryPayload | undefined> {
    const [message, body, recipients] = await Promise.all([
      this.#store.messages.get(messageId),
      this.#store.messages.body(messageId),
      this.#store.messages.recipients(messageId),
    ]);
    return message && body ? { message, body, recipients } : undefined;
  }

  /**
   * Records the outcome of a delivery attempt: recipient states, and the SES events; hard bounces put the
   * address on the suppression list when the account suppresses bounces (the recorder's reactions).
   */
  async recordDelivery(
    report: DeliveryReport,
    message: MessageRecord,
    recipients: RecipientRecord[],
  ): Promise<void> {
    const updates: RecipientUpdate[] = report.results.map((r) => ({
      messageId: report.messageId,
      index: r.index,
      status: r.outcome === 'delivered' ? 'delivered' : r.outcome === 'bounced' ? 'bounced' : 'queued',
      attempts: r.attempts,
      nextAttemptAt: r.outcome === 'deferred' ? r.nextAttemptAt : null,
      lastResponse: r.outcome === 'delivered' ? r.smtpResponse : r.diagnosticCode,
    }));
    const events =
      message.operation === 'system' ? [] : deliveryEvents(report, message, recipients, this.#mailHost);
    await this.#recorder.record(message, updates, events);
  }
}

/** The SES events of one delivery attempt (one event per kind of outcome, naming all its recipients). */
export function deliveryEvents(
  report: DeliveryReport,
  message: MessageRecord,
  recipients: RecipientRecord[],
  reportingMTA: string,
): EventRecord[] {
  const at = report.at;
  const iso = new Date(at).toISOString();
  const address = (r: RecipientResult) => recipients[r.index]?.address ?? '';
  const events: EventRecord[] = [];
  const delivered = report.results.filter((r) => r.outcome === 'delivered');
  if (delivered.length)
    events.push(
      eventRecord(
        message,
        'Delivery',
        {
          key: 'delivery',
          value: {
            timestamp: iso,
            processingTimeMillis: at - message.createdAt,
            recipients: delivered.map(address),
            smtpResponse: delivered[0]!.smtpResponse,
            reportingMTA,
            ...(report.remoteMtaIp ? { remoteMtaIp: report.remoteMtaIp } : {}),
          },
        },
        at,
        delivered.length === 1 ? address(delivered[0]!) : null,
      ),
    );
  const bouncedBy = new Map<string, Extract<RecipientResult, { outcome: 'bounced' }>[]>();
  for (const r of report.results)
    if (r.outcome === 'bounced') {
      const key = `${r.bounceType}/${r.bounceSubType}`;
      bouncedBy.set(key, [...(bouncedBy.get(key) ?? []), r]);
    }
  for (const group of bouncedBy.values()) {
    const first = group[0]!;
    events.push(
      bounceEvent(
        message,
        at,
        {
          bounceType: first.bounceType,
          bounceSubType: first.bounceSubType,
          bouncedRecipients: group.map((r) => ({
            emailAddress: address(r),
            action: 'failed',
            status: r.status,
            diagnosticCode: r.diagnosticCode,
          })),
          reportingMTA: `dns; ${reportingMTA}`,
          remoteMtaIp: report.remoteMtaIp,
        },
        group.length === 1 ? address(first) : null,
      ),
    );
  }
  const deferred = report.results.filter((r) => r.outcome === 'deferred');
  if (deferred.length)
    events.push(
      eventRecord(
        message,
        'DeliveryDelay',
        {
          key: 'deliveryDelay',
          value: {
            timestamp: iso,
            delayType: deferred[0]!.delayType,
            expirationTime: new Date(deferred[0]!.expiresAt).toISOString(),
            delayedRecipients: deferred.map((r) => ({
              emailAddress: address(r),
              status: r.status,
              diagnosticCode: r.diagnosticCode,
            })),
            reportingMTA,
          },
        },
        at,
        deferred.length === 1 ? address(deferred[0]!) : null,
      ),
    );
  for (const r of delivered) {
    const follow = r.followUp;
    if (!follow) continue;
    if ('complaint' in follow)
      events.push(
        complaintEvent(
          message,
          at,
          {
            complainedRecipients: [address(r)],
            feedbackType: follow.complaint.feedbackType,
            userAgent: follow.complaint.userAgent,
            arrivalDate: iso,
          },
          at + 1,
        ),
      );
    else
      events.push(
        bounceEvent(
          message,
          at,
          {
            bounceType: 'Transient',
            bounceSubType: 'General',
            bouncedRecipients: [{ emailAddress: address(r) }],
          },
          address(r),
          at + 1,
        ),
      );
  }
  return events;
}
