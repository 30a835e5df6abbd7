/**
 * The SQLite writer thread (see sqlite-writer.ts): prepared statements over its own connection, one
 * transaction per request. Rows arrive ready to bind; the main thread turns records into rows.
 */
import Database from 'better-sqlite3';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SpoolAppender, spoolDirOf, spoolFault } from '../body-spool.ts';
import {
  SQLITE_COUNTER_UPSERT,
  SQLITE_DIMENSION_UPSERT,
  type CounterRow,
  type DimensionRow,
} from '../metric-rows.ts';

export interface AcceptRows {
  messages: Record<string, unknown>[];
  bodies: { message_id: string; body: Uint8Array }[];
  recipients: Record<string, unknown>[];
  events: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
  counts: { account: string; bucket: number; count: number }[];
  metrics: CounterRow[];
  dimensionMetrics: DimensionRow[];
}

export interface OutcomeRows {
  updates: Record<string, unknown>[];
  events: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
  metrics: CounterRow[];
  dimensionMetrics: DimensionRow[];
}

/** A compiled statement (Kysely's `compile()`): SQL text and its parameters. */
export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

export type WriterRequest =
  | { id: number; kind: 'accept'; rows: AcceptRows }
  | { id: number; kind: 'outcomes'; rows: OutcomeRows }
  | { id: number; kind: 'statements'; statements: Statement[] };

/**
 * Compiled statements in one transaction, each prepared once per SQL text; the rows of each statement that
 * returns some (a select, `returning`), `[]` for the others.
 */
export function sqliteStatements(db: Database.Database): (statements: Statement[]) => unknown[][] {
  const prepared = new Map<string, Database.Statement>();
  const bind = (p: unknown) =>
    // Buffers arrive from the main thread as plain Uint8Arrays, which better-sqlite3 does not bind.
    p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p;
  const run = db.transaction((statements: Statement[]) =>
    statements.map((s) => {
      let st = prepared.get(s.sql);
      if (!st) prepared.set(s.sql, (st = db.prepare(s.sql)));
      const params = s.parameters.map(bind);
      if (st.reader) return st.all(...params);
      st.run(...params);
      return [];
    }),
  );
  return (statements) => run.immediate(statements);
}

/**
 * The write transactions over a connection (also used in-thread for an in-memory database). With a spool,
 * an accepted batch's bodies are appended to it and fsynced first, and the transaction records where they
 * are; without one (an in-memory database) they go into message_bodies.
 */
export function sqliteWriteTransactions(
  db: Database.Database,
  spool?: SpoolAppender,
): {
  accept: (rows: AcceptRows) => void;
  outcomes: (rows: OutcomeRows) => void;
} {
  const insMessage = db.prepare(
    `insert into messages (id, account_id, created_at, source, from_domain, mail_from_domain, configuration_set, size,
       recipient_count, mail, tags, feedback_address, list_management, operation, options, body_segment, body_offset,
       body_length)
     values (@id, @account_id, @created_at, @source, @from_domain, @mail_from_domain, @configuration_set, @size,
       @recipient_count, @mail, @tags, @feedback_address, @list_management, @operation, @options, @body_segment,
       @body_offset, @body_length)`,
  );
  const upsertSegment = db.prepare(
    `insert into spool_segments (id, committed_end, live, sealed) values (?, ?, ?, 0)
     on conflict (id) do update set committed_end = excluded.committed_end, live = live + excluded.live`,
  );
  const sealSegment = db.prepare('update spool_segments set sealed = 1 where id = ?');
  const insBody = db.prepare('insert into message_bodies (message_id, body) values (@message_id, @body)');
  const insRecipient = db.prepare(
    `insert into recipients (message_id, idx, address, domain, status, attempts, next_attempt_at, updated_at, last_response, owner)
     values (@message_id, @idx, @address, @domain, @status, @attempts, @next_attempt_at, @updated_at, @last_response, @owner)`,
  );
  const insEvent = db.prepare(
    `insert into events (id, account_id, message_id, type, recipient, created_at, payload)
     values (@id, @account_id, @message_id, @type, @recipient, @created_at, @payload)`,
  );
  const bumpCount = db.prepare(
    `insert into send_counts (account_id, bucket, count) values (@account, @bucket, @count)
     on conflict (account_id, bucket) do update set count = count + excluded.count`,
  );
  const insNotification = db.prepare(
    `insert into notification_deliveries (id, account_id, type, topic_arn, subscription_arn, endpoint, sns_message_id, subject,
       message, token, created_at, status, attempts, next_attempt_at, lease_until, last_error, delivered_at)
     values (@id, @account_id, @type, @topic_arn, @subscription_arn, @endpoint, @sns_message_id, @subject,
       @message, @token, @created_at, @status, @attempts, @next_attempt_at, @lease_until, @last_error, @delivered_at)`,
  );
  const updRecipient = db.prepare(
    `update recipients set status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
       last_response = @last_response, updated_at = @updated_at where message_id = @message_id and idx = @idx`,
  );
  const bumpMetric = db.prepare(SQLITE_COUNTER_UPSERT);
  const bumpDimension = db.prepare(SQLITE_DIMENSION_UPSERT);
  const accept = db.transaction((r: AcceptRows, spooled?: ReturnType<SpoolAppender['append']>) => {
    for (const m of r.messages) insMessage.run(m);
    if (spooled) {
      const first = spooled.refs[0];
      if (first) upsertSegment.run(first.segment, spooled.end, spooled.refs.length);
      if (spooled.sealed) sealSegment.run(spooled.sealed);
    } else
      for (const b of r.bodies)
        insBody.run({
          message_id: b.message_id,
          body: Buffer.from(b.body.buffer, b.body.byteOffset, b.body.byteLength),
        });
    for (const x of r.recipients) insRecipient.run(x);
    for (const e of r.events) insEvent.run(e);
    for (const n of r.notifications) insNotification.run(n);
    for (const c of r.counts) bumpCount.run(c);
    for (const m of r.metrics) bumpMetric.run(m);
    for (const d of r.dimensionMetrics) bumpDimension.run(d);
  });
  const outcomes = db.transaction((r: OutcomeRows) => {
    for (const u of r.updates) updRecipient.run(u);
    for (const e of r.events) insEvent.run(e);
    for (const n of r.notifications) insNotification.run(n);
    for (const m of r.metrics) bumpMetric.run(m);
    for (const d of r.dimensionMetrics) bumpDimension.run(d);
  });
  // IMMEDIATE: take the write lock at BEGIN, so a concurrent writer waits instead of failing mid-transaction.
  const spooledAccept = (rows: AcceptRows, appender: SpoolAppender) => {
    const spooled = appender.append(rows.bodies.map((b) => b.body));
    rows.messages.forEach((m, i) => {
      const ref = spooled.refs[i]!;
      m.body_segment = ref.segment;
      m.body_offset = ref.offset;
      m.body_length = ref.length;
    });
    try {
      accept.immediate(rows, spooled);
    } catch (err) {
      appender.undo(spooled.start);
      throw err;
    }
    appender.committed();
  };
  return {
    accept: (rows) => (spool ? spooledAccept(rows, spool) : accept.immediate(rows)),
    outcomes: (rows) => outcomes.immediate(rows),
  };
}

if (!isMainThread && (workerData as { sqliteWriter?: string } | null)?.sqliteWriter) {
  const file = (workerData as { sqliteWriter: string }).sqliteWriter;
  const db = new Database(file);
  const spool = new SpoolAppender(spoolDirOf(file), spoolFault(process.env.SESAME_FAULT_SPOOL));
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the caller is answered (accepted means durable).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  let write: ReturnType<typeof sqliteWriteTransactions> | undefined;
  const statements = sqliteStatements(db);
  parentPort!.on('message', (req: WriterRequest) => {
    try {
      if (req.kind === 'statements') {
        parentPort!.postMessage({ id: req.id, result: statements(req.statements) });
        return;
      }
      // Prepared on first use: the tables exist only once the main thread has run the migrations.
      write ??= sqliteWriteTransactions(db, spool);
      if (req.kind === 'accept') write.accept(req.rows);
      else write.outcomes(req.rows);
      parentPort!.postMessage({ id: req.id });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      parentPort!.postMessage({ id: req.id, error: { message: e.message ?? String(err), code: e.code } });
    }
  });
}
