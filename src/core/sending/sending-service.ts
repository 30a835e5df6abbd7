/**
 * Sending: accepts messages through the pipeline (durable before answered), hands them to the MTA through
 * listeners, and records what delivery did (recipient states and SES events, with suppression of hard
 * bounces). Owns the message's history; never speaks SMTP itself.
 */
import type { Logger } from '../../lib/logger.ts';
import { newMessageId } from '../../lib/ids.ts';
import type {
  AcceptedMessage,
  EventRecord,
  MessageRecord,
  RecipientRecord,
  RecipientUpdate,
  Store,
} from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { IdentityService } from '../identities/identity-service.ts';
import { domainOf } from './addresses.ts';
import { eventRecord, feedbackId, mailObject } from './events.ts';
import { buildSimpleMime, parseHeaderBlock } from './mime.ts';
import { runSendPipeline, type PipelineDeps } from './pipeline.ts';
import type { QuotaTracker } from './quota.ts';
import { isSimulatorAddress } from './simulator.ts';
import type {
  AcceptedListener,
  DeliveryPayload,
  DeliveryReport,
  RecipientResult,
  SendInput,
  SendResult,
} from './types.ts';
import type { ReturnPathCodec } from './verp.ts';

export interface SendingSettings {
  region: string;
  mailHost: string;
  bounceDomain: string;
  nodeId: string;
  maxMessageSize: number;
}

/** The account of Sesame's own messages (verification mail): never counted, never evented. */
export const SYSTEM_ACCOUNT = '000000000000';

export class SendingService {
  readonly #store: Store;
  readonly #accounts: AccountService;
  readonly #quota: QuotaTracker;
  readonly #returnPaths: ReturnPathCodec;
  readonly #settings: SendingSettings;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #listeners: AcceptedListener[] = [];
  readonly #pipeline: PipelineDeps;
  readonly #suppressionCounts = new Map<string, { n: number; at: number }>();

  constructor(deps: {
    store: Store;
    accounts: AccountService;
    identities: IdentityService;
    quota: QuotaTracker;
    returnPaths: ReturnPathCodec;
    settings: SendingSettings;
    logger: Logger;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#quota = deps.quota;
    this.#returnPaths = deps.returnPaths;
    this.#settings = deps.settings;
    this.#log = deps.logger;
    this.#now = deps.now;
    const { identities, quota } = deps;
    this.#pipeline = {
      ...deps.settings,
      now: deps.now,
      senderProfile: (a, addr) => identities.senderProfile(a, addr),
      isVerified: (a, addr) => identities.isVerified(a, addr),
      dailyAllows: (a, max) => quota.dailyAllows(a, max),
      takeRate: (a, rate, n) => quota.takeRate(a, rate, n),
      returnRate: (a, n) => quota.returnRate(a, n),
      suppressedAmong: (a, emails) => this.#suppressedAmong(a, emails),
      commit: (accepted) => this.#commit(accepted),
    };
  }

  /** Runs the pipeline; resolves with the MessageId once the message is durably stored. */
  async send(input: SendInput): Promise<SendResult> {
    const account = await this.#accounts.get(input.accountId);
    const messageId = await runSendPipeline(input, account, this.#pipeline);
    return { messageId };
  }

  /** Registers a listener for committed messages (the MTA queues them). */
  onAccepted(listener: AcceptedListener): void {
    this.#listeners.push(listener);
  }

  /** Sesame's own mail (address verification): queued like any message, outside every account's quota. */
  async sendSystemMessage(m: { to: string; subject: string; text: string; html?: string }): Promise<string> {
    const now = this.#now();
    const id = newMessageId(now);
    const from = `Sesame <no-reply@${this.#settings.bounceDomain}>`;
    const body = await buildSimpleMime({
      from,
      to: [m.to],
      cc: [],
      replyTo: [],
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: [],
      attachments: [],
      messageIdHeader: `<${id}@${this.#settings.mailHost}>`,
      date: new Date(now),
    });
    const message: MessageRecord = {
      id,
      accountId: SYSTEM_ACCOUNT,
      createdAt: now,
      source: `no-reply@${this.#settings.bounceDomain}`,
      fromDomain: this.#settings.bounceDomain,
      mailFromDomain: this.#settings.bounceDomain,
      configurationSet: null,
      size: body.length,
      recipientCount: 1,
      mail: mailObject({
        messageId: id,
        timestamp: now,
        source: from,
        sourceArn: '',
        sourceIp: undefined,
        callerIdentity: undefined,
        accountId: SYSTEM_ACCOUNT,
        destination: [m.to],
        headers: parseHeaderBlock(body).fields,
      }),
      tags: {},
      feedbackAddress: null,
      listManagement: null,
      operation: 'system',
    };
    const recipients: RecipientRecord[] = [
      {
        messageId: id,
        index: 0,
        address: m.to,
        domain: domainOf(m.to),
        status: 'queued',
        attempts: 0,
        nextAttemptAt: now,
        updatedAt: now,
        lastResponse: null,
        owner: this.#settings.nodeId,
      },
    ];
    await this.#commit({ message, body, recipients, events: [], quotaRecipients: 0 });
    return id;
  }

  async #commit(accepted: AcceptedMessage): Promise<void> {
    await this.#store.messages.accept(accepted);
    this.#quota.counted(accepted.message.accountId, accepted.quotaRecipients);
    for (const listener of this.#listeners) {
      try {
        listener(accepted);
      } catch (err) {
        // The message is committed; the MTA finds it again at its next start if it could not take it now.
        this.#log.error({ err, messageId: accepted.message.id }, 'accepted-message listener failed');
      }
    }
  }

  async #suppressedAmong(accountId: string, emails: string[]) {
    // Most accounts have an empty list: remember that for a few seconds instead of asking every time.
    const now = this.#now();
    let c = this.#suppressionCounts.get(accountId);
    if (!c || now - c.at > 5000) {
      c = { n: await this.#store.suppression.count(accountId), at: now };
      this.#suppressionCounts.set(accountId, c);
    }
    return c.n === 0 ? [] : this.#store.suppression.findAmong(accountId, emails);
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

  /** The VERP return path of a delivery (message and its first recipient in the transaction). */
  returnPath(message: MessageRecord, index: number): string {
    return this.#returnPaths.encode(message.id, index, message.mailFromDomain);
  }

  /** The message and recipient a return-path local part names, if Sesame issued it. */
  decodeReturnPath(localPart: string): { messageId: string; index: number } | undefined {
    return this.#returnPaths.decode(localPart);
  }

  sentLast24Hours(accountId: string): Promise<number> {
    return this.#quota.sentLast24Hours(accountId);
  }

  /** SES v1 GetSendStatistics: 15-minute data points of the last two weeks. */
  sendStatistics(
    accountId: string,
  ): Promise<
    { start: number; deliveryAttempts: number; bounces: number; complaints: number; rejects: number }[]
  > {
    const quarter = 15 * 60_000;
    return this.#store.messages.sendStatistics(accountId, this.#now() - 14 * 24 * 3600_000, quarter);
  }

  /** A message's record, recipients and events (for `sesame message show`). */
  async details(
    messageId: string,
  ): Promise<{ message: MessageRecord; recipients: RecipientRecord[]; events: EventRecord[] } | undefined> {
    const message = await this.#store.messages.get(messageId);
    if (!message) return undefined;
    const [recipients, events] = await Promise.all([
      this.#store.messages.recipients(messageId),
      this.#store.messages.events(messageId),
    ]);
    return { message, recipients, events };
  }

  /**
   * Records the outcome of a delivery attempt: recipient states, and the SES events (Delivery, Bounce,
   * DeliveryDelay, Complaint); hard bounces put the address on the account's suppression list when the account
   * suppresses bounces (simulator addresses never are).
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
    const events = message.operation === 'system' ? [] : this.#deliveryEvents(report, message, recipients);
    await this.#store.messages.recordOutcomes({ recipients: updates, events });
    if (message.operation !== 'system') await this.#suppressHardBounces(report, message, recipients);
  }

  #deliveryEvents(
    report: DeliveryReport,
    message: MessageRecord,
    recipients: RecipientRecord[],
  ): EventRecord[] {
    const at = report.at;
    const iso = new Date(at).toISOString();
    const address = (r: RecipientResult) => recipients[r.index]?.address ?? '';
    const reportingMTA = this.#settings.mailHost;
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
        eventRecord(
          message,
          'Bounce',
          {
            key: 'bounce',
            value: {
              bounceType: first.bounceType,
              bounceSubType: first.bounceSubType,
              bouncedRecipients: group.map((r) => ({
                emailAddress: address(r),
                action: 'failed',
                status: r.status,
                diagnosticCode: r.diagnosticCode,
              })),
              timestamp: iso,
              feedbackId: feedbackId(at),
              reportingMTA: `dns; ${reportingMTA}`,
              ...(report.remoteMtaIp ? { remoteMtaIp: report.remoteMtaIp } : {}),
            },
          },
          at,
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
          eventRecord(
            message,
            'Complaint',
            {
              key: 'complaint',
              value: {
                complainedRecipients: [{ emailAddress: address(r) }],
                timestamp: iso,
                feedbackId: feedbackId(at),
                complaintSubType: null,
                userAgent: follow.complaint.userAgent,
                complaintFeedbackType: follow.complaint.feedbackType,
                arrivalDate: iso,
              },
            },
            at + 1,
            address(r),
          ),
        );
      else
        events.push(
          eventRecord(
            message,
            'Bounce',
            {
              key: 'bounce',
              value: {
                bounceType: 'Transient',
                bounceSubType: 'General',
                bouncedRecipients: [{ emailAddress: address(r) }],
                timestamp: iso,
                feedbackId: feedbackId(at),
              },
            },
            at + 1,
            address(r),
          ),
        );
    }
    return events;
  }

  async #suppressHardBounces(
    report: DeliveryReport,
    message: MessageRecord,
    recipients: RecipientRecord[],
  ): Promise<void> {
    const hard = report.results.filter(
      (r) =>
        r.outcome === 'bounced' &&
        r.bounceType === 'Permanent' &&
        r.bounceSubType !== 'OnAccountSuppressionList',
    );
    if (hard.length === 0) return;
    const account = await this.#accounts.get(message.accountId).catch(() => undefined);
    if (!account?.suppressedReasons.includes('BOUNCE')) return;
    for (const r of hard) {
      const email = recipients[r.index]?.address.toLowerCase();
      if (!email || isSimulatorAddress(email)) continue;
      await this.#store.suppression.put({
        accountId: message.accountId,
        email,
        reason: 'BOUNCE',
        lastUpdate: report.at,
        messageId: message.id,
        feedbackId: null,
      });
      this.#suppressionCounts.delete(message.accountId);
    }
  }
}
