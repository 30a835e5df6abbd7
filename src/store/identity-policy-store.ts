/** Identity policies (sending authorization), one row per identity and policy name. */
import type { IdentityPolicyRecord, IdentityPolicyStore } from './store.ts';
import type { Db } from './transactions.ts';

export class KyselyIdentityPolicies implements IdentityPolicyStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(accountId: string, identity: string): Promise<IdentityPolicyRecord[]> {
    const rows = await this.#db
      .selectFrom('identity_policies')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('identity', '=', identity)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      identity: r.identity,
      name: r.name,
      document: r.document,
      createdAt: Number(r.created_at),
    }));
  }

  async put(p: IdentityPolicyRecord): Promise<void> {
    await this.#db
      .insertInto('identity_policies')
      .values({
        account_id: p.accountId,
        identity: p.identity,
        name: p.name,
        document: p.document,
        created_at: p.createdAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'identity', 'name'])
          .doUpdateSet((eb) => ({ document: eb.ref('excluded.document') })),
      )
      .execute();
  }

  async remove(accountId: string, identity: string, name: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('identity_policies')
      .where('account_id', '=', accountId)
      .where('identity', '=', identity)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async removeAll(accountId: string, identity: string): Promise<void> {
    await this.#db
      .deleteFrom('identity_policies')
      .where('account_id', '=', accountId)
      .where('identity', '=', identity)
      .execute();
  }
}
