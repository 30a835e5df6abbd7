/**
 * SNS `email` and `email-json` subscriptions, delivered through Sesame's own MTA as system mail (outside every
 * account's quota and events). As SNS words them: the confirmation with its link, notifications as plain text
 * with the unsubscribe link (`email`), or the notification's JSON document (`email-json`). The dispatcher hands
 * over each outbox row whose endpoint is an address; the row is done once the mail is committed for delivery.
 */
import type { NotificationRecord } from '../../store/store.ts';
import type { SystemMail } from '../sending/system-mail.ts';
import type { SnsService } from './sns-service.ts';

export class SnsEmailDelivery {
  readonly #sns: SnsService;
  readonly #mail: SystemMail;

  constructor(deps: { sns: SnsService; systemMail: SystemMail }) {
    this.#sns = deps.sns;
    this.#mail = deps.systemMail;
  }

  /** Whether a notification's endpoint is an email address rather than a URL. */
  static isEmail(n: NotificationRecord): boolean {
    return !/^https?:\/\//i.test(n.endpoint);
  }

  async deliver(n: NotificationRecord): Promise<void> {
    const sub = await this.#sns.subscription(n.subscriptionArn);
    const json = sub?.protocol === 'email-json';
    const fromName = 'AWS Notifications';
    if (n.type !== 'Notification') {
      if (n.type === 'UnsubscribeConfirmation') return; // SNS mails no confirmation of an unsubscribe.
      const link = this.#sns.subscribeUrl(n.topicArn, n.token ?? '');
      await this.#mail.send({
        to: n.endpoint,
        fromName,
        subject: 'AWS Notification - Subscription Confirmation',
        text: json
          ? (await this.#sns.envelope(n)).body
          : `You have chosen to subscribe to the topic: \n${n.topicArn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary): \n${link}\n\nPlease do not reply directly to this email.\n`,
      });
      return;
    }
    const subject = n.subject ?? 'AWS Notification Message';
    await this.#mail.send({
      to: n.endpoint,
      fromName,
      subject,
      text: json
        ? (await this.#sns.envelope(n)).body
        : `${n.message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${this.#sns.unsubscribeUrl(n.subscriptionArn)}\n\nPlease do not reply directly to this email.\n`,
    });
  }
}
