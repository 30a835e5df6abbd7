/**
 * Reputation as SES keeps it: bounce and complaint rates over a representative window, published as the
 * `Reputation.BounceRate` / `Reputation.ComplaintRate` gauges (account level, and per configuration set with
 * reputation metrics enabled), and the account's enforcement status moved by them:
 * HEALTHY → PROBATION (under review) at the review thresholds, → SHUTDOWN (sending paused) at the pause
 * thresholds. A paused account stays paused until the operator resumes it (`sesame account update
 * --enforcement HEALTHY`), which is a fresh start: the window begins again then. An account under review returns
 * to HEALTHY when both rates are back under the review thresholds.
 */
import type { Logger } from '../../lib/logger.ts';
import type { AccountRecord, EnforcementStatus, MetricSample, Store } from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { SystemMail } from '../sending/system-mail.ts';
import { CONFIGURATION_SET_DIMENSION, type MetricSeries } from './metric-series.ts';

export interface ReputationSettings {
  /** How far back the representative window reaches (ms). */
  windowMs: number;
  /** Fewer eligible sends than this in the window: the rates are published but enforce nothing. */
  minimumVolume: number;
  bounceReview: number;
  bouncePause: number;
  complaintReview: number;
  complaintPause: number;
}

export const DEFAULT_REPUTATION: ReputationSettings = {
  windowMs: 7 * 86_400_000,
  minimumVolume: 200,
  bounceReview: 0.05,
  bouncePause: 0.1,
  complaintReview: 0.001,
  complaintPause: 0.005,
};

export interface ReputationStanding {
  sends: number;
  bounces: number;
  complaints: number;
  bounceRate: number;
  complaintRate: number;
  windowStart: number;
}

export class ReputationMonitor {
  readonly #store: Store;
  readonly #series: MetricSeries;
  readonly #accounts: AccountService;
  readonly #systemMail: SystemMail;
  readonly #settings: ReputationSettings;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    series: MetricSeries;
    accounts: AccountService;
    systemMail: SystemMail;
    settings: ReputationSettings;
    logger: Logger;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#series = deps.series;
    this.#accounts = deps.accounts;
    this.#systemMail = deps.systemMail;
    this.#settings = deps.settings;
    this.#log = deps.logger;
    this.#now = deps.now;
  }

  get settings(): ReputationSettings {
    return this.#settings;
  }

  /** An account's (or a configuration set's) rates over its current window. */
  async standing(account: AccountRecord, configurationSet?: string): Promise<ReputationStanding> {
    const now = this.#now();
    const windowStart = Math.max(now - this.#settings.windowMs, account.reputationSince ?? 0);
    const c = await this.#series.reputationCounts(account.id, windowStart, now + 60_000, configurationSet);
    return {
      ...c,
      bounceRate: c.sends ? c.bounces / c.sends : 0,
      complaintRate: c.sends ? c.complaints / c.sends : 0,
      windowStart,
    };
  }

  /** Evaluates every account that sent within the window. */
  async evaluateAll(): Promise<void> {
    const ids = await this.#store.metrics.activeAccounts(this.#now() - this.#settings.windowMs);
    for (const id of ids) {
      const account = await this.#store.accounts.get(id);
      if (account) await this.evaluate(account);
    }
  }

  async evaluate(account: AccountRecord): Promise<void> {
    const now = Math.floor(this.#now() / 60_000) * 60_000;
    const s = await this.standing(account);
    const samples: MetricSample[] = [];
    if (s.sends > 0)
      samples.push(
        {
          accountId: account.id,
          metric: 'Reputation.BounceRate',
          dimensions: '',
          at: now,
          value: s.bounceRate,
        },
        {
          accountId: account.id,
          metric: 'Reputation.ComplaintRate',
          dimensions: '',
          at: now,
          value: s.complaintRate,
        },
      );
    for (const set of await this.#reputationSets(account.id)) {
      const cs = await this.standing(
        { ...account, reputationSince: Math.max(account.reputationSince ?? 0, set.lastFreshStart ?? 0) },
        set.name,
      );
      if (cs.sends === 0) continue;
      const dims = `${CONFIGURATION_SET_DIMENSION}=${set.name}`;
      samples.push(
        {
          accountId: account.id,
          metric: 'Reputation.BounceRate',
          dimensions: dims,
          at: now,
          value: cs.bounceRate,
        },
        {
          accountId: account.id,
          metric: 'Reputation.ComplaintRate',
          dimensions: dims,
          at: now,
          value: cs.complaintRate,
        },
      );
    }
    await this.#store.metrics.addSamples(samples);
    const next = this.#status(account.enforcementStatus, s);
    if (next === account.enforcementStatus) return;
    await this.#accounts.setEnforcementByReputation(account.id, account.enforcementStatus, next);
    this.#log.warn(
      {
        account: account.id,
        from: account.enforcementStatus,
        to: next,
        bounceRate: s.bounceRate,
        complaintRate: s.complaintRate,
        sends: s.sends,
      },
      'account enforcement status changed by its reputation',
    );
    await this.#notify(account, next, s);
  }

  #status(current: EnforcementStatus, s: ReputationStanding): EnforcementStatus {
    const t = this.#settings;
    if (current === 'SHUTDOWN') return current;
    if (s.sends < t.minimumVolume) return current;
    if (s.bounceRate >= t.bouncePause || s.complaintRate >= t.complaintPause) return 'SHUTDOWN';
    if (s.bounceRate >= t.bounceReview || s.complaintRate >= t.complaintReview) return 'PROBATION';
    return 'HEALTHY';
  }

  async #reputationSets(accountId: string): Promise<{ name: string; lastFreshStart: number | null }[]> {
    const out: { name: string; lastFreshStart: number | null }[] = [];
    let after: string | undefined;
    do {
      const page = await this.#store.configurationSets.list(accountId, { after, limit: 1000 });
      for (const c of page.items)
        if (c.options.reputation.metricsEnabled)
          out.push({ name: c.name, lastFreshStart: c.options.reputation.lastFreshStart });
      after = page.next ?? undefined;
    } while (after);
    return out;
  }

  async #notify(account: AccountRecord, status: EnforcementStatus, s: ReputationStanding): Promise<void> {
    const to = account.details?.additionalContactEmailAddresses ?? [];
    const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
    const what =
      status === 'SHUTDOWN'
        ? 'Sending from your account has been paused'
        : status === 'PROBATION'
          ? 'Your account is under review'
          : 'Your account is healthy again';
    const text =
      `${what} (account ${account.id}, enforcement status ${status}).\n\n` +
      `Over the representative window since ${new Date(s.windowStart).toISOString()}: ${s.sends} eligible sends, ` +
      `bounce rate ${pct(s.bounceRate)} (review at ${pct(this.#settings.bounceReview)}, pause at ${pct(this.#settings.bouncePause)}), ` +
      `complaint rate ${pct(s.complaintRate)} (review at ${pct(this.#settings.complaintReview)}, pause at ${pct(this.#settings.complaintPause)}).\n\n` +
      (status === 'SHUTDOWN'
        ? 'Every send is refused until the operator of this Sesame resumes the account.\n'
        : '');
    for (const address of to)
      await this.#systemMail
        .send({ to: address, subject: `Sesame account ${account.id}: ${what.toLowerCase()}`, text })
        .catch((err: unknown) =>
          this.#log.warn({ err, account: account.id }, 'could not send the reputation notice'),
        );
  }
}
