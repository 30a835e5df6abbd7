/**
 * Dispatch: delivers the notification outbox (SNS-style HTTP(S) POSTs of SES events and identity
 * notifications, subscription confirmations) at least once. Owns: claiming due notifications with a lease (so
 * several nodes share the work), per-endpoint concurrency, SNS's HTTP retry policy, and the dead-letter state
 * after the last retry. Never slows sending: it runs apart from the send path and reads only the outbox.
 * Must never build notification content itself: the core formats and signs envelopes.
 */
import type { DispatchPort, NotificationRecord } from '../core/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Store } from '../store/store.ts';

export interface DispatchSettings {
  /** Delay between retries (SNS's default HTTP policy: 20 s). */
  retryDelayMs: number;
  /** Retries after the first attempt (SNS's default: 3). */
  maxRetries: number;
  /** Simultaneous requests to one endpoint. */
  perEndpoint: number;
  /** Simultaneous requests in all. */
  total: number;
  timeoutMs: number;
  /** Idle polling period (other nodes may have queued work). */
  pollMs?: number;
}

const LEASE_MS = 120_000;

export class Dispatcher {
  readonly #core: DispatchPort;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #settings: DispatchSettings;
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, NotificationRecord[]>();
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #claiming = false;
  #stopped = true;

  constructor(deps: { core: DispatchPort; store: Store; logger: Logger; settings: DispatchSettings }) {
    this.#core = deps.core;
    this.#store = deps.store;
    this.#log = deps.logger;
    this.#settings = deps.settings;
  }

  start(): void {
    this.#stopped = false;
    this.#core.onQueued(() => this.wake());
    this.wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Looks for due notifications now. */
  wake(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#claim(), 0);
  }

  async #claim(): Promise<void> {
    if (this.#claiming || this.#stopped) return;
    this.#claiming = true;
    try {
      for (;;) {
        const room = this.#settings.total - this.#inFlight - this.#queued();
        if (room <= 0) break;
        const now = Date.now();
        const claimed = await this.#store.notifications.claimDue(now, now + LEASE_MS, Math.min(room, 200));
        for (const n of claimed) this.#enqueue(n);
        if (claimed.length < Math.min(room, 200)) break;
      }
    } catch (err) {
      if (!this.#core.health.failure(err, { during: 'claiming notifications' }))
        this.#log.warn({ err }, 'could not claim notifications');
    } finally {
      this.#claiming = false;
    }
    if (this.#stopped) return;
    const next = await this.#store.notifications.nextDue().catch(() => null);
    const poll = this.#settings.pollMs ?? 1000;
    const delay = next === null ? poll : Math.min(poll, Math.max(10, next - Date.now()));
    this.#timer = setTimeout(() => void this.#claim(), delay);
    this.#timer.unref();
  }

  #queued(): number {
    let n = 0;
    for (const q of this.#waiting.values()) n += q.length;
    return n;
  }

  #enqueue(n: NotificationRecord): void {
    const q = this.#waiting.get(n.endpoint) ?? [];
    q.push(n);
    this.#waiting.set(n.endpoint, q);
    this.#pump(n.endpoint);
  }

  #pump(endpoint: string): void {
    const q = this.#waiting.get(endpoint);
    while (q && q.length > 0 && (this.#active.get(endpoint) ?? 0) < this.#settings.perEndpoint) {
      const n = q.shift()!;
      this.#active.set(endpoint, (this.#active.get(endpoint) ?? 0) + 1);
      this.#inFlight++;
      void this.#deliver(n).finally(() => {
        this.#inFlight--;
        this.#active.set(endpoint, (this.#active.get(endpoint) ?? 1) - 1);
        this.#pump(endpoint);
        // The endpoint's current queue: `q` may be one that was emptied and replaced since (deleting by it
        // dropped the notifications queued after it, until their lease ran out two minutes later).
        if (this.#waiting.get(endpoint)?.length === 0) this.#waiting.delete(endpoint);
        this.wake();
      });
    }
  }

  async #deliver(n: NotificationRecord): Promise<void> {
    const attempts = n.attempts + 1;
    let error: string;
    let retry = true;
    try {
      if (this.#core.isEmail(n)) {
        await this.#core.deliverEmail(n);
        await this.#store.notifications.markDelivered(n.id, Date.now(), attempts);
        this.#core.telemetry.notificationAttempt('delivered');
        return;
      }
      const { headers, body } = await this.#core.envelope(n);
      const res = await fetch(n.endpoint, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#settings.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await this.#store.notifications.markDelivered(n.id, Date.now(), attempts);
        this.#core.telemetry.notificationAttempt('delivered');
        return;
      }
      error = `HTTP ${res.status}`;
      // As SNS: client errors other than 429 are not retried.
      retry = res.status >= 500 || res.status === 429 || res.status < 400;
    } catch (err) {
      error =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.#settings.timeoutMs} ms`
          : (err as Error).message;
    }
    const dead = !retry || attempts > this.#settings.maxRetries;
    this.#core.telemetry.notificationAttempt(dead ? 'dead' : 'failed');
    try {
      await this.#store.notifications.markFailed(
        n.id,
        attempts,
        dead ? null : Date.now() + this.#settings.retryDelayMs,
        error,
      );
      if (dead)
        this.#log.warn(
          { notification: n.id, endpoint: n.endpoint, attempts, error },
          'notification dead-lettered after its last attempt',
        );
    } catch (err) {
      // The lease runs out and the notification is tried again.
      if (!this.#core.health.failure(err, { during: 'recording a notification attempt' }))
        this.#log.warn({ err, notification: n.id }, 'could not record a notification attempt');
    }
  }
}
