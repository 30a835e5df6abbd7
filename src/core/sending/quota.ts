/**
 * Sending quotas, counted per recipient as SES counts them (ses-spec.md §6.2): the daily quota over a rolling
 * 24 hours and the maximum send rate. A send is accepted while any quota remains; it then uses up as many
 * units as it has recipients, so a large send makes the next ones wait.
 *
 * The daily count is durable (minute buckets written with each accepted message) and re-read from the
 * database every few seconds, so it holds across restarts and across nodes sharing a database. The send rate
 * is a token bucket in this process.
 */
import type { Store } from '../../store/store.ts';

const DAY = 24 * 3600_000;

interface DailyCount {
  base: number;
  local: number;
  loadedAt: number;
  loading: Promise<void> | undefined;
}

export class QuotaTracker {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #refreshMs: number;
  readonly #daily = new Map<string, DailyCount>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(store: Store, now: () => number, refreshMs = 5000) {
    this.#store = store;
    this.#now = now;
    this.#refreshMs = refreshMs;
  }

  /** Recipients counted in the last 24 hours. */
  async sentLast24Hours(accountId: string): Promise<number> {
    const c = await this.#count(accountId);
    return c.base + c.local;
  }

  /** Whether the daily quota has room left (any room: a send uses it up even past the limit). */
  async dailyAllows(accountId: string, max24HourSend: number): Promise<boolean> {
    if (max24HourSend < 0) return true;
    return (await this.sentLast24Hours(accountId)) < max24HourSend;
  }

  /** Takes `units` from the account's send-rate bucket if it holds at least one token. */
  takeRate(accountId: string, maxSendRate: number, units: number): boolean {
    if (maxSendRate < 0) return true;
    const now = this.#now();
    const capacity = Math.max(1, maxSendRate);
    let b = this.#buckets.get(accountId);
    if (!b) {
      b = { tokens: capacity, at: now };
      this.#buckets.set(accountId, b);
    }
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * maxSendRate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= units;
    return true;
  }

  /** Gives back rate tokens of a send that was refused after taking them. */
  returnRate(accountId: string, units: number): void {
    const b = this.#buckets.get(accountId);
    if (b) b.tokens += units;
  }

  /** Drops what this process counted for an account (its data was deleted: development mode's reset). */
  forget(accountId: string): void {
    this.#daily.delete(accountId);
    this.#buckets.delete(accountId);
  }

  /** Records recipients of a committed send (the durable count is written in the same transaction). */
  counted(accountId: string, recipients: number): void {
    const c = this.#daily.get(accountId);
    if (c) c.local += recipients;
  }

  async #count(accountId: string): Promise<DailyCount> {
    let c = this.#daily.get(accountId);
    const now = this.#now();
    if (!c) {
      c = { base: 0, local: 0, loadedAt: 0, loading: undefined };
      this.#daily.set(accountId, c);
    }
    if (now - c.loadedAt > this.#refreshMs) {
      const entry = c;
      entry.loading ??= (async () => {
        try {
          const base = await this.#store.messages.sentSince(accountId, this.#now() - DAY);
          entry.base = base;
          entry.local = 0;
          entry.loadedAt = this.#now();
        } finally {
          entry.loading = undefined;
        }
      })();
      await entry.loading;
    }
    return c;
  }
}
