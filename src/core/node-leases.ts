/**
 * Singleton work across nodes: this node tries to take (and keeps renewing) a lease per kind of work, and runs
 * that work only while it holds the lease. Another node takes it over when this one stops renewing (it died)
 * or gives it up (it stopped). A node that cannot renew in time stops believing it holds the lease before it
 * expires for the others, so the work never runs on two nodes at once.
 */
import type { Logger } from '../lib/logger.ts';
import type { Store } from '../store/store.ts';

/** The singleton work of a serving node. */
export const SINGLETONS = ['identity-verifier', 'monitor', 'receiving-purge'] as const;
export type Singleton = (typeof SINGLETONS)[number];

export class NodeLeases {
  readonly #store: Store;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  /** Until when this node may act on each lease it holds (renewed at, plus the lease time, less a margin). */
  readonly #held = new Map<Singleton, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: { store: Store; nodeId: string; ttlMs: number; now: () => number; logger: Logger }) {
    this.#store = deps.store;
    this.#nodeId = deps.nodeId;
    this.#ttlMs = deps.ttlMs;
    this.#now = deps.now;
    this.#log = deps.logger;
  }

  /** Whether this node runs that work now. */
  holds(name: Singleton): boolean {
    return (this.#held.get(name) ?? 0) > this.#now();
  }

  /** Takes what is free, then renews every third of the lease time. */
  async start(): Promise<void> {
    await this.#renew();
    this.#timer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  /** Gives up the leases this node holds, so another node takes the work over at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const held = [...this.#held.keys()];
    this.#held.clear();
    for (const name of held) await this.#store.leases.release(name, this.#nodeId).catch(() => undefined);
  }

  async #renew(): Promise<void> {
    for (const name of SINGLETONS) {
      const started = this.#now();
      try {
        const mine = await this.#store.leases.acquire(name, this.#nodeId, started, this.#ttlMs);
        const had = this.holds(name);
        // Counted from before the request: the others count from when it reached the database, later.
        if (mine) this.#held.set(name, started + this.#ttlMs - Math.floor(this.#ttlMs / 10));
        else this.#held.delete(name);
        if (mine !== had)
          this.#log.info({ lease: name, node: this.#nodeId }, mine ? 'lease taken' : 'lease lost');
      } catch {
        // The database is away: what is held runs out on its own (holds() checks the time).
      }
    }
  }
}
