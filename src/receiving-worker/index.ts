/**
 * Runs the actions of received mail: leases messages whose actions are due (several nodes share the work), runs
 * each message's actions in order — verdicts first — and records every action's outcome as it goes, so a crash
 * re-runs at most the action in progress (at least once). A failed action is retried with back-off, and after
 * four hours (SES's limit) it expires and the next action runs. The outside I/O is here: objects into the
 * embedded store or an S3-compatible endpoint, Lambda-style HTTP calls; the rest is the core's.
 */
import { createHmac } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type {
  BucketTarget,
  InboundActionRecord,
  InboundMessageRecord,
  NotificationRecord,
  ReceivingWorkPort,
} from '../core/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { FileObjectStore } from '../lib/object-store.ts';
import type { Store } from '../store/store.ts';

export interface ReceivingWorkerSettings {
  /** This node's id: the owner of the leases it takes. */
  nodeId: string;
  /** Messages whose actions run at once. */
  concurrency: number;
  /** First retry delay of a failed action; doubles per attempt up to 30 minutes. */
  retryBaseMs: number;
  /** After this long since receipt a failing action expires (SES: 4 hours). */
  maxAgeMs: number;
  /** A RequestResponse Lambda call's limit (SES: 30 s); Event calls get the same to answer. */
  functionTimeoutMs: number;
  /** How long received mail and refused attempts are kept; older ones are purged every 10 minutes. */
  retentionMs: number;
  pollMs?: number;
}

const LEASE_MS = 5 * 60_000;

/** A failure that retrying cannot mend (the action's target is gone, the message is too large for it). */
class PermanentFailure extends Error {}

export class ReceivingWorker {
  readonly #core: ReceivingWorkPort;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #objects: FileObjectStore;
  readonly #settings: ReceivingWorkerSettings;
  readonly #s3 = new Map<string, S3Client>();
  #running = 0;
  #claiming = false;
  #timer: NodeJS.Timeout | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;
  #stopped = true;
  readonly #idle = new Set<() => void>();

  constructor(deps: {
    core: ReceivingWorkPort;
    store: Store;
    logger: Logger;
    objects: FileObjectStore;
    settings: ReceivingWorkerSettings;
  }) {
    this.#core = deps.core;
    this.#store = deps.store;
    this.#log = deps.logger;
    this.#objects = deps.objects;
    this.#settings = deps.settings;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#core.onReceived(() => this.wake());
    // A restart (a crash, kill -9) leaves this node's leases behind: nothing of them is running now.
    await this.#store.receiving.releaseLeases(this.#settings.nodeId);
    this.wake();
    const purge = () => {
      if (this.#core.purgesHere()) void this.purge();
    };
    this.#purgeTimer = setInterval(purge, 10 * 60_000);
    this.#purgeTimer.unref();
    purge();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#purgeTimer);
    for (const c of this.#s3.values()) c.destroy();
  }

  /** Resolves when no action is running (tests and shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Deletes received mail (done, past retention) and old refusals; how many messages. */
  async purge(now = Date.now()): Promise<number> {
    try {
      let total = 0;
      for (let n = -1; n !== 0; total += n)
        n = await this.#store.receiving.purge(now, now - this.#settings.retentionMs);
      if (total) this.#log.info({ purged: total }, 'purged received mail past its retention');
      return total;
    } catch (err) {
      if (!this.#core.health.failure(err, { during: 'purging received mail' }))
        this.#log.warn({ err }, 'could not purge received mail');
      return 0;
    }
  }

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
        const room = this.#settings.concurrency - this.#running;
        if (room <= 0) break;
        const now = Date.now();
        const due = await this.#store.receiving.claimDue(now, now + LEASE_MS, room, this.#settings.nodeId);
        if (due.length) {
          const work = await this.#store.receiving.workOf(due);
          for (const m of due)
            void this.#run(m, work.bodies.get(m.id), work.actions.get(`${m.accountId}\n${m.id}`) ?? []);
        }
        if (due.length < room) break;
      }
    } catch (err) {
      if (!this.#core.health.failure(err, { during: 'claiming received mail' }))
        this.#log.warn({ err }, 'could not claim received mail');
    } finally {
      this.#claiming = false;
    }
    if (this.#stopped) return;
    const next = await this.#store.receiving.nextDue().catch(() => null);
    const poll = this.#settings.pollMs ?? 1000;
    const delay = next === null ? poll : Math.min(poll, Math.max(10, next - Date.now()));
    this.#timer = setTimeout(() => void this.#claim(), delay);
    this.#timer.unref();
  }

  async #run(m: InboundMessageRecord, body: Buffer | undefined, jobs: InboundActionRecord[]): Promise<void> {
    this.#running++;
    try {
      await this.#process(m, body, jobs);
    } catch (err) {
      // The lease runs out and the message is taken again.
      if (!this.#core.health.failure(err, { during: 'running receipt actions', messageId: m.id }))
        this.#log.error({ err, messageId: m.id }, 'running the actions of received mail failed; retrying');
    } finally {
      this.#running--;
      if (this.#running === 0) {
        for (const r of this.#idle) r();
        this.#idle.clear();
      }
      // Claims are batched: claim again once half of the places are free (new mail wakes the worker anyway).
      if (!this.#stopped && this.#running <= this.#settings.concurrency / 2) this.wake();
    }
  }

  /**
   * Runs the due actions of one message in order. Progress is committed (with the notifications the actions
   * queued) after an action whose effect must not repeat — a Lambda call, a bounce — when an action is to be
   * retried, and at the end; a crash in between runs the actions since the last commit again (at least once),
   * which for the others (storing an object under the same key, a notification not yet committed) is harmless.
   */
  async #process(
    m: InboundMessageRecord,
    body: Buffer | undefined,
    jobs: InboundActionRecord[],
  ): Promise<void> {
    let touched: InboundActionRecord[] = [];
    let queued: NotificationRecord[] = [];
    if (!body) {
      const left = jobs.slice(m.cursor);
      for (const j of left)
        Object.assign(j, { status: 'failed', lastError: 'the message body is gone', updatedAt: Date.now() });
      Object.assign(m, { cursor: jobs.length, status: 'done', leaseUntil: null, updatedAt: Date.now() });
      await this.#core.record(m, left, []);
      return;
    }
    if (!m.receipt) m.receipt = await this.#core.verdicts(m, body);
    while (m.cursor < jobs.length && !this.#stopped) {
      const job = jobs[m.cursor]!;
      touched.push(job);
      if (m.state.stoppedSet || m.state.stoppedRule === job.ruleName) {
        Object.assign(job, { status: 'skipped', updatedAt: Date.now() });
      } else {
        job.attempts++;
        try {
          const done = await this.#perform(m, job, body);
          job.result = done.result;
          queued = queued.concat(done.notifications);
          Object.assign(job, { status: 'done', lastError: null, updatedAt: Date.now() });
          this.#core.telemetry.inboundAction(job.action.type, 'done');
        } catch (err) {
          job.lastError = err instanceof Error ? err.message : String(err);
          job.updatedAt = Date.now();
          const expired = job.updatedAt - m.receivedAt >= this.#settings.maxAgeMs;
          if (err instanceof PermanentFailure || expired) {
            job.status = expired && !(err instanceof PermanentFailure) ? 'expired' : 'failed';
            this.#core.telemetry.inboundAction(job.action.type, job.status);
            this.#log.warn(
              { messageId: m.id, rule: job.ruleName, action: job.action.type, error: job.lastError },
              job.status === 'expired'
                ? 'a receipt action kept failing for four hours; it has expired'
                : 'a receipt action failed',
            );
          } else {
            this.#core.telemetry.inboundAction(job.action.type, 'retried');
            const delay = Math.min(30 * 60_000, this.#settings.retryBaseMs * 2 ** (job.attempts - 1));
            m.nextAttemptAt = job.updatedAt + delay;
            m.leaseUntil = null;
            m.updatedAt = job.updatedAt;
            await this.#core.record(m, touched, queued);
            return;
          }
        }
      }
      m.cursor++;
      m.updatedAt = job.updatedAt;
      if (m.cursor >= jobs.length) {
        Object.assign(m, { status: 'done', leaseUntil: null, updatedAt: Date.now() });
        await this.#core.record(m, touched, queued);
        return;
      }
      if (job.action.type === 'Lambda' || job.action.type === 'Bounce') {
        await this.#core.record(m, touched, queued);
        touched = [];
        queued = [];
      }
    }
  }

  /** One action: what it produced and the notifications it queued. Throws to retry, PermanentFailure to give up. */
  async #perform(
    m: InboundMessageRecord,
    job: InboundActionRecord,
    body: Buffer,
  ): Promise<{ result: Record<string, unknown>; notifications: NotificationRecord[] }> {
    const a = job.action;
    const alert = async (result: Record<string, unknown>) => ({
      result,
      notifications:
        'topicArn' in a && a.topicArn && a.type !== 'SNS'
          ? await this.#core.notifications(m, job, a.topicArn)
          : [],
    });
    switch (a.type) {
      case 'AddHeader':
        m.state.addedHeaders.push({ name: a.headerName, value: a.headerValue });
        return { result: {}, notifications: [] };
      case 'Stop':
        m.state.stoppedSet = true;
        return alert({});
      case 'S3': {
        const bucket = await this.#core.bucket(a.bucketName);
        if (!bucket || bucket.accountId !== m.accountId)
          throw new PermanentFailure(`No such bucket: ${a.bucketName}`);
        const key = `${a.objectKeyPrefix ?? ''}${m.id}`;
        await this.#put(bucket, key, this.#core.content(m, body));
        return alert({ bucketName: a.bucketName, objectKey: key });
      }
      case 'SNS': {
        const content = this.#core.content(m, body);
        if (content.length > 150 * 1024)
          throw new PermanentFailure('the message is larger than the 150 KB an SNS action publishes');
        const notifications = await this.#core.notifications(m, job, a.topicArn, content);
        return { result: { notifications: notifications.length }, notifications };
      }
      case 'Lambda': {
        const disposition = await this.#invoke(m, job, a.functionArn, a.invocationType);
        if (disposition === 'STOP_RULE') m.state.stoppedRule = job.ruleName;
        if (disposition === 'STOP_RULE_SET') m.state.stoppedSet = true;
        return alert({ disposition });
      }
      case 'Bounce': {
        const messageId = await this.#core.bounce(m, job, body);
        return alert(messageId ? { bounceMessageId: messageId } : { skipped: 'null sender' });
      }
    }
  }

  async #put(bucket: BucketTarget, key: string, content: Buffer): Promise<void> {
    if (!bucket.external) {
      await this.#objects.put(bucket.name, key, content);
      return;
    }
    let client = this.#s3.get(bucket.name);
    if (!client) {
      const e = bucket.external;
      client = new S3Client({
        endpoint: e.endpoint,
        region: e.region,
        credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey },
        forcePathStyle: true,
        // With the SDK's defaults a body is sent aws-chunked with a checksum trailer, and S3-compatible
        // stores that do not decode it keep the framing inside the object: checksums only where required.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
      this.#s3.set(bucket.name, client);
    }
    await client.send(
      new PutObjectCommand({
        Bucket: bucket.name,
        Key: key,
        Body: content,
        ContentLength: content.length,
        ContentType: 'message/rfc822',
      }),
    );
  }

  /**
   * POSTs SES's Lambda event to the function's endpoint, signed: `X-Sesame-Signature: t=<unix time>,
   * v1=<hex HMAC-SHA256 of "<t>.<body>" with the function's secret>`. RequestResponse reads the disposition.
   */
  async #invoke(
    m: InboundMessageRecord,
    job: InboundActionRecord,
    arn: string,
    type: 'Event' | 'RequestResponse',
  ): Promise<string> {
    const fn = await this.#core.function(m.accountId, arn);
    if (!fn) throw new PermanentFailure(`The Lambda function ${arn} is not mapped to an endpoint`);
    const event = this.#core.lambdaEvent(m, job);
    const t = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', fn.secret).update(`${t}.${event}`).digest('hex');
    const res = await fetch(fn.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sesame-signature': `t=${t},v1=${signature}`,
        'x-sesame-function-arn': arn,
        'x-sesame-invocation-type': type,
      },
      body: event,
      signal: AbortSignal.timeout(this.#settings.functionTimeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the function endpoint answered HTTP ${res.status}`);
    if (type === 'Event') return 'CONTINUE';
    let disposition: unknown;
    try {
      disposition = (JSON.parse(text) as { disposition?: unknown } | null)?.disposition;
    } catch {
      disposition = undefined;
    }
    // null or an invalid value means CONTINUE (as SES).
    return disposition === 'STOP_RULE' || disposition === 'STOP_RULE_SET' ? disposition : 'CONTINUE';
  }
}
