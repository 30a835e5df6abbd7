/**
 * Sending: every way of sending (SES v2, SES v1, SMTP) calls `send` or `sendBulk`, which run the pipeline and
 * resolve only once the message is committed (acceptance.ts). Also what the APIs read back of sent mail: the
 * 24-hour count, the statistics, one message's history. Never speaks SMTP; delivery happens in the MTA.
 */
import type { EventRecord, MessageRecord, MessageSearch, RecipientRecord, Store } from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { ConfigurationSetService } from '../configuration-sets/configuration-set-service.ts';
import type { ListManagement } from '../contacts/list-management.ts';
import { SesError } from '../errors.ts';
import type { SenderIdentities } from '../identities/sender-identities.ts';
import type { SuppressionService } from '../suppression/suppression-service.ts';
import type { TemplateService } from '../templates/template-service.ts';
import type { Acceptance } from './acceptance.ts';
import type { SendingAuthorization } from '../authorization/sending-authorization.ts';
import {
  MAX_BULK_ENTRIES,
  bulkEntrySend,
  bulkStatus,
  type BulkEntryResult,
  type BulkSendInput,
} from './bulk.ts';
import { callLevelSteps, runSendPipeline, sendPipeline, type PipelineDeps } from './pipeline.ts';
import type { QuotaTracker } from './quota.ts';
import type { SendInput, SendResult, SendingSettings } from './types.ts';

export class SendingService {
  readonly #store: Store;
  readonly #accounts: AccountService;
  readonly #quota: QuotaTracker;
  readonly #templates: TemplateService;
  readonly #acceptance: Acceptance;
  readonly #pipeline: PipelineDeps;

  constructor(deps: {
    store: Store;
    accounts: AccountService;
    senders: SenderIdentities;
    quota: QuotaTracker;
    configurationSets: ConfigurationSetService;
    suppression: SuppressionService;
    templates: TemplateService;
    contacts: ListManagement;
    acceptance: Acceptance;
    authorization: SendingAuthorization;
    settings: SendingSettings;
    now: () => number;
  }) {
    const { senders, quota, configurationSets, suppression, templates, contacts, acceptance } = deps;
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#quota = quota;
    this.#templates = templates;
    this.#acceptance = acceptance;
    this.#pipeline = {
      ...deps.settings,
      now: deps.now,
      senderProfile: (a, addr) => senders.senderProfile(a, addr),
      identityVerified: (a, name) => senders.identityVerified(a, name),
      authorizeSend: (r) => deps.authorization.authorizeSend(r),
      isVerified: (a, addr) => senders.isVerified(a, addr),
      takeDaily: (a, max, n) => quota.takeDaily(a, max, n),
      returnDaily: (a, n) => quota.returnDaily(a, n),
      takeRate: (a, rate, n) => quota.takeRate(a, rate, n),
      returnRate: (a, n) => quota.returnRate(a, n),
      quotaCountsAtCommit: quota.countsAtCommit,
      suppressedAmong: (a, emails) => suppression.suppressedAmong(a, emails),
      configurationSet: (a, name) => configurationSets.forSending(a, name),
      template: (a, name) => templates.compiled(a, name),
      inlineTemplate: (content) => templates.inline(content),
      optedOut: (a, list, topic, recipients) => contacts.optedOut(a, list, topic, recipients),
      commit: (accepted) => acceptance.commit([accepted]),
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
    const accepted: Parameters<PipelineDeps['commit']>[0][] = [];
    // Daily units the accepted entries took: given back if their one commit fails.
    let dailyUnits = 0;
    const deps: PipelineDeps = {
      ...this.#pipeline,
      commit: async (a) => void accepted.push(a),
      takeDaily: async (a, max, n) => {
        const ok = await this.#pipeline.takeDaily(a, max, n);
        if (ok) dailyUnits += n;
        return ok;
      },
      returnDaily: (a, n) => {
        dailyUnits -= n;
        this.#pipeline.returnDaily(a, n);
      },
    };
    await runSendPipeline(
      bulkEntrySend(input, account.id, compiled, input.entries[0]!),
      account,
      deps,
      sendPipeline.filter(([name]) => callLevelSteps.has(name)),
    );
    const results: BulkEntryResult[] = [];
    for (const entry of input.entries) {
      try {
        const messageId = await runSendPipeline(
          bulkEntrySend(input, account.id, compiled, entry),
          account,
          deps,
        );
        results.push({ status: 'SUCCESS', messageId });
      } catch (err) {
        if (!(err instanceof SesError)) throw err;
        results.push({ status: bulkStatus(err), error: err.message });
      }
    }
    try {
      await this.#acceptance.commit(accepted);
    } catch (err) {
      this.#quota.returnDaily(account.id, dailyUnits);
      throw err;
    }
    return results;
  }

  sentLast24Hours(accountId: string): Promise<number> {
    return this.#quota.sentLast24Hours(accountId);
  }

  /** An account's messages, newest first (the console's message search). */
  search(q: MessageSearch): Promise<MessageRecord[]> {
    return this.#store.messages.search(q);
  }

  /** The message as accepted (null once delivery is done and the body is no longer kept). */
  body(messageId: string): Promise<Buffer | null> {
    return this.#store.messages.body(messageId);
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
}
