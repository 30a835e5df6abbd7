/** Contact lists (topics as JSON) and their contacts (keyed by lowercase address; preferences as JSON). */
import type { Selectable } from 'kysely';
import { count, insertOrConflict, one, page } from './queries.ts';
import type { ContactListsTable, ContactsTable } from './schema.ts';
import type { ContactListRecord, ContactRecord, ContactStore, Page } from './store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

function listToRecord(r: Selectable<ContactListsTable>): ContactListRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    topics: JSON.parse(r.topics) as ContactListRecord['topics'],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function contactToRow(c: ContactRecord): ContactsTable {
  return {
    account_id: c.accountId,
    list_name: c.listName,
    email_key: c.email.toLowerCase(),
    email: c.email,
    topic_preferences: JSON.stringify(c.topicPreferences),
    unsubscribe_all: c.unsubscribeAll ? 1 : 0,
    attributes: c.attributes,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function contactToRecord(r: Selectable<ContactsTable>): ContactRecord {
  return {
    accountId: r.account_id,
    listName: r.list_name,
    email: r.email,
    topicPreferences: JSON.parse(r.topic_preferences) as ContactRecord['topicPreferences'],
    unsubscribeAll: r.unsubscribe_all !== 0,
    attributes: r.attributes,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Rows per INSERT of a bulk upsert (PostgreSQL allows 65,535 parameters per statement; 9 per row). */
const UPSERT_CHUNK = 500;

export class KyselyContacts implements ContactStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;

  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  createList(l: ContactListRecord): Promise<void> {
    return insertOrConflict(`contact list ${l.name}`, () =>
      this.#db
        .insertInto('contact_lists')
        .values({
          account_id: l.accountId,
          name: l.name,
          description: l.description,
          topics: JSON.stringify(l.topics),
          created_at: l.createdAt,
          updated_at: l.updatedAt,
        })
        .execute(),
    );
  }

  getList(accountId: string, name: string): Promise<ContactListRecord | null> {
    return one(
      this.#db
        .selectFrom('contact_lists')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name),
      listToRecord,
    );
  }

  lists(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactListRecord>> {
    return page(
      this.#db
        .selectFrom('contact_lists')
        .selectAll()
        .where('account_id', '=', accountId)
        .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
        .orderBy('name'),
      options.limit,
      listToRecord,
      (l) => l.name,
    );
  }

  countLists(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('contact_lists').where('account_id', '=', accountId));
  }

  async updateList(l: ContactListRecord): Promise<boolean> {
    const res = await this.#db
      .updateTable('contact_lists')
      .set({ description: l.description, topics: JSON.stringify(l.topics), updated_at: l.updatedAt })
      .where('account_id', '=', l.accountId)
      .where('name', '=', l.name)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteList(accountId: string, name: string): Promise<boolean> {
    return this.#tx.run(async (trx) => {
      await trx
        .deleteFrom('contacts')
        .where('account_id', '=', accountId)
        .where('list_name', '=', name)
        .execute();
      const res = await trx
        .deleteFrom('contact_lists')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  createContact(c: ContactRecord): Promise<void> {
    return insertOrConflict(`contact ${c.email}`, () =>
      this.#db.insertInto('contacts').values(contactToRow(c)).execute(),
    );
  }

  getContact(accountId: string, listName: string, email: string): Promise<ContactRecord | null> {
    return one(
      this.#db
        .selectFrom('contacts')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('list_name', '=', listName)
        .where('email_key', '=', email.toLowerCase()),
      contactToRecord,
    );
  }

  async findContacts(accountId: string, listName: string, emails: string[]): Promise<ContactRecord[]> {
    if (emails.length === 0) return [];
    const rows = await this.#db
      .selectFrom('contacts')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('list_name', '=', listName)
      .where(
        'email_key',
        'in',
        emails.map((e) => e.toLowerCase()),
      )
      .execute();
    return rows.map(contactToRecord);
  }

  contacts(
    accountId: string,
    listName: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ContactRecord>> {
    return page(
      this.#db
        .selectFrom('contacts')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('list_name', '=', listName)
        .$if(options.after !== undefined, (q) => q.where('email_key', '>', options.after!))
        .orderBy('email_key'),
      options.limit,
      contactToRecord,
      (c) => c.email.toLowerCase(),
    );
  }

  async modifyContact(
    accountId: string,
    listName: string,
    email: string,
    change: (contact: ContactRecord | null) => ContactRecord | null,
  ): Promise<ContactRecord | null> {
    const key = email.toLowerCase();
    return this.#tx.run(async (trx) => {
      const row = await trx
        .selectFrom('contacts')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('list_name', '=', listName)
        .where('email_key', '=', key)
        .$if(this.#tx.lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      const next = change(row ? contactToRecord(row) : null);
      if (!next) return null;
      const values = contactToRow(next);
      if (row)
        await trx
          .updateTable('contacts')
          .set({
            topic_preferences: values.topic_preferences,
            unsubscribe_all: values.unsubscribe_all,
            attributes: values.attributes,
            updated_at: values.updated_at,
          })
          .where('account_id', '=', accountId)
          .where('list_name', '=', listName)
          .where('email_key', '=', key)
          .execute();
      // Two first-time writers of one address: the later one keeps the row the earlier one made.
      else
        await trx
          .insertInto('contacts')
          .values(values)
          .onConflict((oc) => oc.columns(['account_id', 'list_name', 'email_key']).doNothing())
          .execute();
      return next;
    });
  }

  async upsertContacts(contacts: ContactRecord[]): Promise<void> {
    for (let i = 0; i < contacts.length; i += UPSERT_CHUNK) {
      const rows = contacts.slice(i, i + UPSERT_CHUNK).map(contactToRow);
      // One row per address within a statement (PostgreSQL refuses to update a row twice in one INSERT).
      const unique = [...new Map(rows.map((r) => [r.email_key, r])).values()];
      await this.#db
        .insertInto('contacts')
        .values(unique)
        .onConflict((oc) =>
          oc.columns(['account_id', 'list_name', 'email_key']).doUpdateSet((eb) => ({
            topic_preferences: eb.ref('excluded.topic_preferences'),
            unsubscribe_all: eb.ref('excluded.unsubscribe_all'),
            attributes: eb.ref('excluded.attributes'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async deleteContact(accountId: string, listName: string, email: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('contacts')
      .where('account_id', '=', accountId)
      .where('list_name', '=', listName)
      .where('email_key', '=', email.toLowerCase())
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
