/**
 * A cache of configuration read on hot paths (access keys, accounts, identities). Every change that such
 * data depends on bumps a counter in the database (the epoch); each process polls it and drops its cache when
 * it moves, so a key revoked by the CLI or by another node stops working within one poll interval.
 */
import type { Store } from '../store/store.ts';
import type { ServiceHealth } from './health/service-health.ts';

export class EpochCache {
  readonly #store: Store;
  readonly #health: ServiceHealth | undefined;
  readonly #entries = new Map<string, Promise<unknown>>();
  #epoch = -1;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Store, health?: ServiceHealth) {
    this.#store = store;
    this.#health = health;
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.#entries.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.#entries.set(key, hit);
      hit.catch(() => this.#entries.delete(key));
    }
    return hit;
  }

  /** Records a local change: bumps the shared epoch so other processes follow, and clears this one now. */
  async changed(): Promise<void> {
    this.#entries.clear();
    this.#epoch = await this.#store.meta.bumpEpoch();
  }

  start(intervalMs: number): void {
    const poll = async () => {
      try {
        const epoch = await this.#store.meta.getEpoch();
        if (epoch !== this.#epoch) {
          this.#entries.clear();
          this.#epoch = epoch;
        }
      } catch (err) {
        // The database may be briefly unavailable; keep the cache and try again at the next tick. The poll
        // runs every half second on every node, so it also keeps an outage's episode open while it lasts.
        this.#health?.failure(err, { during: 'configuration poll' });
      }
    };
    void poll();
    this.#timer = setInterval(() => void poll(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
