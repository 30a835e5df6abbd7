/** Development mode: captured mail, and the reset of one account's data. */
import { sql, type Selectable } from 'kysely';
import { GroupCommit } from '../lib/group-commit.ts';
import { sweepSegments } from './body-spool.ts';
import { one } from './queries.ts';
import type { CapturedMailTable, Database } from './schema.ts';
import type { Db, WriteTransactions } from './transactions.ts';
import type { CapturedMailFilter, CapturedMailRecord, DevelopmentStore } from './store.ts';

function toRecord(r: Omit<Selectable<CapturedMailTable>, 'raw'>): CapturedMailRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    messageId: r.message_id,
    capturedAt: Number(r.captured_at),
    mailFrom: r.mail_from,
    recipients: JSON.parse(r.recipients) as string[],
    from: r.from_header,
    subject: r.subject,
    size: Number(r.size),
  };
}

const COLUMNS = [
  'id',
  'account_id',
  'message_id',
  'captured_at',
  'mail_from',
  'recipients',
  'from_header',
  'subject',
  'size',
] as const;

/** Tables whose rows carry the owning account in `account_id` (all but the account and its keys). */
const ACCOUNT_TABLES = [
  'identities',
  'tags',
  'events',
  'send_counts',
  'rate_buckets',
  'suppressed_destinations',
  'configuration_sets',
  'sns_subscriptions',
  'sns_topics',
  'notification_deliveries',
  'templates',
  'contacts',
  'contact_lists',
  'receipt_filters',
  'receipt_rule_sets',
  'buckets',
  'functions',
  'inbound_actions',
  'inbound_refusals',
  'metric_counts',
  'metric_dimension_counts',
  'metric_samples',
  'alarm_history',
  'alarms',
  'captured_mail',
] as const satisfies readonly (keyof Database)[];

/** `lower(column)` contains `text` (LIKE's own wildcards in it taken literally), on both databases. */
function contains(column: 'recipients' | 'subject' | 'from_header' | 'mail_from', text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

export class KyselyDevelopment implements DevelopmentStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;
  readonly #captures: GroupCommit<{ m: CapturedMailRecord; raw: Buffer }>;
  /** A SQLite file's body spool, whose emptied segments a reset deletes. */
  readonly #spoolDir: string | undefined;
  constructor(db: Db, tx: WriteTransactions, spoolDir: string | undefined) {
    this.#db = db;
    this.#spoolDir = spoolDir;
    this.#tx = tx;
    this.#captures = new GroupCommit(async (batch) => {
      await this.#db.transaction().execute((trx) =>
        trx
          .insertInto('captured_mail')
          .values(
            batch.map(({ m, raw }) => ({
              id: m.id,
              account_id: m.accountId,
              message_id: m.messageId,
              captured_at: m.capturedAt,
              mail_from: m.mailFrom,
              recipients: JSON.stringify(m.recipients),
              from_header: m.from,
              subject: m.subject,
              size: m.size,
              raw,
            })),
          )
          .execute(),
      );
    }, 500);
  }

  /** Captures arriving together are committed together (one transaction, one fsync). */
  capture(m: CapturedMailRecord, raw: Buffer): Promise<void> {
    return this.#captures.submit({ m, raw });
  }

  async listCaptured(f: CapturedMailFilter): Promise<CapturedMailRecord[]> {
    let q = this.#filtered(f).select(COLUMNS);
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map(toRecord);
  }

  async countCaptured(f: Omit<CapturedMailFilter, 'limit' | 'before'>): Promise<number> {
    const r = await this.#filtered(f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  #filtered(f: Omit<CapturedMailFilter, 'limit' | 'before'>) {
    let q = this.#db.selectFrom('captured_mail');
    if (f.accountId !== undefined) q = q.where('account_id', '=', f.accountId);
    if (f.since !== undefined) q = q.where('captured_at', '>=', f.since);
    if (f.messageId !== undefined) q = q.where('message_id', '=', f.messageId);
    if (f.to) q = q.where(contains('recipients', f.to));
    if (f.subject) q = q.where(contains('subject', f.subject));
    if (f.from)
      q = q.where((eb) => eb.or([contains('from_header', f.from!), contains('mail_from', f.from!)]));
    return q;
  }

  getCaptured(id: string): Promise<CapturedMailRecord | null> {
    return one(this.#db.selectFrom('captured_mail').select(COLUMNS).where('id', '=', id), toRecord);
  }

  async capturedRaw(id: string): Promise<Buffer | null> {
    const r = await this.#db
      .selectFrom('captured_mail')
      .select('raw')
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? Buffer.from(r.raw) : null;
  }

  async deleteCaptured(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('captured_mail').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteAllCaptured(accountId?: string): Promise<number> {
    let q = this.#db.deleteFrom('captured_mail');
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async resetAccountData(accountId: string): Promise<void> {
    await this.#tx.run(async (trx) => {
      // Rows keyed by a message rather than an account go first, while their messages still name the account.
      const messages = trx.selectFrom('messages').select('id').where('account_id', '=', accountId);
      await trx.deleteFrom('message_bodies').where('message_id', 'in', messages).execute();
      // Spooled bodies: their segments reference fewer messages; those left with none are deleted below.
      const spooled = await trx
        .selectFrom('messages')
        .select((eb) => ['body_segment', eb.fn.countAll<number | string>().as('n')])
        .where('account_id', '=', accountId)
        .where('body_segment', 'is not', null)
        .groupBy('body_segment')
        .execute();
      for (const s of spooled)
        await trx
          .updateTable('spool_segments')
          .set((eb) => ({ live: eb('live', '-', Number(s.n)) }))
          .where('id', '=', s.body_segment!)
          .execute();
      await trx.deleteFrom('recipients').where('message_id', 'in', messages).execute();
      await trx.deleteFrom('messages').where('account_id', '=', accountId).execute();
      const inbound = trx.selectFrom('inbound_messages').select('id').where('account_id', '=', accountId);
      await trx.deleteFrom('inbound_bodies').where('id', 'in', inbound).execute();
      await trx.deleteFrom('inbound_messages').where('account_id', '=', accountId).execute();
      for (const table of ACCOUNT_TABLES)
        await trx.deleteFrom(table).where('account_id', '=', accountId).execute();
    });
    if (this.#spoolDir) await sweepSegments(this.#db, this.#spoolDir);
  }
}
