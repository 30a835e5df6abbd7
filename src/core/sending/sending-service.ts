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
import { bounceEvent, eventRecord, feedbackId, mailObject } from './events.ts';
import {
  buildSimpleMime,
  parseHeaderBlock,
  rewriteHeaders,
  rewriteTextParts,
  type HeaderField,
  type SimpleAttachment,
} from './mime.ts';
import { callLevelSteps, runSendPipeline, sendPipeline, type PipelineDeps } from './pipeline.ts';
import { SesError } from '../errors.ts';
import type { TemplateService } from '../templates/template-service.ts';
import { UNSUBSCRIBE_PLACEHOLDER, type ContactService } from '../contacts/contact-service.ts';
import type { QuotaTracker } from './quota.ts';
import { isSimulatorAddress } from './simulator.ts';
import type {
  AcceptedListener,
  DeliveryPayload,
  DeliveryReport,
  RecipientResult,
  SendInput,
  SendResult,
  SendingSettings,
} from './types.ts';
import type { ReturnPathCodec } from './verp.ts';
import type { ConfigurationSetService } from '../configuration-sets/configuration-set-service.ts';
import { sourceIdentity, type EventPublisher } from '../notifications/event-publisher.ts';
import type { Tracker } from '../tracking/tracker.ts';

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
  readonly #sets: ConfigurationSetService;
  readonly #publisher: EventPublisher;
  readonly #tracker: Tracker;
  readonly #identities: IdentityService;
  readonly #templates: TemplateService;
  readonly #contacts: ContactService;
  #onNotifications: () => void = () => undefined;

  constructor(deps: {
    store: Store;
    accounts: AccountService;
    identities: IdentityService;
    quota: QuotaTracker;
    returnPaths: ReturnPathCodec;
    configurationSets: ConfigurationSetService;
    publisher: EventPublisher;
    tracker: Tracker;
    templates: TemplateService;
    contacts: ContactService;
    settings: SendingSettings;
    logger: Logger;
    now: () => number;
  }) {
    this.#sets = deps.configurationSets;
    this.#publisher = deps.publisher;
    this.#tracker = deps.tracker;
    this.#identities = deps.identities;
    this.#templates = deps.templates;
    this.#contacts = deps.contacts;
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
      configurationSet: (a, name) => deps.configurationSets.forSending(a, name),
      template: (a, name) => deps.templates.compiled(a, name),
      inlineTemplate: (content) => deps.templates.inline(content),
      optedOut: (a, list, topic, recipients) => deps.contacts.optedOut(a, list, topic, recipients),
      commit: (accepted) => this.#commit(accepted),
    };
  }

  /** Runs the pipeline; resolves with the MessageId once the message is durably stored. */
  async send(input: SendInput): Promise<SendResult> {
    const account = await this.#accounts.get(input.accountId);
    const messageId = await runSendPipeline(input, account, this.#pipeline);
    return { messageId };
  }

  /**
   * SES v2 SendBulkEmail / v1 SendBulkTemplatedEmail: one template compiled once, one message per entry, all
   * accepted messages committed in one transaction. What concerns the whole call (sender, configuration set,
   * template) fails the call; what concerns one entry (its recipients, quotas) fails only that entry.
   */
  async sendBulk(input: BulkSendInput): Promise<BulkEntryResult[]> {
    if (input.entries.length === 0)
      throw new SesError('BadRequestException', 'BulkEmailEntries must not be empty.');
    if (input.entries.length > MAX_BULK_ENTRIES)
      throw new SesError(
        'BadRequestException',
        `BulkEmailEntries can have at most ${MAX_BULK_ENTRIES} entries; this request has ${input.entries.length}.`,
      );
    const account = await this.#accounts.get(input.accountId);
    const t = input.template;
    const compiled = t.inline
      ? this.#templates.inline(t.inline)
      : t.name
        ? await this.#templates.compiled(account.id, t.name)
        : undefined;
    const entryInput = (e: BulkEntry): SendInput => ({
      ...input.common,
      accountId: account.id,
      destination: e.destination,
      content: {
        kind: 'template',
        name: t.name,
        compiled,
        data: t.data,
        replacementData: e.replacementData ?? undefined,
        headers: [
          ...(t.headers ?? []).filter(
            (h) => !e.replacementHeaders?.some((r) => r.name.toLowerCase() === h.name.toLowerCase()),
          ),
          ...(e.replacementHeaders ?? []),
        ],
        attachments: t.attachments,
      },
      tags: [
        ...(input.defaultTags ?? []).filter((d) => !e.replacementTags?.some((r) => r.name === d.name)),
        ...(e.replacementTags ?? []),
      ],
    });
    const accepted: AcceptedMessage[] = [];
    const deps: PipelineDeps = { ...this.#pipeline, commit: async (a) => void accepted.push(a) };
    await runSendPipeline(
      entryInput(input.entries[0]!),
      account,
      deps,
      sendPipeline.filter(([name]) => callLevelSteps.has(name)),
    );
    const results: BulkEntryResult[] = [];
    for (const entry of input.entries) {
      try {
        results.push({
          status: 'SUCCESS',
          messageId: await runSendPipeline(entryInput(entry), account, deps),
        });
      } catch (err) {
        if (!(err instanceof SesError)) throw err;
        results.push({ status: bulkStatus(err), error: err.message });
      }
    }
    await this.#commitAll(accepted);
    return results;
  }

  /** Lets the dispatcher know that notifications were committed. */
  onNotifications(listener: () => void): void {
    this.#onNotifications = listener;
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
      options: null,
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

  #commit(accepted: AcceptedMessage): Promise<void> {
    return this.#commitAll([accepted]);
  }

  /** Commits accepted messages in one transaction, then hands them to the MTA. */
  async #commitAll(messages: AcceptedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const a of messages) a.notifications = await this.#publisher.notificationsFor(a.message, a.events);
    await (messages.length === 1
      ? this.#store.messages.accept(messages[0]!)
      : this.#store.messages.acceptAll(messages));
    if (messages.some((a) => a.notifications?.length)) this.#onNotifications();
    for (const accepted of messages) {
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
    await this.#commitOutcomes(message, updates, events);
  }

  /** Whether each recipient gets a copy of their own (tracking links, unsubscribe links name the recipient). */
  isPersonal(message: MessageRecord): boolean {
    return message.options?.tracking != null || message.listManagement !== null;
  }

  /**
   * The message as one recipient receives it: open/click tracking in its HTML, and for list-managed sends the
   * recipient's one-click unsubscribe link in List-Unsubscribe (RFC 8058) and at {{amazonSESUnsubscribeUrl}}.
   * Tracking goes first so the unsubscribe link is never turned into a tracked click.
   */
  async personalize(message: MessageRecord, body: Buffer, recipientIndex: number): Promise<Buffer> {
    const tracked = await this.#tracker.personalize(message, body, recipientIndex);
    if (!message.listManagement) return tracked;
    const url = this.#contacts.unsubscribeUrl(message.id, recipientIndex);
    const withHeaders = rewriteHeaders(
      tracked,
      parseHeaderBlock(tracked),
      new Set(['list-unsubscribe', 'list-unsubscribe-post']),
      [
        { name: 'List-Unsubscribe', value: `<${url}>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ],
    );
    return rewriteTextParts(withHeaders, ['text/plain', 'text/html'], (text) =>
      text.replaceAll(UNSUBSCRIBE_PLACEHOLDER, url),
    );
  }

  /** What an unsubscribe link names (for the confirmation page), or undefined when it is not Sesame's. */
  async unsubscribeTarget(
    signedToken: string,
  ): Promise<{ email: string; contactList: string; topic: string | null } | undefined> {
    return (await this.#unsubscribeLink(signedToken))?.target;
  }

  async #unsubscribeLink(
    signedToken: string,
  ): Promise<
    | { message: MessageRecord; target: { email: string; contactList: string; topic: string | null } }
    | undefined
  > {
    const t = this.#contacts.verifyUnsubscribeToken(signedToken);
    const message = t && (await this.#store.messages.get(t.messageId));
    const email = message && (message.mail.destination as string[] | undefined)?.[t.index];
    if (!message?.listManagement || !email) return undefined;
    const { contactListName, topicName } = message.listManagement;
    return { message, target: { email, contactList: contactListName, topic: topicName } };
  }

  /**
   * Follows an unsubscribe link (one-click POST, or the confirmation page): the recipient leaves the topic
   * (or the list), and a Subscription event is recorded for the message.
   */
  async unsubscribe(
    signedToken: string,
    source: 'UnsubscribeHeader' | 'UnsubscribeLink',
  ): Promise<{ email: string; contactList: string; topic: string | null } | undefined> {
    const link = await this.#unsubscribeLink(signedToken);
    if (!link) return undefined;
    const { message, target } = link;
    const change = await this.#contacts.unsubscribe(
      message.accountId,
      target.contactList,
      target.topic,
      target.email,
    );
    if (!change) return undefined;
    const at = this.#now();
    await this.recordEvents(message, [
      eventRecord(
        message,
        'Subscription',
        {
          key: 'subscription',
          value: {
            contactList: target.contactList,
            timestamp: new Date(at).toISOString(),
            source,
            newTopicPreferences: change.newPreferences,
            oldTopicPreferences: change.oldPreferences,
          },
        },
        at,
        target.email,
      ),
    ]);
    return target;
  }

  /**
   * Records an open (the tracking pixel was fetched) or a click (a tracked link was followed). Returns the
   * link to redirect a click to, or undefined when the tracking URL was not issued by Sesame.
   */
  async recordEngagement(
    kind: 'open' | 'click',
    signedToken: string,
    client: { ip: string; userAgent: string },
  ): Promise<{ link?: string } | undefined> {
    const token = this.#tracker.verify(signedToken);
    if (!token || (kind === 'click' && !token.u)) return undefined;
    const message = await this.#store.messages.get(token.m);
    if (!message) return undefined;
    const at = this.#now();
    const common = {
      ipAddress: client.ip,
      timestamp: new Date(at).toISOString(),
      userAgent: client.userAgent,
    };
    const recipient = (message.mail.destination as string[] | undefined)?.[token.r] ?? null;
    const event =
      kind === 'open'
        ? eventRecord(message, 'Open', { key: 'open', value: common }, at, recipient)
        : eventRecord(
            message,
            'Click',
            { key: 'click', value: { ...common, link: token.u, linkTags: token.t ?? {} } },
            at,
            recipient,
          );
    await this.recordEvents(message, [event]);
    return kind === 'click' ? { link: token.u! } : {};
  }

  /**
   * Asynchronous feedback for a message and recipient named by a return path: a DSN's failed recipients become
   * a Bounce event (and those recipients bounced, even if delivery had been accepted), an ARF report a
   * Complaint event. Recipients are matched by address among the message's, else the return path's recipient.
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
    const iso = new Date(at).toISOString();
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
        eventRecord(
          message,
          'Complaint',
          {
            key: 'complaint',
            value: {
              complainedRecipients: emails.filter(Boolean).map((emailAddress) => ({ emailAddress })),
              timestamp: iso,
              feedbackId: feedbackId(at),
              complaintSubType: null,
              ...(f.complaint.userAgent ? { userAgent: f.complaint.userAgent } : {}),
              complaintFeedbackType: f.complaint.feedbackType,
              ...(f.complaint.arrivalDate ? { arrivalDate: toIso(f.complaint.arrivalDate) } : {}),
            },
          },
          at,
          emails.length === 1 ? (emails[0] ?? null) : null,
        ),
      );
    }
    if (events.length === 0) return false;
    await this.recordEvents(message, events, updates);
    return true;
  }

  /** Events that arrive after delivery (opens, clicks, DSNs, complaints), recorded with their notifications. */
  async recordEvents(
    message: MessageRecord,
    events: EventRecord[],
    updates: RecipientUpdate[] = [],
  ): Promise<void> {
    await this.#commitOutcomes(message, updates, events);
  }

  async #commitOutcomes(
    message: MessageRecord,
    updates: RecipientUpdate[],
    events: EventRecord[],
  ): Promise<void> {
    const notifications = await this.#publisher.notificationsFor(message, events);
    await this.#store.messages.recordOutcomes({ recipients: updates, events, notifications });
    if (notifications.length) this.#onNotifications();
    if (message.operation === 'system') return;
    await this.#suppressFromEvents(message, events);
    await this.#forwardFeedback(message, events);
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

  /**
   * Hard bounces and complaints put the address on the suppression list when the account — or the message's
   * configuration set, which overrides it — suppresses that reason. Simulator addresses never are.
   */
  async #suppressFromEvents(message: MessageRecord, events: EventRecord[]): Promise<void> {
    const found: { email: string; reason: 'BOUNCE' | 'COMPLAINT'; feedbackId: string | null }[] = [];
    for (const e of events) {
      const p = e.payload as { bounce?: BouncePayload; complaint?: ComplaintPayload };
      if (
        e.type === 'Bounce' &&
        p.bounce?.bounceType === 'Permanent' &&
        p.bounce.bounceSubType !== 'OnAccountSuppressionList'
      )
        for (const r of p.bounce.bouncedRecipients)
          found.push({ email: r.emailAddress, reason: 'BOUNCE', feedbackId: p.bounce.feedbackId ?? null });
      if (e.type === 'Complaint' && p.complaint)
        for (const r of p.complaint.complainedRecipients)
          found.push({
            email: r.emailAddress,
            reason: 'COMPLAINT',
            feedbackId: p.complaint.feedbackId ?? null,
          });
    }
    const candidates = found.filter((f) => !isSimulatorAddress(f.email));
    if (candidates.length === 0) return;
    const set = message.configurationSet
      ? await this.#sets.forSending(message.accountId, message.configurationSet)
      : undefined;
    const reasons =
      set?.options.suppression?.suppressedReasons ??
      (await this.#accounts.get(message.accountId).catch(() => undefined))?.suppressedReasons ??
      [];
    for (const f of candidates) {
      if (!reasons.includes(f.reason)) continue;
      await this.#store.suppression.put({
        accountId: message.accountId,
        email: f.email.toLowerCase(),
        reason: f.reason,
        lastUpdate: this.#now(),
        messageId: message.id,
        feedbackId: f.feedbackId,
      });
      this.#suppressionCounts.delete(message.accountId);
    }
  }

  /**
   * Email feedback forwarding: while it is on for the sending identity (the default), bounces and complaints
   * are also mailed to the message's feedback address (FeedbackForwardingEmailAddress / ReturnPath) or sender.
   */
  async #forwardFeedback(message: MessageRecord, events: EventRecord[]): Promise<void> {
    const feedback = events.filter((e) => e.type === 'Bounce' || e.type === 'Complaint');
    if (feedback.length === 0) return;
    const identity = sourceIdentity(message);
    const settings = identity
      ? await this.#identities.notificationSettings(message.accountId, identity)
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
        await this.sendSystemMessage({
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

/** SES allows at most 50 entries in one bulk send. */
export const MAX_BULK_ENTRIES = 50;

export interface BulkEntry {
  destination: { to?: string[] | undefined; cc?: string[] | undefined; bcc?: string[] | undefined };
  replacementData?: string | undefined;
  replacementTags?: { name: string; value: string }[] | undefined;
  replacementHeaders?: HeaderField[] | undefined;
}

export interface BulkSendInput {
  accountId: string;
  /** What every entry shares: sender, reply-to, feedback address, configuration set, list management, caller. */
  common: Omit<SendInput, 'accountId' | 'destination' | 'content' | 'tags'>;
  template: {
    name?: string | undefined;
    inline?: { subject: string | null; text: string | null; html: string | null } | undefined;
    data?: string | undefined;
    headers?: HeaderField[] | undefined;
    attachments?: SimpleAttachment[] | undefined;
  };
  defaultTags?: { name: string; value: string }[] | undefined;
  entries: BulkEntry[];
}

/** SES v2 BulkEmailStatus values (the v1 adapter renames them). */
export type BulkStatus =
  | 'SUCCESS'
  | 'MESSAGE_REJECTED'
  | 'MAIL_FROM_DOMAIN_NOT_VERIFIED'
  | 'CONFIGURATION_SET_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'ACCOUNT_SUSPENDED'
  | 'ACCOUNT_THROTTLED'
  | 'ACCOUNT_DAILY_QUOTA_EXCEEDED'
  | 'ACCOUNT_SENDING_PAUSED'
  | 'CONFIGURATION_SET_SENDING_PAUSED'
  | 'INVALID_PARAMETER'
  | 'TRANSIENT_FAILURE'
  | 'FAILED';

export interface BulkEntryResult {
  status: BulkStatus;
  messageId?: string;
  error?: string;
}

function bulkStatus(err: SesError): BulkStatus {
  switch (err.code) {
    case 'MessageRejected':
      return 'MESSAGE_REJECTED';
    case 'MailFromDomainNotVerifiedException':
      return 'MAIL_FROM_DOMAIN_NOT_VERIFIED';
    case 'NotFoundException':
      return err.resource === 'ConfigurationSet'
        ? 'CONFIGURATION_SET_NOT_FOUND'
        : err.resource === 'Template'
          ? 'TEMPLATE_NOT_FOUND'
          : 'INVALID_PARAMETER';
    case 'AccountSuspendedException':
      return 'ACCOUNT_SUSPENDED';
    case 'TooManyRequestsException':
      return err.reason === 'daily' ? 'ACCOUNT_DAILY_QUOTA_EXCEEDED' : 'ACCOUNT_THROTTLED';
    case 'SendingPausedException':
      return err.reason === 'configuration-set'
        ? 'CONFIGURATION_SET_SENDING_PAUSED'
        : 'ACCOUNT_SENDING_PAUSED';
    case 'BadRequestException':
      return 'INVALID_PARAMETER';
    default:
      return 'FAILED';
  }
}

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

function toIso(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString();
}

interface BouncePayload {
  bounceType: string;
  bounceSubType: string;
  feedbackId?: string;
  bouncedRecipients: { emailAddress: string; diagnosticCode?: string }[];
}

interface ComplaintPayload {
  feedbackId?: string;
  complainedRecipients: { emailAddress: string }[];
}

function headerLines(message: MessageRecord): string[] {
  const headers = (message.mail.headers ?? []) as { name: string; value: string }[];
  return headers.map((h) => `${h.name}: ${h.value}`);
}
