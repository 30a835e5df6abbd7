/** Configuration sets, their options and event destinations (one row each; options and destinations as JSON). */
import type { Kysely, Selectable } from 'kysely';
import type { ConfigurationSetsTable, Database } from './schema.ts';
import {
  StoreConflictError,
  type ConfigurationSetRecord,
  type ConfigurationSetStore,
  type Page,
} from './store.ts';

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
    options: JSON.parse(r.options) as ConfigurationSetRecord['options'],
    eventDestinations: JSON.parse(r.event_destinations) as ConfigurationSetRecord['eventDestinations'],
  };
}

export class KyselyConfigurationSets implements ConfigurationSetStore {
  readonly #db: Kysely<Database>;
  readonly #tx: <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>;
  readonly #lock: boolean;

  constructor(
    db: Kysely<Database>,
    writeTransaction: <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>,
    lockRows: boolean,
  ) {
    this.#db = db;
    this.#tx = writeTransaction;
    this.#lock = lockRows;
  }

  async create(set: ConfigurationSetRecord): Promise<void> {
    try {
      await this.#db.insertInto('configuration_sets').values(toRow(set)).execute();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT'))
        throw new StoreConflictError(`configuration set ${set.name}`);
      throw err;
    }
  }

  async get(accountId: string, name: string): Promise<ConfigurationSetRecord | null> {
    const r = await this.#db
      .selectFrom('configuration_sets')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async list(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ConfigurationSetRecord>> {
    const rows = await this.#db
      .selectFrom('configuration_sets')
      .selectAll()
      .where('account_id', '=', accountId)
      .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
      .orderBy('name')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(toRecord);
    return { items, next: rows.length > options.limit ? (items.at(-1)?.name ?? null) : null };
  }

  async count(accountId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('configuration_sets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async modify(
    accountId: string,
    name: string,
    change: (set: ConfigurationSetRecord) => ConfigurationSetRecord,
  ): Promise<ConfigurationSetRecord | null> {
    return this.#tx(async (trx) => {
      const row = await trx
        .selectFrom('configuration_sets')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .$if(this.#lock, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return null;
      const next = change(toRecord(row));
      const { account_id: _a, name: _n, ...values } = toRow(next);
      await trx
        .updateTable('configuration_sets')
        .set(values)
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .execute();
      return next;
    });
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
