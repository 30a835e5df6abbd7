/**
 * Messages, their queue entries (recipients) and events. The two write paths — accepting a message and
 * recording delivery outcomes — are group-committed: concurrent calls share one transaction and one fsync.
 * On SQLite they run as prepared statements in one synchronous better-sqlite3 transaction (taken under
 * Kysely's connection lock so nothing interleaves); on PostgreSQL as multi-row statements in one transaction.
 */
import type Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../lib/group-commit.ts';
import { readSpooled } from './body-spool.ts';
import {
  derivedSendEvent,
  eventMail,
  eventRow,
  messageRow,
  recipientRow,
  rowToEvent,
  rowToMessage,
  rowToRecipient,
  storedEvents,
  updateRow,
} from './message-rows.ts';
import { notificationRow } from './notification-store.ts';
import type { SqliteWriterThread } from './dialects/sqlite-writer.ts';
import {
  sqliteWriteTransactions,
  type AcceptRows,
  type OutcomeRows,
} from './dialects/sqlite-writer-worker.ts';
import type { Database as Schema } from './schema.ts';
import { counterRows, dimensionRows, type CounterRow, type DimensionRow } from './metric-rows.ts';
import { METRIC_COLUMNS } from './interface/metrics.ts';
import type {
  AcceptedMessage,
  DeliveryOutcomes,
  EventRecord,
  MessageRecord,
  MessageSearch,
  MessageStore,
  RecipientRecord,
} from './store.ts';

const MINUTE = 60_000;

export const bucketOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

/** Per (account, minute) recipient counts of a batch, summed. */
function quotaCounts(batch: AcceptedMessage[]): { account: string; bucket: number; count: number }[] {
  const sums = new Map<string, { account: string; bucket: number; count: number }>();
  for (const a of batch) {
    if (a.quotaRecipients <= 0) continue;
    const bucket = bucketOf(a.message.createdAt);
    const key = `${a.message.accountId}\n${bucket}`;
    const entry = sums.get(key);
    if (entry) entry.count += a.quotaRecipients;
    else sums.set(key, { account: a.message.accountId, bucket, count: a.quotaRecipients });
  }
  return [...sums.values()];
}

interface Writer {
  accept(batch: AcceptedMessage[]): Promise<void>;
  outcomes(batch: DeliveryOutcomes[]): Promise<void>;
}

function acceptRows(batch: AcceptedMessage[]): AcceptRows {
  return {
    messages: batch.map((a) => messageRow(a.message) as unknown as Record<string, unknown>),
    bodies: batch.map((a) => ({ message_id: a.message.id, body: a.body })),
    recipients: batch.flatMap((a) =>
      a.recipients.map((r) => recipientRow(r) as unknown as Record<string, unknown>),
    ),
    events: batch.flatMap((a) =>
      storedEvents(a).map((e) => eventRow(e) as unknown as Record<string, unknown>),
    ),
    notifications: batch.flatMap((a) =>
      (a.notifications ?? []).map((n) => notificationRow(n) as unknown as Record<string, unknown>),
    ),
    counts: quotaCounts(batch),
    metrics: counterRows(batch.flatMap((a) => a.metrics ?? [])),
    dimensionMetrics: dimensionRows(batch.flatMap((a) => a.dimensionMetrics ?? [])),
  };
}

function outcomeRows(batch: DeliveryOutcomes[], now: number): OutcomeRows {
  return {
    updates: batch.flatMap((o) => o.recipients.map((u) => updateRow(u, now))),
    events: batch.flatMap((o) => o.events.map((e) => eventRow(e) as unknown as Record<string, unknown>)),
    notifications: batch.flatMap((o) =>
      (o.notifications ?? []).map((n) => notificationRow(n) as unknown as Record<string, unknown>),
    ),
    metrics: counterRows(batch.flatMap((o) => o.metrics ?? [])),
    dimensionMetrics: dimensionRows(batch.flatMap((o) => o.dimensionMetrics ?? [])),
  };
}

/** PostgreSQL: the counter and dimension upserts of one transaction (rows arrive sorted by key). */
async function upsertMetrics(
  trx: Kysely<Schema>,
  metrics: CounterRow[],
  dims: DimensionRow[],
): Promise<void> {
  if (metrics.length)
    await trx
      .insertInto('metric_counts')
      .values(metrics as never)
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'span', 'bucket', 'configuration_set', 'identity', 'isp'])
          .doUpdateSet(
            Object.fromEntries(
              METRIC_COLUMNS.map((c) => [c, sql`metric_counts.${sql.ref(c)} + excluded.${sql.ref(c)}`]),
            ),
          ),
      )
      .execute();
  if (dims.length)
    await trx
      .insertInto('metric_dimension_counts')
      .values(dims)
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'metric', 'dimensions', 'span', 'bucket'])
          .doUpdateSet((eb) => ({ count: sql`metric_dimension_counts.count + ${eb.ref('excluded.count')}` })),
      )
      .execute();
}

/**
 * SQLite: prepared statements in one transaction per batch — on the writer thread for a database file, in
 * this thread (under Kysely's connection lock, so nothing interleaves) for an in-memory database.
 */
function sqliteWriter(
  db: Kysely<Schema>,
  raw: Database.Database,
  thread: SqliteWriterThread | undefined,
): Writer {
  if (thread)
    return {
      accept: async (batch) => void (await thread.run({ kind: 'accept', rows: acceptRows(batch) })),
      outcomes: async (batch) =>
        void (await thread.run({ kind: 'outcomes', rows: outcomeRows(batch, Date.now()) })),
    };
  const write = sqliteWriteTransactions(raw);
  return {
    accept: (batch) => db.connection().execute(async () => write.accept(acceptRows(batch))),
    outcomes: (batch) => db.connection().execute(async () => write.outcomes(outcomeRows(batch, Date.now()))),
  };
}

/** Multi-row statements in one PostgreSQL transaction per batch. */
function postgresWriter(db: Kysely<Schema>): Writer {
  return {
    async accept(batch) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('messages')
          .values(batch.map((a) => messageRow(a.message)))
          .execute();
        await trx
          .insertInto('message_bodies')
          .values(batch.map((a) => ({ message_id: a.message.id, body: a.body })))
          .execute();
        const recipients = batch.flatMap((a) => a.recipients.map(recipientRow));
        for (let i = 0; i < recipients.length; i += 5000)
          await trx
            .insertInto('recipients')
            .values(recipients.slice(i, i + 5000))
            .execute();
        const events = batch.flatMap((a) => storedEvents(a).map(eventRow));
        if (events.length) await trx.insertInto('events').values(events).execute();
        const notifications = batch.flatMap((a) => (a.notifications ?? []).map(notificationRow));
        if (notifications.length)
          await trx.insertInto('notification_deliveries').values(notifications).execute();
        const counts = quotaCounts(batch);
        if (counts.length)
          await trx
            .insertInto('send_counts')
            .values(counts.map((q) => ({ account_id: q.account, bucket: q.bucket, count: q.count })))
            .onConflict((oc) =>
              oc
                .columns(['account_id', 'bucket'])
                .doUpdateSet((eb) => ({ count: sql`send_counts.count + ${eb.ref('excluded.count')}` })),
            )
            .execute();
        await upsertMetrics(
          trx,
          counterRows(batch.flatMap((a) => a.metrics ?? [])),
          dimensionRows(batch.flatMap((a) => a.dimensionMetrics ?? [])),
        );
      });
    },
    async outcomes(batch) {
      const now = Date.now();
      const updates = batch.flatMap((o) => o.recipients).map((u) => updateRow(u, now));
      const events = batch.flatMap((o) => o.events.map(eventRow));
      const notifications = batch.flatMap((o) => (o.notifications ?? []).map(notificationRow));
      await db.transaction().execute(async (trx) => {
        if (updates.length) {
          const values = sql.join(
            updates.map(
              (u) =>
                sql`(${u.message_id}, ${u.idx}::integer, ${u.status}, ${u.attempts}::integer, ${u.next_attempt_at}::bigint, ${u.last_response}, ${u.updated_at}::bigint)`,
            ),
          );
          await sql`update recipients as r set status = v.status, attempts = v.attempts, next_attempt_at = v.next_attempt_at,
              last_response = v.last_response, updated_at = v.updated_at
            from (values ${values}) as v(message_id, idx, status, attempts, next_attempt_at, last_response, updated_at)
            where r.message_id = v.message_id and r.idx = v.idx`.execute(trx);
        }
        if (events.length) await trx.insertInto('events').values(events).execute();
        if (notifications.length)
          await trx.insertInto('notification_deliveries').values(notifications).execute();
        await upsertMetrics(
          trx,
          counterRows(batch.flatMap((o) => o.metrics ?? [])),
          dimensionRows(batch.flatMap((o) => o.dimensionMetrics ?? [])),
        );
      });
    },
  };
}

export class KyselyMessageStore implements MessageStore {
  readonly #db: Kysely<Schema>;
  readonly #dialect: 'sqlite' | 'postgres';
  /** A SQLite file's body spool (bodies written by its writer thread); none in memory or on PostgreSQL. */
  readonly #spoolDir: string | undefined;
  /** Items are the messages of one call (one, or a bulk send's), so a call never spans two transactions. */
  readonly #accepts: GroupCommit<AcceptedMessage[]>;
  readonly #outcomes: GroupCommit<DeliveryOutcomes>;
  #writer: Writer | undefined;

  constructor(
    db: Kysely<Schema>,
    dialect: 'sqlite' | 'postgres',
    raw: Database.Database | undefined,
    thread: () => SqliteWriterThread | undefined,
    spoolDir: string | undefined,
    onCommit: (kind: string, seconds: number) => void = () => undefined,
  ) {
    this.#db = db;
    this.#spoolDir = spoolDir;
    const timed =
      <T>(kind: string, run: (batch: T) => Promise<void>) =>
      async (batch: T) => {
        const started = performance.now();
        await run(batch);
        onCommit(kind, (performance.now() - started) / 1000);
      };
    this.#dialect = dialect;
    // Statements are prepared on first use: the tables exist only once migrations have run.
    const w = () => (this.#writer ??= raw ? sqliteWriter(db, raw, thread()) : postgresWriter(db));
    // On SQLite the next batch waits in the writer thread's queue while the current one commits (accepted
    // messages are independent of each other). On PostgreSQL one at a time: two transactions bumping the same
    // send counters could deadlock.
    this.#accepts = new GroupCommit(
      timed('accept', (batch: AcceptedMessage[][]) => w().accept(batch.flat())),
      500,
      dialect === 'sqlite' ? 2 : 1,
    );
    this.#outcomes = new GroupCommit(
      timed('outcomes', (batch: DeliveryOutcomes[]) => w().outcomes(batch)),
      500,
    );
  }

  accept(message: AcceptedMessage): Promise<void> {
    return this.#accepts.submit([message]);
  }

  acceptAll(messages: AcceptedMessage[]): Promise<void> {
    return messages.length ? this.#accepts.submit(messages) : Promise.resolve();
  }

  recordOutcomes(outcomes: DeliveryOutcomes): Promise<void> {
    return this.#outcomes.submit(outcomes);
  }

  async get(id: string): Promise<MessageRecord | null> {
    const r = await this.#db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? rowToMessage(r) : null;
  }

  async search(q: MessageSearch): Promise<MessageRecord[]> {
    const contains = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', q.accountId)
      .$if(q.messageId !== undefined, (w) => w.where('id', '=', q.messageId!))
      .$if(q.since !== undefined, (w) => w.where('created_at', '>=', q.since!))
      .$if(q.before !== undefined, (w) => w.where('created_at', '<', q.before!))
      .$if(q.sender !== undefined, (w) =>
        w.where(sql<boolean>`lower(source) like ${contains(q.sender!)} escape '\\'`),
      )
      .$if(q.recipient !== undefined, (w) =>
        w.where((eb) =>
          eb.exists(
            eb
              .selectFrom('recipients')
              .select(sql.lit(1).as('one'))
              .whereRef('recipients.message_id', '=', 'messages.id')
              .where(sql<boolean>`lower(address) like ${contains(q.recipient!)} escape '\\'`),
          ),
        ),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.map(rowToMessage);
  }

  async body(id: string): Promise<Buffer | null> {
    if (this.#spoolDir) {
      const m = await this.#db
        .selectFrom('messages')
        .select(['body_segment', 'body_offset', 'body_length'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!m) return null;
      if (m.body_segment !== null)
        return readSpooled(this.#spoolDir, {
          segment: m.body_segment,
          offset: Number(m.body_offset),
          length: Number(m.body_length),
        });
    }
    const r = await this.#db
      .selectFrom('message_bodies')
      .select('body')
      .where('message_id', '=', id)
      .executeTakeFirst();
    return r ? Buffer.from(r.body) : null;
  }

  async recipients(messageId: string): Promise<RecipientRecord[]> {
    const rows = await this.#db
      .selectFrom('recipients')
      .selectAll()
      .where('message_id', '=', messageId)
      .orderBy('idx')
      .execute();
    return rows.map(rowToRecipient);
  }

  async events(messageId: string): Promise<EventRecord[]> {
    const [message, rows] = await Promise.all([
      this.#db
        .selectFrom('messages')
        .select(['account_id', 'created_at', 'mail', 'tags', 'operation'])
        .where('id', '=', messageId)
        .executeTakeFirst(),
      this.#db
        .selectFrom('events')
        .selectAll()
        .where('message_id', '=', messageId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    ]);
    const mail = message ? eventMail(message) : undefined;
    const events = rows.map((r) => rowToEvent(r, mail));
    if (message && mail && message.operation !== 'system' && !events.some((e) => e.type === 'Send')) {
      // In time order, before the events of the same millisecond (a Rendering Failure at acceptance).
      const send = derivedSendEvent(messageId, message, mail);
      const at = events.findIndex((e) => e.createdAt >= send.createdAt);
      events.splice(at < 0 ? events.length : at, 0, send);
    }
    return events;
  }

  async sentSince(accountId: string, since: number): Promise<number> {
    const r = await this.#db
      .selectFrom('send_counts')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .where('account_id', '=', accountId)
      .where('bucket', '>=', bucketOf(since))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async queued(
    owner: string,
    after: { messageId: string; index: number } | null,
    limit: number,
  ): Promise<RecipientRecord[]> {
    const rows = await this.#db
      .selectFrom('recipients')
      .selectAll()
      .where('status', '=', 'queued')
      .where('owner', '=', owner)
      .$if(after !== null, (q) =>
        q.where((eb) =>
          eb.or([
            eb('message_id', '>', after!.messageId),
            eb.and([eb('message_id', '=', after!.messageId), eb('idx', '>', after!.index)]),
          ]),
        ),
      )
      .orderBy('message_id')
      .orderBy('idx')
      .limit(limit)
      .execute();
    return rows.map(rowToRecipient);
  }

  async claimOrphans(owner: string, deadBefore: number, all: boolean): Promise<number> {
    const res = await this.#db
      .updateTable('recipients')
      .set({ owner })
      .where('status', '=', 'queued')
      .$if(!all, (q) =>
        q.where((eb) =>
          eb.or([
            eb('owner', 'is', null),
            eb('owner', 'in', eb.selectFrom('nodes').select('id').where('heartbeat_at', '<', deadBefore)),
            eb('owner', 'not in', eb.selectFrom('nodes').select('id')),
          ]),
        ),
      )
      .$if(all, (q) => q.where((eb) => eb.or([eb('owner', 'is', null), eb('owner', '!=', owner)])))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async heartbeat(node: string, now: number): Promise<void> {
    await this.#db
      .insertInto('nodes')
      .values({ id: node, heartbeat_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
      .execute();
  }

  async handBack(node: string): Promise<number> {
    const res = await this.#db
      .updateTable('recipients')
      .set({ owner: null })
      .where('status', '=', 'queued')
      .where('owner', '=', node)
      .executeTakeFirst();
    await this.#db.deleteFrom('nodes').where('id', '=', node).execute();
    return Number(res.numUpdatedRows);
  }

  async setNodeShaping(node: string, shaping: unknown[]): Promise<void> {
    await this.#db
      .updateTable('nodes')
      .set({ shaping: JSON.stringify(shaping) })
      .where('id', '=', node)
      .execute();
  }

  async nodes(): Promise<{ id: string; heartbeatAt: number; queued: number; shaping: unknown[] | null }[]> {
    const [nodes, owned] = await Promise.all([
      this.#db.selectFrom('nodes').select(['id', 'heartbeat_at', 'shaping']).orderBy('id').execute(),
      this.#db
        .selectFrom('recipients')
        .select((eb) => ['owner', eb.fn.countAll<number | string>().as('n')])
        .where('status', '=', 'queued')
        .groupBy('owner')
        .execute(),
    ]);
    const queued = new Map(owned.map((o) => [o.owner, Number(o.n)]));
    return nodes.map((n) => ({
      id: n.id,
      heartbeatAt: Number(n.heartbeat_at),
      queued: queued.get(n.id) ?? 0,
      shaping: n.shaping ? (JSON.parse(n.shaping) as unknown[]) : null,
    }));
  }

  async deferrals(
    limit: number,
  ): Promise<{ domain: string; reply: string; recipients: number; lastAt: number }[]> {
    const rows = await this.#db
      .selectFrom('recipients')
      .select((eb) => [
        'domain',
        'last_response',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.max('updated_at').as('last_at'),
      ])
      .where('status', '=', 'queued')
      .where('attempts', '>', 0)
      .where('last_response', 'is not', null)
      .groupBy(['domain', 'last_response'])
      .orderBy('last_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      domain: r.domain,
      reply: r.last_response!,
      recipients: Number(r.n),
      lastAt: Number(r.last_at),
    }));
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.#dialect;
  }
}
