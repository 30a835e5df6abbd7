/**
 * The outbound MTA. Owns: the scheduled queue, MX routing, SMTP delivery with DKIM, bounce classification,
 * retries, VERP return paths and the mail that comes back to them, and the node's claim on queued work
 * (heartbeat, take-over of dead nodes' work). Reaches the core through its port (core/ports.ts MtaPort:
 * accepted messages in, delivery outcomes and feedback out) and reads its own queue entries through the store
 * interface at start-up. Must never decide SES policy (quotas, identities, events): the core does.
 */
import { messageTime } from '../lib/ids.ts';
import type { AcceptedMessage, InboundMailPort, MtaPort } from '../core/index.ts';
import type { DnsResolver } from '../lib/dns.ts';
import type { Logger } from '../lib/logger.ts';
import type { Store } from '../store/store.ts';
import { Deliverer, type DeliverySettings, type SessionHolder, type WorkItem } from './delivery/deliverer.ts';
import { MxResolver } from './dns/mx.ts';
import { IdleSessions } from './delivery/idle-sessions.ts';
import { KnownItems } from './queue/known-items.ts';
import { Scheduler } from './queue/scheduler.ts';
import { ReturnPathInbox } from './return-path/inbox.ts';
import { ReturnPathCodec } from './return-path/verp.ts';
import { buildRules, type ShapingInput } from './shaping/rules.ts';
import { Shaper } from './shaping/shaper.ts';

export interface MtaSettings extends DeliverySettings {
  nodeId: string;
  perDestination: number;
  total: number;
  paused: boolean;
  /** SQLite: this is the only node, so at start it takes every queued recipient, whoever held it. */
  singleNode: boolean;
  heartbeatMs?: number;
  payloadBudget?: number;
  /** How long a connection stays open after its destination's queue ran dry (0: close at once). */
  connectionIdleMs?: number;
  /** The operator's shaping file, over Sesame's defaults (rules.ts). */
  shaping?: ShapingInput | undefined;
}

const PAGE = 5000;

export class Mta {
  readonly #core: MtaPort;
  /** VERP return paths: encoded for every delivery, decoded for the mail that comes back. */
  readonly returnPaths: ReturnPathCodec;
  /** What the inbound MX hands the mail for return paths to. */
  readonly returnPathInbox: InboundMailPort;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #settings: MtaSettings;
  readonly #deliverer: Deliverer;
  /** Traffic shaping per sending address and provider (limits, automation in effect). */
  readonly shaper: Shaper;
  #lastShapingReport: string | undefined;
  readonly #scheduler: Scheduler;
  readonly #known = new KnownItems();
  readonly #idle: IdleSessions;
  #heartbeat: NodeJS.Timeout | undefined;
  /** When this node last recorded its heartbeat; late beats hold delivery (`#fenced`) until reconciled. */
  #lastBeat = Date.now();
  #fenced = false;
  #pausedByOperator = false;
  #stopped = false;

  constructor(deps: {
    core: MtaPort;
    store: Store;
    dns: DnsResolver;
    logger: Logger;
    /** Key of the VERP return paths' MACs (derived from the master key, so every node shares it). */
    returnPathKey: Buffer;
    settings: MtaSettings;
  }) {
    this.#core = deps.core;
    this.#store = deps.store;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    this.returnPaths = new ReturnPathCodec(deps.returnPathKey);
    this.returnPathInbox = new ReturnPathInbox({
      core: deps.core,
      codec: this.returnPaths,
      logger: deps.logger,
    });
    this.shaper = new Shaper(buildRules(deps.settings.shaping), {
      // Automation took effect (or ended): tell the other nodes and `sesame queue` now, not at the next beat.
      onChange: () => void this.#reportShaping(),
    });
    this.#deliverer = new Deliverer({
      core: deps.core,
      returnPaths: this.returnPaths,
      mx: new MxResolver(deps.dns),
      settings: deps.settings,
      logger: deps.logger,
      shaper: this.shaper,
    });
    this.#idle = new IdleSessions(deps.settings.connectionIdleMs ?? 2000, deps.settings.perDestination);
    this.#scheduler = new Scheduler(
      {
        perDestination: deps.settings.perDestination,
        total: deps.settings.total,
        payloadBudget: deps.settings.payloadBudget ?? 256 * 1024 * 1024,
      },
      (domain, next) => this.#work(domain, next),
      deps.settings.paused,
    );
    this.#pausedByOperator = deps.settings.paused;
  }

  /** Takes this node's queued work (and dead nodes'), then follows accepted messages. */
  async start(): Promise<void> {
    this.#core.onAccepted((accepted) => this.#enqueueAccepted(accepted));
    const hb = this.#settings.heartbeatMs ?? 10_000;
    await this.#store.messages.heartbeat(this.#settings.nodeId, Date.now());
    this.#lastBeat = Date.now();
    const taken = await this.#store.messages.claimOrphans(
      this.#settings.nodeId,
      Date.now() - 3 * hb,
      this.#settings.singleNode,
    );
    const loaded = await this.#loadQueued();
    this.#log.info({ loaded, takenOver: taken, paused: this.#scheduler.paused }, 'delivery queue loaded');
    this.#heartbeat = setInterval(() => void this.#beat(hb), hb);
    this.#heartbeat.unref();
  }

  /**
   * After stop(), once nothing is accepted any more: hands this node's queued work back to the others (several
   * nodes), so they deliver it at their next heartbeat instead of after the lease.
   */
  async handBack(): Promise<void> {
    if (this.#settings.singleNode) return;
    const n = await this.#store.messages.handBack(this.#settings.nodeId);
    if (n > 0) this.#log.info({ recipients: n }, 'queued deliveries handed back to the other nodes');
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    this.#scheduler.stop();
    this.#idle.closeAll();
  }

  /** Whether delivery is held on this node (SESAME_DELIVERY_PAUSED, or paused from the console). */
  get paused(): boolean {
    return this.#pausedByOperator;
  }

  pause(): void {
    this.#pausedByOperator = true;
    this.#scheduler.pause();
  }

  resume(): void {
    this.#pausedByOperator = false;
    if (!this.#fenced) this.#scheduler.resume();
  }

  /** Queued work per destination domain, with the accept time of its oldest message (for /metrics). */
  queueByDestination(): {
    domain: string;
    ready: number;
    delayed: number;
    oldestAcceptedAt: number | null;
  }[] {
    return this.#scheduler.byDestination().map((d) => ({
      domain: d.domain,
      ready: d.ready,
      delayed: d.delayed,
      oldestAcceptedAt: messageTime(d.oldestMessageId),
    }));
  }

  get stats(): { ready: number; delayed: number; active: number } {
    return this.#scheduler.stats;
  }

  #enqueueAccepted(accepted: AcceptedMessage): void {
    const byDomain = new Map<string, number[]>();
    for (const r of accepted.recipients) {
      if (r.status !== 'queued') continue;
      byDomain.set(r.domain, [...(byDomain.get(r.domain) ?? []), r.index]);
    }
    // A body that is a view of a larger buffer (Node pools small allocations) would keep all of it alive:
    // keep a copy in a buffer of its own (allocUnsafeSlow never uses the pool).
    let body = accepted.body;
    if (body.byteLength !== body.buffer.byteLength) {
      body = Buffer.allocUnsafeSlow(accepted.body.length);
      accepted.body.copy(body);
    }
    const payload = { message: accepted.message, body, recipients: accepted.recipients };
    for (const [domain, indices] of byDomain)
      this.#add({ messageId: accepted.message.id, domain, indices, attempts: 0, dueAt: Date.now(), payload });
  }

  #add(item: WorkItem): void {
    this.#known.add(item.messageId, item.domain);
    this.#scheduler.add(item);
  }

  async #work(domain: string, next: () => WorkItem | undefined): Promise<void> {
    const holder: SessionHolder = { session: this.#idle.take(domain) };
    try {
      for (let item = next(); item; item = next()) {
        if (!this.#mayDeliver()) {
          // Held with the rest until the next heartbeat says what is still this node's.
          this.#scheduler.add(item);
          break;
        }
        let retry: WorkItem | undefined;
        const started = performance.now();
        try {
          retry = await this.#deliverer.deliver(item, holder);
          this.#core.telemetry.deliveryAttempt(
            (performance.now() - started) / 1000,
            retry ? 'deferred' : 'done',
          );
        } catch (err) {
          this.#core.telemetry.deliveryAttempt((performance.now() - started) / 1000, 'error');
          if (!this.#core.health.failure(err, { during: 'delivery', messageId: item.messageId }))
            this.#log.error(
              { err, messageId: item.messageId, domain },
              'delivery attempt failed unexpectedly; retrying later',
            );
          retry = { ...item, dueAt: Date.now() + 30_000 };
        }
        if (retry && !this.#stopped) this.#scheduler.add(retry);
        else this.#known.delete(item.messageId, item.domain);
      }
    } finally {
      if (holder.session && !this.#stopped) this.#idle.park(domain, holder.session);
      else holder.session?.close();
    }
  }

  /** After late heartbeats: drops waiting work another node took over, loads what is ours, resumes. */
  async #keepOnlyOwnWork(): Promise<void> {
    const own = new Set<string>();
    let after: { messageId: string; index: number } | null = null;
    for (;;) {
      const page = await this.#store.messages.queued(this.#settings.nodeId, after, PAGE);
      if (page.length === 0) break;
      for (const r of page) own.add(`${r.messageId}|${r.domain}`);
      const last = page.at(-1)!;
      after = { messageId: last.messageId, index: last.index };
    }
    const dropped = this.#scheduler.retain((item) => own.has(`${item.messageId}|${item.domain}`));
    for (const item of dropped) this.#known.delete(item.messageId, item.domain);
    await this.#loadQueued();
    this.#fenced = false;
    if (!this.#pausedByOperator) this.#scheduler.resume();
    this.#log.warn(
      { dropped: dropped.length },
      'heartbeats back: delivery resumed with this node’s own work',
    );
  }

  /** Loads this node's queued recipients in pages, grouped into (message, domain) items. */
  async #loadQueued(): Promise<number> {
    let after: { messageId: string; index: number } | null = null;
    let count = 0;
    for (;;) {
      const page = await this.#store.messages.queued(this.#settings.nodeId, after, PAGE);
      if (page.length === 0) break;
      const items = new Map<string, WorkItem>();
      for (const r of page) {
        const key = `${r.messageId}|${r.domain}`;
        if (this.#known.has(r.messageId, r.domain) && !items.has(key)) continue;
        const item = items.get(key);
        if (item) {
          item.indices.push(r.index);
          item.attempts = Math.max(item.attempts, r.attempts);
          item.dueAt = Math.min(item.dueAt, r.nextAttemptAt ?? Date.now());
        } else
          items.set(key, {
            messageId: r.messageId,
            domain: r.domain,
            indices: [r.index],
            attempts: r.attempts,
            dueAt: r.nextAttemptAt ?? Date.now(),
          });
      }
      for (const item of items.values()) this.#add(item);
      count += page.length;
      const last = page.at(-1)!;
      after = { messageId: last.messageId, index: last.index };
    }
    return count;
  }

  /**
   * Whether this node may start a delivery: others take a node's work over after three missed beats, so after
   * two (the process stalled, or could not reach the database) it holds delivery until a heartbeat gets
   * through and it knows what is still its own.
   */
  #mayDeliver(): boolean {
    if (this.#settings.singleNode || this.#fenced) return !this.#fenced;
    const hb = this.#settings.heartbeatMs ?? 10_000;
    if (Date.now() - this.#lastBeat <= 2 * hb) return true;
    this.#fenced = true;
    this.#scheduler.pause();
    this.#log.warn({ sinceLastBeatMs: Date.now() - this.#lastBeat }, 'heartbeats late: delivery held');
    return false;
  }

  async #reportShaping(): Promise<void> {
    // Written when it changed, not at every heartbeat (an idle node's report stays as it was).
    const report = this.shaper.status();
    const text = JSON.stringify(report);
    if (text === this.#lastShapingReport) return;
    try {
      await this.#store.messages.setNodeShaping(this.#settings.nodeId, report);
      this.#lastShapingReport = text;
    } catch (err) {
      if (!this.#core.health.failure(err, { during: 'shaping report' }))
        this.#log.warn({ err }, 'could not record the traffic shaping status');
    }
  }

  async #beat(hb: number): Promise<void> {
    try {
      this.#mayDeliver();
      await this.#store.messages.heartbeat(this.#settings.nodeId, Date.now());
      this.#lastBeat = Date.now();
      await this.#reportShaping();
      if (this.#settings.singleNode) return;
      if (this.#fenced) await this.#keepOnlyOwnWork();
      // Take over the queued work of nodes that stopped beating.
      const taken = await this.#store.messages.claimOrphans(
        this.#settings.nodeId,
        Date.now() - 3 * hb,
        false,
      );
      if (taken > 0) {
        this.#log.warn({ taken }, 'took over queued deliveries of a node that stopped');
        await this.#loadQueued();
      }
    } catch (err) {
      if (!this.#core.health.failure(err, { during: 'heartbeat' }))
        this.#log.warn({ err }, 'heartbeat failed');
    }
  }
}
