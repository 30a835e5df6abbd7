/** Console users (the web console's sign-in). */
import type { Selectable } from 'kysely';
import { insertOrConflict, modifyOne, one } from './queries.ts';
import type { ConsoleUsersTable } from './schema.ts';
import type { Db, WriteTransactions } from './transactions.ts';
import type { ConsoleRole, ConsoleUserRecord, ConsoleUserStore } from './store.ts';

function toRecord(r: Selectable<ConsoleUsersTable>): ConsoleUserRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    email: r.email,
    role: r.role as ConsoleRole,
    passwordHash: r.password_hash,
    passwordChangedAt: r.password_changed_at === null ? null : Number(r.password_changed_at),
    setupTokenHash: r.setup_token_hash,
    setupExpiresAt: r.setup_expires_at === null ? null : Number(r.setup_expires_at),
    createdAt: Number(r.created_at),
  };
}

function toRow(u: ConsoleUserRecord): ConsoleUsersTable {
  return {
    id: u.id,
    account_id: u.accountId,
    email: u.email,
    role: u.role,
    password_hash: u.passwordHash,
    password_changed_at: u.passwordChangedAt,
    setup_token_hash: u.setupTokenHash,
    setup_expires_at: u.setupExpiresAt,
    created_at: u.createdAt,
  };
}

export class KyselyConsoleUsers implements ConsoleUserStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;
  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  create(user: ConsoleUserRecord): Promise<void> {
    return insertOrConflict('console user', () =>
      this.#db.insertInto('console_users').values(toRow(user)).execute(),
    );
  }

  get(id: string): Promise<ConsoleUserRecord | null> {
    return one(this.#db.selectFrom('console_users').selectAll().where('id', '=', id), toRecord);
  }

  byEmail(email: string): Promise<ConsoleUserRecord | null> {
    return one(
      this.#db.selectFrom('console_users').selectAll().where('email', '=', email.toLowerCase()),
      toRecord,
    );
  }

  bySetupToken(tokenHash: string): Promise<ConsoleUserRecord | null> {
    return one(
      this.#db.selectFrom('console_users').selectAll().where('setup_token_hash', '=', tokenHash),
      toRecord,
    );
  }

  modify(id: string, change: (u: ConsoleUserRecord) => ConsoleUserRecord): Promise<ConsoleUserRecord | null> {
    return modifyOne(
      this.#tx,
      (trx, lock) =>
        trx
          .selectFrom('console_users')
          .selectAll()
          .where('id', '=', id)
          .$if(lock, (q) => q.forUpdate())
          .executeTakeFirst(),
      toRecord,
      change,
      async (trx, next) => {
        const { id: _id, ...values } = toRow(next);
        await trx.updateTable('console_users').set(values).where('id', '=', id).execute();
      },
    );
  }

  async list(accountId: string | null): Promise<ConsoleUserRecord[]> {
    const rows = await this.#db
      .selectFrom('console_users')
      .selectAll()
      .where((eb) => (accountId === null ? eb('account_id', 'is', null) : eb('account_id', '=', accountId)))
      .orderBy('email')
      .execute();
    return rows.map(toRecord);
  }
}
