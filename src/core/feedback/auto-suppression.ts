/**
 * Auto-suppression: hard bounces and complaints put the address on the account's suppression list when the
 * account — or the message's configuration set, which overrides it — suppresses that reason. Simulator
 * addresses never are.
 */
import type { EventRecord, MessageRecord } from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { ConfigurationSetService } from '../configuration-sets/configuration-set-service.ts';
import type { BouncePayload, ComplaintPayload } from '../sending/events.ts';
import { isSimulatorAddress } from '../sending/simulator.ts';
import type { SuppressionService } from '../suppression/suppression-service.ts';

export class AutoSuppression {
  readonly #accounts: AccountService;
  readonly #sets: ConfigurationSetService;
  readonly #suppression: SuppressionService;
  readonly #now: () => number;

  constructor(deps: {
    accounts: AccountService;
    configurationSets: ConfigurationSetService;
    suppression: SuppressionService;
    now: () => number;
  }) {
    this.#accounts = deps.accounts;
    this.#sets = deps.configurationSets;
    this.#suppression = deps.suppression;
    this.#now = deps.now;
  }

  async apply(message: MessageRecord, events: EventRecord[]): Promise<void> {
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
      await this.#suppression.suppressFromFeedback({
        accountId: message.accountId,
        email: f.email.toLowerCase(),
        reason: f.reason,
        lastUpdate: this.#now(),
        messageId: message.id,
        feedbackId: f.feedbackId,
      });
    }
  }
}
