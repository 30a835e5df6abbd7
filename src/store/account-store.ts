/** Accounts: quotas, sandbox, sending switch and enforcement as columns; details and review as JSON. */
import type { Selectable } from 'kysely';
import type { AccountsTable } from './schema.ts';
import { insertOrConflict, modifyOne, one } from './queries.ts';
import type { AccountRecord, AccountStore, ReviewStatus } from './store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

function toRow(a: AccountRecord): AccountsTable {
  return {
    id: a.id,
    name: a.name,
    created_at: a.createdAt,
    production_access: a.productionAccess ? 1 : 0,
    max_24h: a.max24HourSend,
    max_rate: a.maxSendRate,
    sending_enabled: a.sendingEnabled ? 1 : 0,
    enforcement_status: a.enforcementStatus,
    suppressed_reasons: JSON.stringify(a.suppressedReasons),
    details: a.details ? JSON.stringify(a.details) : null,
    review: a.review ? JSON.stringify(a.review) : null,
    review_status: a.review?.status ?? null,
    review_updated_at: a.review?.updatedAt ?? null,
    reputation_since: a.reputationSince,
    vdm: a.vdm ? JSON.stringify(a.vdm) : null,
    dedicated_ip_auto_warmup: a.dedicatedIpAutoWarmup ? 1 : 0,
  };
}

function toRecord(r: Selectable<AccountsTable>): AccountRecord {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    productionAccess: r.production_access !== 0,
    max24HourSend: r.max_24h,
    maxSendRate: r.max_rate,
    sendingEnabled: r.sending_enabled !== 0,
    enforcementStatus: r.enforcement_status as AccountRecord['enforcementStatus'],
    suppressedReasons: JSON.parse(r.suppressed_reasons) as AccountRecord['suppressedReasons'],
    details: json(r.details),
    review: json(r.review),
    reputationSince: r.reputation_since,
    vdm: json(r.vdm),
    dedicatedIpAutoWarmup: r.dedicated_ip_auto_warmup !== 0,
  };
}

export class KyselyAccounts implements AccountStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;

  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  create(account: AccountRecord): Promise<void> {
    return insertOrConflict(`account ${account.id}`, () =>
      this.#db.insertInto('accounts').values(toRow(account)).execute(),
    );
  }

  get(id: string): Promise<AccountRecord | null> {
    return one(this.#db.selectFrom('accounts').selectAll().where('id', '=', id), toRecord);
  }

  async list(): Promise<AccountRecord[]> {
    const rows = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async listByReviewStatus(status: ReviewStatus): Promise<AccountRecord[]> {
    const rows = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .where('review_status', '=', status)
      .orderBy('review_updated_at')
      .execute();
    return rows.map(toRecord);
  }

  modify(id: string, change: (account: AccountRecord) => AccountRecord): Promise<AccountRecord | null> {
    return modifyOne(
      this.#tx,
      (trx, lock) =>
        trx
          .selectFrom('accounts')
          .selectAll()
          .where('id', '=', id)
          .$if(lock, (q) => q.forUpdate())
          .executeTakeFirst(),
      toRecord,
      change,
      async (trx, next) => {
        const { id: _id, ...values } = toRow(next);
        await trx.updateTable('accounts').set(values).where('id', '=', id).execute();
      },
    );
  }
}
