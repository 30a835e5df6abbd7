/**
 * Sending quotas, counted per recipient as SES counts them (ses-spec.md §6.2): the daily quota over a rolling
 * 24 hours and the maximum send rate. A send is accepted while any quota remains; it then uses up as many
 * units as it has recipients, so a large send makes the next ones wait.
 *
 * Two modes, one contract (never more accepted than the quota allows, across everything sharing the database):
 * - **local** (SQLite: one process writes the file): the check and the count are one synchronous step in this
 *   process — in-flight sends are counted before they commit, so concurrent sends cannot overshoot — and the
 *   durable count (minute buckets of `send_counts`) is written with each accepted message.
 * - **shared** (PostgreSQL: any number of nodes): units are counted in the database *before* the send commits,
 *   under the account's row lock (QuotaStore), so the nodes never count past the quota together. Under load a
 *   node takes units in blocks (so the hot path does not round-trip per message) and spends them locally; what
 *   a block leaves unspent for a second is given back. The send rate is a token bucket in the database taken
 *   the same way.
 */
import type { RateLimitStore, Store } from '../../store/store.ts';

const DAY = 24 * 3600_000;
/** Unspent units of a block go back to the database after this long without a send of the account. */
const IDLE_RELEASE_MS = 1000;
/** The largest block of daily units or rate tokens a node takes at once. */
const MAX_BLOCK = 64;

interface DailyCount {
  base: number;
  /** Units counted by this process since `base` was read (committed, or reserved in shared mode). */
  local: number;
  /** Local mode: units of sends checked and not yet committed or refused. */
  inflight: number;
  loadedAt: number;
  loading: Promise<void> | undefined;
}

/** Shared mode: what this node holds of an account's quotas. */
interface Holding {
  /** Daily units counted in the database and not yet used by a send, and the minute they were counted in. */
  daily: { units: number; at: number }[];
  /** Rate tokens taken from the shared bucket and not spent (negative: a multi-recipient send's debt). */
  rate: number;
  rateAt: number;
  /** Sends of the last second (the block size follows demand). */
  demand: number;
  demandAt: number;
  lastUse: number;
  /** Reservations of one account run one at a time on a node (so its blocks do not multiply). */
  chain: Promise<unknown>;
}

export class QuotaTracker {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #refreshMs: number;
  readonly #shared: boolean;
  readonly #rateLimits: RateLimitStore;
  readonly #daily = new Map<string, DailyCount>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #held = new Map<string, Holding>();
  #releaser: NodeJS.Timeout | undefined;

  constructor(
    store: Store,
    now: () => number,
    options: { shared?: boolean; refreshMs?: number; rateLimits?: RateLimitStore } = {},
  ) {
    this.#store = store;
    this.#rateLimits = options.rateLimits ?? store.quotas;
    this.#now = now;
    this.#shared = options.shared ?? false;
    // Shared mode reads the count only to report it (GetSendQuota); the database enforces the quota.
    this.#refreshMs = options.refreshMs ?? (this.#shared ? 1000 : 5000);
  }

  /** Whether an accepted message's commit writes its quota units (local mode) or they were counted before. */
  get countsAtCommit(): boolean {
    return !this.#shared;
  }

  /** Recipients counted in the last 24 hours (shared mode: as of a few seconds ago, less what this node holds). */
  async sentLast24Hours(accountId: string): Promise<number> {
    const c = await this.#count(accountId);
    const held = this.#held.get(accountId)?.daily.reduce((n, d) => n + d.units, 0) ?? 0;
    return Math.max(0, c.base + c.local - held);
  }

  /**
   * Takes `units` of the daily quota if any remains (the send then uses all of them). Give them back with
   * `returnDaily` when the send is refused later.
   */
  async takeDaily(accountId: string, max24HourSend: number, units: number): Promise<boolean> {
    if (max24HourSend < 0 || units <= 0) return true;
    if (!this.#shared) {
      const c = await this.#count(accountId);
      if (c.base + c.local + c.inflight >= max24HourSend) return false;
      c.inflight += units;
      return true;
    }
    const h = this.#holding(accountId);
    this.#noteDemand(h);
    return this.#serially(h, async () => {
      const now = this.#now();
      const held = h.daily.reduce((n, d) => n + d.units, 0);
      let granted = 0;
      if (held >= units) {
        // Held already: no database round trip.
      } else if (held >= 1)
        // Some quota remains (ours): the send goes, and its other units are counted whatever is left.
        granted = await this.#store.quotas.reserveDaily(
          accountId,
          units - held,
          units - held,
          Number.MAX_SAFE_INTEGER,
          now,
        );
      else {
        const want = units + this.#block(h, max24HourSend);
        granted = await this.#store.quotas.reserveDaily(accountId, units, want, max24HourSend, now);
        if (granted === 0) return false;
      }
      if (granted > 0) {
        h.daily.push({ units: granted, at: now });
        const c = this.#daily.get(accountId);
        if (c) c.local += granted;
      }
      this.#spendDaily(h, units);
      return true;
    });
  }

  /** Gives back daily units of a send that was refused after taking them. */
  returnDaily(accountId: string, units: number): void {
    if (units <= 0) return;
    if (!this.#shared) {
      const c = this.#daily.get(accountId);
      if (c) c.inflight = Math.max(0, c.inflight - units);
      return;
    }
    // Counted in the database already: held for the next send, or given back when the account goes idle.
    this.#holding(accountId).daily.push({ units, at: this.#now() });
  }

  /** Takes `units` from the account's send-rate bucket if it holds at least one token. */
  async takeRate(accountId: string, maxSendRate: number, units: number): Promise<boolean> {
    if (maxSendRate < 0) return true;
    const now = this.#now();
    const capacity = Math.max(1, maxSendRate);
    if (!this.#shared) {
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
    const h = this.#holding(accountId);
    this.#noteDemand(h);
    return this.#serially(h, async () => {
      // Tokens held longer than a second are dropped (never given back: the bucket refilled meanwhile).
      if (h.rate > 0 && this.#now() - h.rateAt > IDLE_RELEASE_MS) h.rate = 0;
      if (h.rate < 1) {
        const want = Math.max(units - h.rate, this.#block(h, capacity));
        const taken = await this.#rateLimits.takeRate(
          accountId,
          Math.max(1, units - h.rate),
          want,
          maxSendRate,
          capacity,
          this.#now(),
        );
        if (taken === 0) return false;
        h.rate += taken;
        h.rateAt = this.#now();
      }
      h.rate -= units;
      return true;
    });
  }

  /** Gives back rate tokens of a send that was refused after taking them. */
  returnRate(accountId: string, units: number): void {
    if (!this.#shared) {
      const b = this.#buckets.get(accountId);
      if (b) b.tokens += units;
      return;
    }
    const h = this.#held.get(accountId);
    if (h) h.rate += units;
  }

  /** Drops what this process counted for an account (its data was deleted: development mode's reset). */
  forget(accountId: string): void {
    this.#daily.delete(accountId);
    this.#buckets.delete(accountId);
    this.#held.delete(accountId);
  }

  /** Records recipients of a committed send (local mode: the durable count is written in the same transaction). */
  counted(accountId: string, recipients: number): void {
    if (this.#shared) return;
    const c = this.#daily.get(accountId);
    if (!c) return;
    c.inflight = Math.max(0, c.inflight - recipients);
    c.local += recipients;
  }

  /** Shared mode: gives back unspent daily units of idle accounts, every second. */
  start(): void {
    if (!this.#shared || this.#releaser) return;
    this.#releaser = setInterval(() => void this.#releaseIdle(false), IDLE_RELEASE_MS);
    this.#releaser.unref();
  }

  /** Gives back every unspent unit (a node stopping leaves nothing counted that it did not send). */
  async stop(): Promise<void> {
    clearInterval(this.#releaser);
    this.#releaser = undefined;
    await this.#releaseIdle(true);
  }

  async #releaseIdle(all: boolean): Promise<void> {
    const now = this.#now();
    for (const [accountId, h] of this.#held) {
      if (!all && now - h.lastUse < IDLE_RELEASE_MS) continue;
      await this.#serially(h, async () => {
        const give = h.daily.splice(0);
        for (const d of give) {
          if (d.at < now - DAY) continue;
          await this.#store.quotas.releaseDaily(accountId, d.at, d.units).catch((err: unknown) => {
            // Kept counted (a send refused for it later is the safe side); tried again at the next tick.
            h.daily.push(d);
            throw err;
          });
          const c = this.#daily.get(accountId);
          if (c) c.local -= d.units;
        }
      }).catch(() => undefined);
    }
  }

  #holding(accountId: string): Holding {
    let h = this.#held.get(accountId);
    if (!h) {
      h = { daily: [], rate: 0, rateAt: 0, demand: 0, demandAt: 0, lastUse: 0, chain: Promise.resolve() };
      this.#held.set(accountId, h);
    }
    return h;
  }

  #serially<T>(h: Holding, fn: () => Promise<T>): Promise<T> {
    const run = h.chain.then(fn, fn);
    h.chain = run.catch(() => undefined);
    return run;
  }

  #noteDemand(h: Holding): void {
    const now = this.#now();
    h.lastUse = now;
    if (now - h.demandAt > 1000) {
      h.demand = 0;
      h.demandAt = now;
    }
    h.demand++;
  }

  /**
   * How many units beyond this send to take: none at low demand (every count exact), more as sends come
   * faster, and never more than a hundredth of the limit (what a block can leave unspent on one node).
   */
  #block(h: Holding, limit: number): number {
    return Math.max(0, Math.min(MAX_BLOCK, Math.floor(h.demand / 4), Math.floor(limit / 100)));
  }

  #spendDaily(h: Holding, units: number): void {
    h.lastUse = this.#now();
    let left = units;
    while (left > 0 && h.daily.length) {
      const d = h.daily[0]!;
      const used = Math.min(d.units, left);
      d.units -= used;
      left -= used;
      if (d.units === 0) h.daily.shift();
    }
  }

  async #count(accountId: string): Promise<DailyCount> {
    let c = this.#daily.get(accountId);
    const now = this.#now();
    if (!c) {
      c = { base: 0, local: 0, inflight: 0, loadedAt: 0, loading: undefined };
      this.#daily.set(accountId, c);
    }
    if (now - c.loadedAt > this.#refreshMs) {
      const entry = c;
      entry.loading ??= (async () => {
        try {
          // What this process counts while the read runs stays counted (twice at worst: the safe side).
          const before = entry.local;
          const base = await this.#store.messages.sentSince(accountId, this.#now() - DAY);
          entry.base = base;
          entry.local -= before;
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
