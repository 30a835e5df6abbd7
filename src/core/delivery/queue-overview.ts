/**
 * The operator's view of delivery across nodes, read from the shared database: every node with its last
 * heartbeat and the queued recipients it owns, and why deferred mail waits (latest replies per destination).
 * Each node's in-memory queue and its pause are the MTA's own (shown per node by the console).
 */
import type { Store } from '../../store/store.ts';

/** A node's MTA beats every 10 s; the others take its work over after three missed beats. */
const ALIVE_WITHIN_MS = 30_000;

/** What a node's traffic shaping does towards one provider from one sending address (its last report). */
export interface ShapingPathReport {
  source: string;
  provider: string;
  connections: number;
  /** null: no limit but SESAME_DESTINATION_CONCURRENCY. */
  connectionLimit: number | null;
  /** `100/s`, `unlimited`, or `suspended` while an automation holds the path. */
  maxMessageRate: string;
  /** null: no limit. */
  maxDeliveriesPerConnection: number | null;
  tls: 'opportunistic' | 'required';
  /** An automation in effect: what it does, until when (ISO), and the reply that set it. */
  throttled: { until: string; action: string; reply: string } | null;
}

export interface NodeView {
  id: string;
  heartbeatAt: number;
  alive: boolean;
  /** Queued recipients this node owns. */
  queued: number;
  /** Its traffic shaping per sending address and provider, as of its last report (mta/shaping/shaper.ts). */
  shaping: ShapingPathReport[] | null;
}

export class QueueOverview {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(deps: { store: Store; now: () => number }) {
    this.#store = deps.store;
    this.#now = deps.now;
  }

  async nodes(): Promise<NodeView[]> {
    const now = this.#now();
    return (await this.#store.messages.nodes()).map((n) => ({
      ...n,
      shaping: n.shaping as ShapingPathReport[] | null,
      alive: n.heartbeatAt >= now - ALIVE_WITHIN_MS,
    }));
  }

  /** The latest deferral replies, grouped by destination and reply (at most `limit` groups). */
  deferrals(limit = 50): Promise<{ domain: string; reply: string; recipients: number; lastAt: number }[]> {
    return this.#store.messages.deferrals(limit);
  }
}
