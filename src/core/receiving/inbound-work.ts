/**
 * The domain side of running a received message's actions (the worker in src/receiving-worker/ leases the jobs
 * and does the outside I/O): the verdicts, the mail as actions store it, the Received notifications and Lambda
 * events, the bounces (Bounce actions and SendBounce), and the inbound log's records.
 */
import { parseHeaderBlock } from '../../lib/mime/index.ts';
import type {
  InboundActionRecord,
  InboundMessageRecord,
  InboundRefusalRecord,
  NotificationRecord,
  Store,
} from '../../store/store.ts';
import { SesError, badRequest, notFound } from '../errors.ts';
import type { SenderIdentities } from '../identities/sender-identities.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';
import type { SnsService } from '../notifications/sns-service.ts';
import type { SystemMail } from '../sending/system-mail.ts';
import { buildDsn, type DsnRecipient } from './dsn.ts';
import { deliveredContent, lambdaEvent, receivedNotification } from './notifications.ts';
import type { BucketTarget, ReceivingResources } from './resources.ts';
import type { VerdictService } from './verdicts.ts';

export const RECEIPT_SUBJECT = 'Amazon SES Email Receipt Notification';
/** SendBounce works for mail received this recently (SES: 24 hours). */
export const SEND_BOUNCE_WINDOW_MS = 24 * 3600_000;

export interface SendBounceInput {
  originalMessageId: string;
  bounceSender: string;
  explanation?: string | undefined;
  messageDsn?:
    | {
        reportingMta: string;
        arrivalDate?: Date | undefined;
        extensionFields?: { name: string; value: string }[] | undefined;
      }
    | undefined;
  recipients: {
    recipient: string;
    bounceType?: string | undefined;
    dsn?: Omit<DsnRecipient, 'finalRecipient'> & { finalRecipient?: string | undefined };
  }[];
}

/** SES's BounceType values as DSN status and diagnostic (the console's bounce templates). */
const BOUNCE_TYPES: Record<string, { status: string; text: string }> = {
  DoesNotExist: { status: '5.1.1', text: '550 5.1.1 Mailbox does not exist' },
  MessageTooLarge: { status: '5.3.4', text: '552 5.3.4 Message too large' },
  ExceededQuota: { status: '5.2.2', text: '552 5.2.2 Mailbox full' },
  ContentRejected: { status: '5.6.1', text: '500 5.6.1 Message content rejected' },
  Undefined: { status: '5.0.0', text: '554 5.0.0 Unknown failure' },
  TemporaryFailure: { status: '4.0.0', text: '450 4.0.0 Temporary failure' },
};

export class InboundWork {
  readonly #store: Store;
  readonly #sns: SnsService;
  readonly #outbox: OutboxSignal;
  readonly #systemMail: SystemMail;
  readonly #senders: SenderIdentities;
  readonly #verdicts: VerdictService;
  readonly #resources: ReceivingResources;
  readonly #mailHost: string;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    sns: SnsService;
    outbox: OutboxSignal;
    systemMail: SystemMail;
    senders: SenderIdentities;
    verdicts: VerdictService;
    resources: ReceivingResources;
    mailHost: string;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#sns = deps.sns;
    this.#outbox = deps.outbox;
    this.#systemMail = deps.systemMail;
    this.#senders = deps.senders;
    this.#verdicts = deps.verdicts;
    this.#resources = deps.resources;
    this.#mailHost = deps.mailHost;
    this.#now = deps.now;
  }

  verdicts(m: InboundMessageRecord, raw: Buffer) {
    return this.#verdicts.verdicts(m, raw, m.state.scan === true);
  }

  /** The message as S3 stores it and SNS publishes it (SES's headers, then AddHeader's, then as received). */
  content(m: InboundMessageRecord, raw: Buffer): Buffer {
    return deliveredContent(m, raw, this.#mailHost);
  }

  lambdaEvent(m: InboundMessageRecord, job: InboundActionRecord): string {
    return lambdaEvent(m, job, this.#now());
  }

  bucket(name: string): Promise<BucketTarget | null> {
    return this.#resources.bucket(name);
  }

  function(accountId: string, arn: string) {
    return this.#resources.function(accountId, arn);
  }

  /**
   * The Received notification to `topicArn` (with the mail for SNS actions), one per confirmed subscription of
   * the topic: queued with the action's progress (record), so a crash cannot publish it twice or lose it.
   */
  async notifications(
    m: InboundMessageRecord,
    job: InboundActionRecord,
    topicArn: string,
    content?: Buffer,
  ): Promise<NotificationRecord[]> {
    if (!(await this.#sns.topicExists(m.accountId, topicArn)))
      throw new Error(`SNS topic ${topicArn} does not exist`);
    return this.#sns.publish(topicArn, receivedNotification(m, job, this.#now(), content), RECEIPT_SUBJECT);
  }

  /** Commits a message's progress with the notifications its actions queued, and wakes the outbox. */
  async record(
    m: InboundMessageRecord,
    jobs: InboundActionRecord[],
    notifications: NotificationRecord[],
  ): Promise<void> {
    await this.#store.receiving.recordProgress(m, jobs, notifications);
    if (notifications.length) this.#outbox.queued();
  }

  /** A Bounce action: a DSN from the action's sender to the envelope sender; none to a null sender. */
  async bounce(m: InboundMessageRecord, job: InboundActionRecord, raw: Buffer): Promise<string | null> {
    const a = job.action;
    if (a.type !== 'Bounce') throw new Error('not a Bounce action');
    if (!m.mailFrom) return null;
    const status = a.statusCode ?? `${a.smtpReplyCode[0]}.0.0`;
    const dsn = buildDsn({
      from: a.sender,
      to: m.mailFrom,
      explanation: a.message,
      reportingMta: this.#mailHost,
      arrivalDate: new Date(m.receivedAt),
      recipients: job.recipients.map((r) => ({
        finalRecipient: r,
        action: 'failed',
        status,
        diagnosticCode: `${a.smtpReplyCode} ${status} ${a.message}`,
      })),
      originalHeaders: headerBlock(raw),
    });
    return this.#systemMail.sendAs({
      accountId: m.accountId,
      from: a.sender,
      to: m.mailFrom,
      raw: dsn,
      operation: 'ReceiptRuleBounce',
    });
  }

  /** SendBounce (v1): a DSN for mail this account received in the last 24 hours. */
  async sendBounce(accountId: string, input: SendBounceInput): Promise<string> {
    const found = await this.#store.receiving.getMessage(input.originalMessageId, accountId);
    if (!found || this.#now() - found.receivedAt > SEND_BOUNCE_WINDOW_MS)
      throw new SesError(
        'MessageRejected',
        `Message ${input.originalMessageId} was not received by this account in the last 24 hours.`,
      );
    if (!(await this.#senders.isVerified(accountId, input.bounceSender)))
      throw new SesError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check: ${input.bounceSender}`,
      );
    if (!found.mailFrom) throw new SesError('MessageRejected', 'The original message has a null sender.');
    if (input.recipients.length === 0) throw badRequest('BouncedRecipientInfoList must not be empty.');
    const recipients: DsnRecipient[] = input.recipients.map((r) => {
      if (r.dsn) {
        if (!r.dsn.action || !r.dsn.status) throw badRequest('RecipientDsnFields needs Action and Status.');
        return { ...r.dsn, finalRecipient: r.dsn.finalRecipient ?? r.recipient };
      }
      const t = BOUNCE_TYPES[r.bounceType ?? ''];
      if (!t)
        throw badRequest(`Each bounced recipient needs a BounceType or RecipientDsnFields: ${r.recipient}`);
      return { finalRecipient: r.recipient, action: 'failed', status: t.status, diagnosticCode: t.text };
    });
    const raw = await this.#store.receiving.body(found.id);
    if (!raw) throw notFound('InboundMessage', `Message ${input.originalMessageId} is no longer kept.`);
    const dsn = buildDsn({
      from: input.bounceSender,
      to: found.mailFrom,
      explanation:
        input.explanation ??
        `Your message to ${recipients.map((r) => r.finalRecipient).join(', ')} could not be delivered.`,
      reportingMta: input.messageDsn?.reportingMta ?? this.#mailHost,
      arrivalDate: input.messageDsn?.arrivalDate ?? new Date(found.receivedAt),
      extensionFields: input.messageDsn?.extensionFields,
      recipients,
      originalHeaders: headerBlock(raw),
    });
    return this.#systemMail.sendAs({
      accountId,
      from: input.bounceSender,
      to: found.mailFrom,
      raw: dsn,
      operation: 'SendBounce',
    });
  }

  // ----- the inbound log -----

  listMessages(accountId: string | null, before: number | undefined, limit: number) {
    return this.#store.receiving.listMessages(accountId, { before, limit });
  }

  async show(id: string) {
    const records = await this.#store.receiving.messagesWithId(id);
    if (records.length === 0) throw notFound('InboundMessage', `No received message ${id}.`);
    return Promise.all(
      records.map(async (m) => ({
        message: m,
        actions: await this.#store.receiving.actions(m.id, m.accountId),
      })),
    );
  }

  listRefusals(
    accountId: string | null,
    before: number | undefined,
    limit: number,
  ): Promise<InboundRefusalRecord[]> {
    return this.#store.receiving.listRefusals(accountId, { before, limit });
  }
}

function headerBlock(raw: Buffer): string {
  const end = parseHeaderBlock(raw).bodyOffset;
  return raw.subarray(0, end).toString('utf8');
}
