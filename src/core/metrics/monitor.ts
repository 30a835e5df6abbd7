/**
 * The monitoring schedule of a serving node: alarm evaluation, reputation and the purge of metric buckets past
 * their retention, every interval. Several nodes may run it at once: an alarm changes state only from the state
 * it was read in, and reputation changes only from the status it was read in, so a second evaluator would
 * find nothing to do — but the scheduled round runs only on the node holding the `monitor` lease.
 */
import type { Logger } from '../../lib/logger.ts';
import type { Store } from '../../store/store.ts';
import type { AlarmService } from './alarms.ts';
import { HOUR_RETENTION_MS, MINUTE_RETENTION_MS } from './metric-series.ts';
import type { ReputationMonitor } from './reputation.ts';

export class MonitorSchedule {
  readonly #store: Store;
  readonly #alarms: AlarmService;
  readonly #reputation: ReputationMonitor;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #health: { failure(err: unknown, context: Record<string, unknown>): unknown };
  readonly #runsHere: () => boolean;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: {
    store: Store;
    alarms: AlarmService;
    reputation: ReputationMonitor;
    logger: Logger;
    health: { failure(err: unknown, context: Record<string, unknown>): unknown };
    now: () => number;
    /** Whether this node holds the monitor's lease (the scheduled round runs on one node). */
    runsHere?: () => boolean;
  }) {
    this.#runsHere = deps.runsHere ?? (() => true);
    this.#store = deps.store;
    this.#alarms = deps.alarms;
    this.#reputation = deps.reputation;
    this.#log = deps.logger;
    this.#health = deps.health;
    this.#now = deps.now;
  }

  start(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => {
      if (this.#runsHere()) void this.runOnce();
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round (skipped while the previous one still runs). */
  runOnce(): Promise<void> {
    this.#running ??= this.#round().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #round(): Promise<void> {
    for (const [what, step] of [
      ['reputation', () => this.#reputation.evaluateAll()],
      ['alarms', () => this.#alarms.evaluateAll()],
      [
        'metric purge',
        () => this.#store.metrics.purge(this.#now() - MINUTE_RETENTION_MS, this.#now() - HOUR_RETENTION_MS),
      ],
    ] as const) {
      try {
        await step();
      } catch (err) {
        if (!this.#health.failure(err, { during: what }))
          this.#log.error({ err }, `monitoring: ${what} failed`);
      }
    }
  }
}
