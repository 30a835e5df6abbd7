/**
 * The notification outbox: one row per (event, subscription), written with the event; dispatch claims due rows
 * with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so several nodes share the work.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, NotificationDeliveriesTable } from './schema.ts';
import type { NotificationRecord, NotificationStore } from './store.ts';

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

const notification = (r: Selectable<NotificationDeliveriesTable>): NotificationRecord => ({
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
  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.#dialect = dialect;
  }

  async enqueue(records: NotificationRecord[]): Promise<void> {
    if (records.length)
      await this.#db.insertInto('notification_deliveries').values(records.map(notificationRow)).execute();
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
    // SQLite: one writer at a time, so select-then-update inside one transaction cannot be overtaken.
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      if (rows.length)
        await trx
          .updateTable('notification_deliveries')
          .set({ lease_until: leaseUntil })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
      return rows.map(notification);
    });
  }

  async markDelivered(id: string, at: number, attempts: number): Promise<void> {
    await this.#db
      .updateTable('notification_deliveries')
      .set({ status: 'delivered', delivered_at: at, attempts, lease_until: null, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, attempts: number, nextAttemptAt: number | null, error: string): Promise<void> {
    await this.#db
      .updateTable('notification_deliveries')
      .set(
        nextAttemptAt === null
          ? { status: 'dead', attempts, lease_until: null, last_error: error }
          : { attempts, next_attempt_at: nextAttemptAt, lease_until: null, last_error: error },
      )
      .where('id', '=', id)
      .execute();
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

  async nextDue(): Promise<number | null> {
    const r = await this.#db
      .selectFrom('notification_deliveries')
      .select((eb) => eb.fn.min<number>('next_attempt_at').as('t'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }
}
