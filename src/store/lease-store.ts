/** Named leases (interface/leases.ts): one conditional upsert per take or renewal, on both databases. */
import type { LeaseStore } from './interface/leases.ts';
import type { Db } from './transactions.ts';

export class KyselyLeases implements LeaseStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async acquire(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const row = await this.#db
      .insertInto('leases')
      .values({ name, owner, until: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, until: now + ttlMs })
          .where((eb) => eb.or([eb('leases.until', '<', now), eb('leases.owner', '=', owner)])),
      )
      .returning('owner')
      .executeTakeFirst();
    return row?.owner === owner;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.#db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
  }

  async list(): Promise<{ name: string; owner: string; until: number }[]> {
    const rows = await this.#db.selectFrom('leases').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, owner: r.owner, until: Number(r.until) }));
  }
}
