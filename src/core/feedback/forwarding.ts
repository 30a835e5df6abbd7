/**
 * Email feedback forwarding: while it is on for the sending identity (the default), bounces and complaints
 * are also mailed to the message's feedback address (FeedbackForwardingEmailAddress / ReturnPath) or sender.
 */
import type { Logger } from '../../lib/logger.ts';
import type { EventRecord, MessageRecord } from '../../store/store.ts';
import { identityOwner, type SenderIdentities } from '../identities/sender-identities.ts';
import { sourceIdentity } from '../notifications/event-publisher.ts';
import type { BouncePayload, ComplaintPayload } from '../sending/events.ts';
import type { SystemMail } from '../sending/system-mail.ts';

export class FeedbackForwarding {
  readonly #senders: SenderIdentities;
  readonly #systemMail: SystemMail;
  readonly #log: Logger;

  constructor(deps: { senders: SenderIdentities; systemMail: SystemMail; logger: Logger }) {
    this.#senders = deps.senders;
    this.#systemMail = deps.systemMail;
    this.#log = deps.logger;
  }

  async forward(message: MessageRecord, events: EventRecord[]): Promise<void> {
    const feedback = events.filter((e) => e.type === 'Bounce' || e.type === 'Complaint');
    if (feedback.length === 0) return;
    const identity = sourceIdentity(message);
    const settings = identity
      ? await this.#senders.notificationSettings(identityOwner(message), identity)
      : undefined;
    if (!settings?.feedbackForwarding) return;
    const to = message.feedbackAddress ?? message.source;
    const common = (message.mail.commonHeaders ?? {}) as { subject?: string };
    for (const e of feedback) {
      const p = e.payload as { bounce?: BouncePayload; complaint?: ComplaintPayload };
      const lines =
        e.type === 'Bounce'
          ? [
              'Your message could not be delivered to one or more recipients.',
              '',
              ...(p.bounce?.bouncedRecipients ?? []).map(
                (r) => `  ${r.emailAddress}: ${r.diagnosticCode ?? `${p.bounce?.bounceType} bounce`}`,
              ),
            ]
          : [
              'A recipient reported your message as unwanted (complaint).',
              '',
              ...(p.complaint?.complainedRecipients ?? []).map((r) => `  ${r.emailAddress}`),
            ];
      const text = [
        ...lines,
        '',
        `Message ID: ${message.id}`,
        `Subject: ${common.subject ?? ''}`,
        '',
        'Original headers:',
        ...headerLines(message),
      ].join('\n');
      try {
        await this.#systemMail.send({
          to,
          subject:
            e.type === 'Bounce' ? 'Delivery Status Notification (Failure)' : 'Complaint about your message',
          text,
        });
      } catch (err) {
        this.#log.warn({ err, messageId: message.id }, 'could not forward feedback by email');
      }
    }
  }
}

function headerLines(message: MessageRecord): string[] {
  const headers = (message.mail.headers ?? []) as { name: string; value: string }[];
  return headers.map((h) => `${h.name}: ${h.value}`);
}
