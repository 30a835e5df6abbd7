/**
 * Prometheus exposition (prom-client): the telemetry port's counters and histograms, gauges read at scrape time
 * (the MTA's queue per destination, the notification outbox), and the process metrics. Label cardinality is
 * bounded: accounts and destinations beyond the first few are folded into `_other`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import type { Telemetry } from '../../core/index.ts';

/** What the gauges read at scrape time. */
export interface ScrapeSources {
  /** Waiting recipients' items per destination domain, with the accept time of the oldest. */
  queue(): { domain: string; ready: number; delayed: number; oldestAcceptedAt: number | null }[];
  /** Notifications waiting in the outbox and dead-lettered ones. */
  outbox(): Promise<{ pending: number; dead: number }>;
}

const MAX_ACCOUNTS = 100;
const MAX_DESTINATIONS = 50;
export const OTHER_LABEL = '_other';

/** Keeps at most `limit` distinct values of a label; later ones become `_other`. */
class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#limit) return OTHER_LABEL;
    this.#seen.add(value);
    return value;
  }
}

export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  readonly #accounts = new BoundedLabel(MAX_ACCOUNTS);
  readonly #accepted: Counter<'account'>;
  readonly #outcomes: Counter<'account' | 'outcome'>;
  readonly #attempts: Histogram<'result'>;
  readonly #sessions: Gauge<'listener'>;
  readonly #sessionsTotal: Counter<'listener'>;
  readonly #inbound: Counter<'result'>;
  readonly #inboundActions: Counter<'type' | 'status'>;
  readonly #notifications: Counter<'result'>;
  readonly #commits: Histogram<'kind'>;

  constructor(sources: () => ScrapeSources | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'sesame_' });
    // Gauges that prom-client names `_total`, which promtool's lint refuses; the per-type gauges stay.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
      this.registry.removeSingleMetric(`sesame_nodejs_${name}`);
    this.#accepted = new Counter({
      name: 'sesame_messages_accepted_total',
      help: 'Messages accepted (committed) for delivery, by account.',
      labelNames: ['account'],
      registers,
    });
    this.#outcomes = new Counter({
      name: 'sesame_recipients_total',
      help: 'Recipient outcomes recorded after acceptance: delivered, deferred (an attempt to retry), bounced, complained, rejected.',
      labelNames: ['account', 'outcome'],
      registers,
    });
    this.#attempts = new Histogram({
      name: 'sesame_delivery_attempt_duration_seconds',
      help: 'Duration of delivery attempts to destinations, by result (done, deferred for a retry, error).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.#sessions = new Gauge({
      name: 'sesame_smtp_sessions',
      help: 'Open SMTP sessions, by listener.',
      labelNames: ['listener'],
      registers,
    });
    this.#sessionsTotal = new Counter({
      name: 'sesame_smtp_sessions_total',
      help: 'SMTP sessions opened, by listener.',
      labelNames: ['listener'],
      registers,
    });
    this.#inbound = new Counter({
      name: 'sesame_inbound_messages_total',
      help: 'Messages offered to the inbound MX for receipt rules: accepted (committed) or refused.',
      labelNames: ['result'],
      registers,
    });
    this.#inboundActions = new Counter({
      name: 'sesame_inbound_actions_total',
      help: 'Receipt rule actions that ended, by action type and status (done, failed, expired).',
      labelNames: ['type', 'status'],
      registers,
    });
    this.#notifications = new Counter({
      name: 'sesame_notification_attempts_total',
      help: 'Notification deliveries (HTTP POSTs and SNS email), by result: delivered, failed (retried), dead.',
      labelNames: ['result'],
      registers,
    });
    this.#commits = new Histogram({
      name: 'sesame_database_commit_duration_seconds',
      help: 'Duration of group-committed database transactions, by kind.',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const destinations = new BoundedLabel(MAX_DESTINATIONS);
    new Gauge({
      name: 'sesame_queue_recipients',
      help: 'Queued delivery work items (one per message and destination), by destination domain and state (ready, delayed).',
      labelNames: ['destination', 'state'],
      registers,
      collect() {
        this.reset();
        for (const q of sources()?.queue() ?? []) {
          const d = destinations.of(q.domain);
          this.inc({ destination: d, state: 'ready' }, q.ready);
          this.inc({ destination: d, state: 'delayed' }, q.delayed);
        }
      },
    });
    new Gauge({
      name: 'sesame_queue_oldest_age_seconds',
      help: 'Age of the oldest queued message, by destination domain.',
      labelNames: ['destination'],
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        const oldest = new Map<string, number>();
        for (const q of sources()?.queue() ?? []) {
          if (q.oldestAcceptedAt === null) continue;
          const d = destinations.of(q.domain);
          oldest.set(d, Math.min(oldest.get(d) ?? Infinity, q.oldestAcceptedAt));
        }
        for (const [d, t] of oldest) this.set({ destination: d }, Math.max(0, (now - t) / 1000));
      },
    });
    new Gauge({
      name: 'sesame_notification_outbox',
      help: 'Notifications in the outbox: pending (waiting or retrying) and dead-lettered.',
      labelNames: ['state'],
      registers,
      async collect() {
        const o = await sources()?.outbox();
        if (!o) return;
        this.set({ state: 'pending' }, o.pending);
        this.set({ state: 'dead' }, o.dead);
      },
    });
  }

  messagesAccepted(accountId: string, count: number): void {
    this.#accepted.inc({ account: this.#accounts.of(accountId) }, count);
  }

  recipientOutcome(accountId: string, outcome: string, count: number): void {
    this.#outcomes.inc(
      { account: this.#accounts.of(accountId), outcome } as LabelValues<'account' | 'outcome'>,
      count,
    );
  }

  deliveryAttempt(seconds: number, result: string): void {
    this.#attempts.observe({ result }, seconds);
  }

  smtpSession(listener: string, delta: 1 | -1): void {
    this.#sessions.inc({ listener }, delta);
    if (delta > 0) this.#sessionsTotal.inc({ listener });
  }

  inboundMessage(result: string): void {
    this.#inbound.inc({ result });
  }

  inboundAction(type: string, status: string): void {
    this.#inboundActions.inc({ type, status });
  }

  notificationAttempt(result: string): void {
    this.#notifications.inc({ result });
  }

  commit(kind: string, seconds: number): void {
    this.#commits.observe({ kind }, seconds);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
