/** Configuration sets, their options and event destinations (one row each; options and destinations as JSON). */
import type { Selectable } from 'kysely';
import { count, insertOrConflict, modifyOne, one, page } from './queries.ts';
import type { ConfigurationSetsTable } from './schema.ts';
import type { ConfigurationSetRecord, ConfigurationSetStore, Page } from './store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

function toRow(c: ConfigurationSetRecord): ConfigurationSetsTable {
  return {
    account_id: c.accountId,
    name: c.name,
    created_at: c.createdAt,
    sending_enabled: c.sendingEnabled ? 1 : 0,
    options: JSON.stringify(c.options),
    event_destinations: JSON.stringify(c.eventDestinations),
  };
}

function toRecord(r: Selectable<ConfigurationSetsTable>): ConfigurationSetRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    createdAt: r.created_at,
    sendingEnabled: r.sending_enabled !== 0,
    // Sets stored before an option existed read it as absent (null).
    options: {
      vdm: null,
      ...(JSON.parse(r.options) as Partial<ConfigurationSetRecord['options']>),
    } as ConfigurationSetRecord['options'],
    eventDestinations: JSON.parse(r.event_destinations) as ConfigurationSetRecord['eventDestinations'],
  };
}

export class KyselyConfigurationSets implements ConfigurationSetStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;

  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  create(set: ConfigurationSetRecord): Promise<void> {
    return insertOrConflict(`configuration set ${set.name}`, () =>
      this.#db.insertInto('configuration_sets').values(toRow(set)).execute(),
    );
  }

  get(accountId: string, name: string): Promise<ConfigurationSetRecord | null> {
    return one(
      this.#db
        .selectFrom('configuration_sets')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name),
      toRecord,
    );
  }

  list(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ConfigurationSetRecord>> {
    return page(
      this.#db
        .selectFrom('configuration_sets')
        .selectAll()
        .where('account_id', '=', accountId)
        .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
        .orderBy('name'),
      options.limit,
      toRecord,
      (c) => c.name,
    );
  }

  count(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('configuration_sets').where('account_id', '=', accountId));
  }

  async modify(
    accountId: string,
    name: string,
    change: (set: ConfigurationSetRecord) => ConfigurationSetRecord,
  ): Promise<ConfigurationSetRecord | null> {
    return modifyOne(
      this.#tx,
      (trx, lock) =>
        trx
          .selectFrom('configuration_sets')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .$if(lock, (q) => q.forUpdate())
          .executeTakeFirst(),
      toRecord,
      change,
      async (trx, next) => {
        const { account_id: _a, name: _n, ...values } = toRow(next);
        await trx
          .updateTable('configuration_sets')
          .set(values)
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .execute();
      },
    );
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('configuration_sets')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
