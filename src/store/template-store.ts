/** Email templates and custom verification email templates: one row each, the parts as JSON. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, TemplatesTable } from './schema.ts';
import { isUniqueViolation } from './sql-errors.ts';
import {
  StoreConflictError,
  type Page,
  type TemplateKind,
  type TemplateRecord,
  type TemplateStore,
} from './store.ts';

function toRecord(r: Selectable<TemplatesTable>): TemplateRecord {
  return {
    accountId: r.account_id,
    kind: r.kind as TemplateKind,
    name: r.name,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    content: JSON.parse(r.content) as unknown,
  };
}

export class KyselyTemplates implements TemplateStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(t: TemplateRecord): Promise<void> {
    try {
      await this.#db
        .insertInto('templates')
        .values({
          account_id: t.accountId,
          kind: t.kind,
          name: t.name,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
          content: JSON.stringify(t.content),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`template ${t.name}`);
      throw err;
    }
  }

  async get(accountId: string, kind: TemplateKind, name: string): Promise<TemplateRecord | null> {
    const r = await this.#db
      .selectFrom('templates')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async list(
    accountId: string,
    kind: TemplateKind,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<TemplateRecord>> {
    const rows = await this.#db
      .selectFrom('templates')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('kind', '=', kind)
      .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
      .orderBy('name')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(toRecord);
    return { items, next: rows.length > options.limit ? (items.at(-1)?.name ?? null) : null };
  }

  async count(accountId: string, kind: TemplateKind): Promise<number> {
    const r = await this.#db
      .selectFrom('templates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(t: TemplateRecord): Promise<boolean> {
    const res = await this.#db
      .updateTable('templates')
      .set({ content: JSON.stringify(t.content), updated_at: t.updatedAt })
      .where('account_id', '=', t.accountId)
      .where('kind', '=', t.kind)
      .where('name', '=', t.name)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(accountId: string, kind: TemplateKind, name: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('templates')
      .where('account_id', '=', accountId)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
