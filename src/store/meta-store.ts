/** The configuration epoch: one counter row that every cache-relevant change bumps. */
import type { MetaStore } from './store.ts';
import type { Db } from './transactions.ts';

export class KyselyMeta implements MetaStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async getEpoch(): Promise<number> {
    const r = await this.#db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'epoch')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  }

  async bumpEpoch(): Promise<number> {
    const r = await this.#db
      .updateTable('meta')
      .set((eb) => ({ value: eb('value', '+', 1) }))
      .where('key', '=', 'epoch')
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  }
}
