/**
 * The notification outbox: one row per (event, subscription), written with the event; dispatch claims due rows
 * with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so several nodes share the work.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { GroupCommit } from '../lib/group-commit.ts';
import type { Database, NotificationDeliveriesTable } from './schema.ts';
import { statement, type Statement, type StatementWriter } from './statement-writer.ts';
import type { NotificationRecord, NotificationStore } from './store.ts';

/** What one delivery attempt changed: delivered, or failed (retried at `nextAttemptAt`, or dead when null). */
type Outcome =
  | { id: string; delivered: true; at: number; attempts: number }
  | { id: string; delivered: false; attempts: number; nextAttemptAt: number | null; error: string };

export function notificationRow(n: NotificationRecord): NotificationDeliveriesTable {
  return {
    id: n.id,
    account_id: n.accountId,
    type: n.type,
    topic_arn: n.topicArn,
    subscription_arn: n.subscriptionArn,
    endpoint: n.endpoint,
    sns_message_id: n.snsMessageId,
    subject: n.subject,
    message: n.message,
    token: n.token,
    created_at: n.createdAt,
    status: n.status,
    attempts: n.attempts,
    next_attempt_at: n.nextAttemptAt,
    lease_until: n.leaseUntil,
    last_error: n.lastError,
    delivered_at: n.deliveredAt,
  };
}

export const notification = (r: Selectable<NotificationDeliveriesTable>): NotificationRecord => ({
  id: r.id,
  accountId: r.account_id,
  type: r.type as NotificationRecord['type'],
  topicArn: r.topic_arn,
  subscriptionArn: r.subscription_arn,
  endpoint: r.endpoint,
  snsMessageId: r.sns_message_id,
  subject: r.subject,
  message: r.message,
  token: r.token,
  createdAt: r.created_at,
  status: r.status as NotificationRecord['status'],
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseUntil: r.lease_until,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
});

export class KyselyNotifications implements NotificationStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #writer: StatementWriter;
  /** Outcomes of delivery attempts, committed together: one transaction for every attempt that ended meanwhile. */
  readonly #outcomes: GroupCommit<Outcome>;

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', writer: StatementWriter) {
    this.#db = db;
    this.#dialect = dialect;
    this.#writer = writer;
    this.#outcomes = new GroupCommit(async (batch) => {
      await writer.run(batch.map((o) => this.#outcomeStatement(o)));
    }, 500);
  }

  /** The insert of queued notifications, for a repository that commits them with its own writes. */
  insertStatement(records: NotificationRecord[]): Statement {
    return statement(this.#db.insertInto('notification_deliveries').values(records.map(notificationRow)));
  }

  #outcomeStatement(o: Outcome): Statement {
    const q = this.#db.updateTable('notification_deliveries');
    if (o.delivered)
      return statement(
        q
          .set({
            status: 'delivered',
            delivered_at: o.at,
            attempts: o.attempts,
            lease_until: null,
            last_error: null,
          })
          .where('id', '=', o.id),
      );
    return statement(
      q
        .set(
          o.nextAttemptAt === null
            ? { status: 'dead', attempts: o.attempts, lease_until: null, last_error: o.error }
            : {
                attempts: o.attempts,
                next_attempt_at: o.nextAttemptAt,
                lease_until: null,
                last_error: o.error,
              },
        )
        .where('id', '=', o.id),
    );
  }

  async enqueue(records: NotificationRecord[]): Promise<void> {
    if (records.length) await this.#writer.run([this.insertStatement(records)]);
  }

  async claimDue(now: number, leaseUntil: number, limit: number): Promise<NotificationRecord[]> {
    if (this.#dialect === 'postgres') {
      const rows = await sql<Selectable<NotificationDeliveriesTable>>`
        update notification_deliveries set lease_until = ${leaseUntil}
        where id in (
          select id from notification_deliveries
          where status = 'pending' and next_attempt_at <= ${now} and (lease_until is null or lease_until < ${now})
          order by next_attempt_at limit ${limit} for update skip locked)
        returning *`.execute(this.#db);
      return rows.rows.map(notification);
    }
    // SQLite: one statement (a claim cannot be overtaken), run by the writer like every other write.
    const [rows] = await this.#writer.run([
      {
        sql: `update notification_deliveries set lease_until = ?
          where id in (
            select id from notification_deliveries
            where status = 'pending' and next_attempt_at <= ? and (lease_until is null or lease_until < ?)
            order by next_attempt_at limit ?)
          returning *`,
        parameters: [leaseUntil, now, now, limit],
      },
    ]);
    return (rows as Selectable<NotificationDeliveriesTable>[])
      .map(notification)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  markDelivered(id: string, at: number, attempts: number): Promise<void> {
    return this.#outcomes.submit({ id, delivered: true, at, attempts });
  }

  markFailed(id: string, attempts: number, nextAttemptAt: number | null, error: string): Promise<void> {
    return this.#outcomes.submit({ id, delivered: false, attempts, nextAttemptAt, error });
  }

  async recent(accountId: string, limit: number): Promise<NotificationRecord[]> {
    const rows = await this.#db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(notification);
  }

  async listDead(limit: number): Promise<NotificationRecord[]> {
    const rows = await this.#db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('status', '=', 'dead')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(notification);
  }

  async replay(ids: string[] | 'all', now: number): Promise<number> {
    const res = await this.#db
      .updateTable('notification_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null })
      .where('status', '=', 'dead')
      .$if(ids !== 'all', (q) => q.where('id', 'in', ids as string[]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    const rows = await this.#db
      .selectFrom('notification_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['pending', 'dead'])
      .groupBy('status')
      .execute();
    const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { pending: n('pending'), dead: n('dead') };
  }

  async nextDue(): Promise<number | null> {
    const r = await this.#db
      .selectFrom('notification_deliveries')
      .select((eb) => eb.fn.min<number>('next_attempt_at').as('t'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }
}
