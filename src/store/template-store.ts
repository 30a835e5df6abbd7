/** Email templates and custom verification email templates: one row each, the parts as JSON. */
import type { Selectable } from 'kysely';
import { count, insertOrConflict, one, page } from './queries.ts';
import type { TemplatesTable } from './schema.ts';
import type { Page, TemplateKind, TemplateRecord, TemplateStore } from './store.ts';
import type { Db } from './transactions.ts';

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
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(t: TemplateRecord): Promise<void> {
    return insertOrConflict(`template ${t.name}`, () =>
      this.#db
        .insertInto('templates')
        .values({
          account_id: t.accountId,
          kind: t.kind,
          name: t.name,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
          content: JSON.stringify(t.content),
        })
        .execute(),
    );
  }

  get(accountId: string, kind: TemplateKind, name: string): Promise<TemplateRecord | null> {
    return one(
      this.#db
        .selectFrom('templates')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .where('name', '=', name),
      toRecord,
    );
  }

  list(
    accountId: string,
    kind: TemplateKind,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<TemplateRecord>> {
    return page(
      this.#db
        .selectFrom('templates')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
        .orderBy('name'),
      options.limit,
      toRecord,
      (t) => t.name,
    );
  }

  count(accountId: string, kind: TemplateKind): Promise<number> {
    return count(
      this.#db.selectFrom('templates').where('account_id', '=', accountId).where('kind', '=', kind),
    );
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
