/** Tags on resources addressed by ARN, one row per key. */
import type { Tag, TagStore } from './store.ts';
import type { Db } from './transactions.ts';

export class KyselyTags implements TagStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(accountId: string, resourceArn: string): Promise<Tag[]> {
    return this.#db
      .selectFrom('tags')
      .select(['key', 'value'])
      .where('account_id', '=', accountId)
      .where('resource_arn', '=', resourceArn)
      .orderBy('key')
      .execute();
  }

  async put(accountId: string, resourceArn: string, tags: Tag[]): Promise<void> {
    if (tags.length === 0) return;
    await this.#db
      .insertInto('tags')
      .values(
        tags.map((t) => ({ account_id: accountId, resource_arn: resourceArn, key: t.key, value: t.value })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'resource_arn', 'key'])
          .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  }

  async remove(accountId: string, resourceArn: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#db
      .deleteFrom('tags')
      .where('account_id', '=', accountId)
      .where('resource_arn', '=', resourceArn)
      .where('key', 'in', keys)
      .execute();
  }

  async removeAll(accountId: string, resourceArn: string): Promise<void> {
    await this.#db
      .deleteFrom('tags')
      .where('account_id', '=', accountId)
      .where('resource_arn', '=', resourceArn)
      .execute();
  }
}
