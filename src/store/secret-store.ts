/** Node-wide secrets sealed with the master key (e.g. the SNS signing key), created once and shared. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { SecretStore } from './store.ts';

export class KyselySecrets implements SecretStore {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async putIfAbsent(name: string, sealed: string): Promise<string> {
    await this.#db
      .insertInto('secrets')
      .values({ name, sealed })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return (await this.get(name))!;
  }

  async get(name: string): Promise<string | null> {
    const r = await this.#db
      .selectFrom('secrets')
      .select('sealed')
      .where('name', '=', name)
      .executeTakeFirst();
    return r?.sealed ?? null;
  }
}
