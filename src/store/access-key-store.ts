/** Access keys: the secret sealed with the master key, never stored in clear. */
import type { Selectable } from 'kysely';
import type { AccessKeysTable } from './schema.ts';
import { insertOrConflict, one } from './queries.ts';
import type { AccessKeyRecord, AccessKeyStore } from './store.ts';
import type { Db } from './transactions.ts';

function toRecord(r: Selectable<AccessKeysTable>): AccessKeyRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    sealedSecret: r.sealed_secret,
    status: r.status as AccessKeyRecord['status'],
    createdAt: r.created_at,
    userName: r.user_name,
    permissions: r.permissions ? (JSON.parse(r.permissions) as AccessKeyRecord['permissions']) : null,
  };
}

export class KyselyAccessKeys implements AccessKeyStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(key: AccessKeyRecord): Promise<void> {
    return insertOrConflict(`access key ${key.id}`, () =>
      this.#db
        .insertInto('access_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          sealed_secret: key.sealedSecret,
          status: key.status,
          created_at: key.createdAt,
          user_name: key.userName,
          permissions: key.permissions ? JSON.stringify(key.permissions) : null,
        })
        .execute(),
    );
  }

  get(id: string): Promise<AccessKeyRecord | null> {
    return one(this.#db.selectFrom('access_keys').selectAll().where('id', '=', id), toRecord);
  }

  async listByAccount(accountId: string): Promise<AccessKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async setStatus(id: string, status: AccessKeyRecord['status']): Promise<boolean> {
    const res = await this.#db
      .updateTable('access_keys')
      .set({ status })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
