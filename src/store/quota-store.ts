/**
 * The shared quotas (interface/quota.ts) on both databases. The account's row in `accounts` is the lock: read
 * `FOR UPDATE` on PostgreSQL, under `BEGIN IMMEDIATE` on SQLite, so a check and its count are one step for
 * every node.
 */
import { sql } from 'kysely';
import type { QuotaStore } from './interface/quota.ts';
import { bucketOf } from './message-store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

const DAY = 24 * 3600_000;

export class KyselyQuotas implements QuotaStore {
  readonly #tx: WriteTransactions;

  constructor(_db: Db, tx: WriteTransactions) {
    this.#tx = tx;
  }

  async #lock(trx: Db, accountId: string): Promise<void> {
    await trx
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .$if(this.#tx.lockRows, (q) => q.forUpdate())
      .execute();
  }

  reserveDaily(accountId: string, units: number, want: number, max: number, now: number): Promise<number> {
    return this.#tx.run(async (trx) => {
      await this.#lock(trx, accountId);
      const row = await trx
        .selectFrom('send_counts')
        .select((eb) => eb.fn.sum<number | string | null>('count').as('n'))
        .where('account_id', '=', accountId)
        .where('bucket', '>=', bucketOf(now - DAY))
        .executeTakeFirst();
      const used = Number(row?.n ?? 0);
      if (used >= max) return 0;
      const granted = Math.max(units, Math.min(want, max - used));
      await trx
        .insertInto('send_counts')
        .values({ account_id: accountId, bucket: bucketOf(now), count: granted })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'bucket'])
            .doUpdateSet((eb) => ({ count: sql`send_counts.count + ${eb.ref('excluded.count')}` })),
        )
        .execute();
      return granted;
    });
  }

  async releaseDaily(accountId: string, at: number, units: number): Promise<void> {
    if (units <= 0) return;
    await this.#tx.run(async (trx) => {
      await trx
        .updateTable('send_counts')
        .set({ count: sql`case when count > ${units} then count - ${units} else 0 end` })
        .where('account_id', '=', accountId)
        .where('bucket', '=', bucketOf(at))
        .execute();
    });
  }

  takeRate(
    accountId: string,
    units: number,
    want: number,
    rate: number,
    capacity: number,
    now: number,
  ): Promise<number> {
    return this.#tx.run(async (trx) => {
      await this.#lock(trx, accountId);
      const b = await trx
        .selectFrom('rate_buckets')
        .select(['tokens', 'at'])
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      const tokens = b
        ? Math.min(capacity, Number(b.tokens) + (Math.max(0, now - Number(b.at)) / 1000) * rate)
        : capacity;
      const taken = tokens >= 1 ? Math.max(units, Math.min(want, Math.floor(tokens))) : 0;
      await trx
        .insertInto('rate_buckets')
        .values({ account_id: accountId, tokens: tokens - taken, at: now })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ tokens: tokens - taken, at: now }))
        .execute();
      return taken;
    });
  }
}
