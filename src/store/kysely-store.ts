/**
 * The Store over Kysely, for SQLite (better-sqlite3) and PostgreSQL (pg). All SQL of Sesame lives in store/.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations, type Dialect } from './migrations/index.ts';
import { openSqlite } from './dialects/sqlite.ts';
import { KyselyMessageStore } from './message-store.ts';
import { KyselySuppressionStore } from './suppression-store.ts';
import { KyselyConfigurationSets } from './configuration-set-store.ts';
import { KyselyNotifications, KyselySecrets, KyselySns } from './sns-store.ts';
import { openPostgres } from './dialects/postgres.ts';
import { isUniqueViolation } from './sql-errors.ts';
import { KyselyTemplates } from './template-store.ts';
import { KyselyContacts } from './contact-store.ts';
import type { AccountsTable, Database, IdentitiesTable } from './schema.ts';
import {
  StoreConflictError,
  type AccessKeyRecord,
  type AccessKeyStore,
  type AccountRecord,
  type AccountStore,
  type IdentityRecord,
  type IdentityStore,
  type MessageStore,
  type MetaStore,
  type Page,
  type ReviewStatus,
  type ConfigurationSetStore,
  type NotificationStore,
  type SecretStore,
  type SnsStore,
  type Store,
  type SuppressionStore,
  type TemplateStore,
  type ContactStore,
  type Tag,
  type TagStore,
} from './store.ts';

export interface StoreOptions {
  /** `sqlite:<file>` or `postgres://…`. */
  url: string;
  /** PostgreSQL schema (ignored on SQLite). */
  schema?: string;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.url.startsWith('sqlite:')) {
    const handle = openSqlite(options.url.slice('sqlite:'.length));
    return new KyselyStore(handle.db, 'sqlite', options.schema, handle.raw);
  }
  const schema = options.schema ?? 'public';
  return new KyselyStore(await openPostgres(options.url, schema), 'postgres', schema, undefined);
}

const bool = (v: number): boolean => v !== 0;
const bit = (v: boolean): number => (v ? 1 : 0);
const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

type Db = Kysely<Database>;

class KyselyStore implements Store {
  readonly messages: MessageStore;
  readonly suppression: SuppressionStore;
  readonly configurationSets: ConfigurationSetStore;
  readonly sns: SnsStore;
  readonly notifications: NotificationStore;
  readonly secrets: SecretStore;
  readonly accounts: AccountStore;
  readonly accessKeys: AccessKeyStore;
  readonly identities: IdentityStore;
  readonly tags: TagStore;
  readonly meta: MetaStore;
  readonly templates: TemplateStore;
  readonly contacts: ContactStore;
  readonly db: Db;
  readonly dialect: Dialect;
  readonly #schema: string | undefined;

  constructor(db: Db, dialect: Dialect, schema: string | undefined, raw: SqliteDatabase | undefined) {
    this.db = db;
    this.dialect = dialect;
    this.#schema = schema;
    this.messages = new KyselyMessageStore(db, dialect, raw);
    this.suppression = new KyselySuppressionStore(db);
    this.configurationSets = new KyselyConfigurationSets(
      db,
      (fn) => this.writeTransaction(fn),
      dialect === 'postgres',
    );
    this.sns = new KyselySns(db);
    this.notifications = new KyselyNotifications(db, dialect);
    this.secrets = new KyselySecrets(db);
    this.accounts = new KyselyAccounts(this);
    this.accessKeys = new KyselyAccessKeys(db);
    this.identities = new KyselyIdentities(this);
    this.tags = new KyselyTags(db);
    this.meta = new KyselyMeta(db);
    this.templates = new KyselyTemplates(db);
    this.contacts = new KyselyContacts(db, (fn) => this.writeTransaction(fn), dialect === 'postgres');
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations(this.dialect) },
      ...(this.dialect === 'postgres' && this.#schema ? { migrationTableSchema: this.#schema } : {}),
    });
    let { error, results } = await migrator.migrateToLatest();
    // Kysely's Migrator looks at the tables of every schema; a schema that another user of the same PostgreSQL
    // database drops meanwhile makes that look-up fail with 3F000 (invalid_schema_name). Nothing of ours was
    // touched: try again.
    for (
      let attempt = 1;
      attempt <= 5 && (error as { code?: string } | undefined)?.code === '3F000';
      attempt++
    ) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      ({ error, results } = await migrator.migrateToLatest());
    }
    const failed = results?.find((r) => r.status === 'Error');
    if (error)
      throw new Error(
        `database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
        {
          cause: error,
        },
      );
  }

  async close(): Promise<void> {
    await (this.messages as KyselyMessageStore).close();
    await this.db.destroy();
  }

  /**
   * Runs `fn` in a transaction that holds the write lock from its start: `BEGIN IMMEDIATE` on SQLite (so a
   * read-then-write cannot be overtaken by another process), a normal transaction with `FOR UPDATE` reads on
   * PostgreSQL.
   */
  async writeTransaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.db.transaction().execute(fn);
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn);
        throw err;
      }
    });
  }

  get lockRows(): boolean {
    return this.dialect === 'postgres';
  }
}

// ---- accounts ----------------------------------------------------------------------------------------

function accountToRow(a: AccountRecord): AccountsTable {
  return {
    id: a.id,
    name: a.name,
    created_at: a.createdAt,
    production_access: bit(a.productionAccess),
    max_24h: a.max24HourSend,
    max_rate: a.maxSendRate,
    sending_enabled: bit(a.sendingEnabled),
    enforcement_status: a.enforcementStatus,
    suppressed_reasons: JSON.stringify(a.suppressedReasons),
    details: a.details ? JSON.stringify(a.details) : null,
    review: a.review ? JSON.stringify(a.review) : null,
    review_status: a.review?.status ?? null,
    review_updated_at: a.review?.updatedAt ?? null,
  };
}

function rowToAccount(r: Selectable<AccountsTable>): AccountRecord {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    productionAccess: bool(r.production_access),
    max24HourSend: r.max_24h,
    maxSendRate: r.max_rate,
    sendingEnabled: bool(r.sending_enabled),
    enforcementStatus: r.enforcement_status as AccountRecord['enforcementStatus'],
    suppressedReasons: JSON.parse(r.suppressed_reasons) as AccountRecord['suppressedReasons'],
    details: json(r.details),
    review: json(r.review),
  };
}

class KyselyAccounts implements AccountStore {
  readonly #s: KyselyStore;
  constructor(store: KyselyStore) {
    this.#s = store;
  }

  async create(account: AccountRecord): Promise<void> {
    try {
      await this.#s.db.insertInto('accounts').values(accountToRow(account)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`account ${account.id}`);
      throw err;
    }
  }

  async get(id: string): Promise<AccountRecord | null> {
    const row = await this.#s.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToAccount(row) : null;
  }

  async list(): Promise<AccountRecord[]> {
    const rows = await this.#s.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToAccount);
  }

  async listByReviewStatus(status: ReviewStatus): Promise<AccountRecord[]> {
    const rows = await this.#s.db
      .selectFrom('accounts')
      .selectAll()
      .where('review_status', '=', status)
      .orderBy('review_updated_at')
      .execute();
    return rows.map(rowToAccount);
  }

  async modify(id: string, change: (account: AccountRecord) => AccountRecord): Promise<AccountRecord | null> {
    return this.#s.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', id)
        .$if(this.#s.lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return null;
      const next = change(rowToAccount(row));
      const { id: _id, ...values } = accountToRow(next);
      await trx.updateTable('accounts').set(values).where('id', '=', id).execute();
      return next;
    });
  }
}

// ---- access keys -------------------------------------------------------------------------------------

class KyselyAccessKeys implements AccessKeyStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  async create(key: AccessKeyRecord): Promise<void> {
    try {
      await this.#db
        .insertInto('access_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          sealed_secret: key.sealedSecret,
          status: key.status,
          created_at: key.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`access key ${key.id}`);
      throw err;
    }
  }

  async get(id: string): Promise<AccessKeyRecord | null> {
    const r = await this.#db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r
      ? {
          id: r.id,
          accountId: r.account_id,
          sealedSecret: r.sealed_secret,
          status: r.status as AccessKeyRecord['status'],
          createdAt: r.created_at,
        }
      : null;
  }

  async listByAccount(accountId: string): Promise<AccessKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      sealedSecret: r.sealed_secret,
      status: r.status as AccessKeyRecord['status'],
      createdAt: r.created_at,
    }));
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

// ---- identities --------------------------------------------------------------------------------------

function identityToRow(i: IdentityRecord): IdentitiesTable {
  return {
    account_id: i.accountId,
    name: i.name,
    type: i.type,
    created_at: i.createdAt,
    verification_status: i.verificationStatus,
    verification_started_at: i.verificationStartedAt,
    email_token: i.emailToken,
    domain_token: i.domainToken,
    last_checked_at: i.lastCheckedAt,
    last_success_at: i.lastSuccessAt,
    next_check_at: i.nextCheckAt,
    check_count: i.checkCount,
    error_type: i.errorType,
    dkim_signing_enabled: bit(i.dkimSigningEnabled),
    dkim: i.dkim ? JSON.stringify(i.dkim) : null,
    mail_from: i.mailFrom ? JSON.stringify(i.mailFrom) : null,
    feedback_forwarding: bit(i.feedbackForwarding),
    configuration_set_name: i.configurationSetName,
    notifications: i.notifications ? JSON.stringify(i.notifications) : null,
  };
}

function rowToIdentity(r: Selectable<IdentitiesTable>): IdentityRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    type: r.type as IdentityRecord['type'],
    createdAt: r.created_at,
    verificationStatus: r.verification_status as IdentityRecord['verificationStatus'],
    verificationStartedAt: r.verification_started_at,
    emailToken: r.email_token,
    domainToken: r.domain_token,
    lastCheckedAt: r.last_checked_at,
    lastSuccessAt: r.last_success_at,
    nextCheckAt: r.next_check_at,
    checkCount: r.check_count,
    errorType: r.error_type,
    dkimSigningEnabled: bool(r.dkim_signing_enabled),
    dkim: json(r.dkim),
    mailFrom: json(r.mail_from),
    feedbackForwarding: bool(r.feedback_forwarding),
    configurationSetName: r.configuration_set_name,
    notifications: json(r.notifications),
  };
}

class KyselyIdentities implements IdentityStore {
  readonly #s: KyselyStore;
  constructor(store: KyselyStore) {
    this.#s = store;
  }

  async create(identity: IdentityRecord): Promise<void> {
    try {
      await this.#s.db.insertInto('identities').values(identityToRow(identity)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`identity ${identity.name}`);
      throw err;
    }
  }

  async get(accountId: string, name: string): Promise<IdentityRecord | null> {
    const r = await this.#s.db
      .selectFrom('identities')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? rowToIdentity(r) : null;
  }

  async list(
    accountId: string,
    options: { after?: string | undefined; limit: number; type?: IdentityRecord['type'] | undefined },
  ): Promise<Page<IdentityRecord>> {
    const rows = await this.#s.db
      .selectFrom('identities')
      .selectAll()
      .where('account_id', '=', accountId)
      .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
      .$if(options.type !== undefined, (q) => q.where('type', '=', options.type!))
      .orderBy('name')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(rowToIdentity);
    return { items, next: rows.length > options.limit ? (items.at(-1)?.name ?? null) : null };
  }

  async count(accountId: string): Promise<number> {
    const r = await this.#s.db
      .selectFrom('identities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async modify(
    accountId: string,
    name: string,
    change: (identity: IdentityRecord) => IdentityRecord,
  ): Promise<IdentityRecord | null> {
    return this.#s.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('identities')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .$if(this.#s.lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return null;
      const next = change(rowToIdentity(row));
      const { account_id: _a, name: _n, ...values } = identityToRow(next);
      await trx
        .updateTable('identities')
        .set(values)
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .execute();
      return next;
    });
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    const res = await this.#s.db
      .deleteFrom('identities')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async listDueForCheck(now: number, limit: number): Promise<IdentityRecord[]> {
    const rows = await this.#s.db
      .selectFrom('identities')
      .selectAll()
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(limit)
      .execute();
    return rows.map(rowToIdentity);
  }

  async findByEmailToken(token: string): Promise<IdentityRecord | null> {
    const r = await this.#s.db
      .selectFrom('identities')
      .selectAll()
      .where('email_token', '=', token)
      .executeTakeFirst();
    return r ? rowToIdentity(r) : null;
  }

  async nextCheckAt(): Promise<number | null> {
    const r = await this.#s.db
      .selectFrom('identities')
      .select((eb) => eb.fn.min<number>('next_check_at').as('t'))
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }
}

// ---- tags and meta -----------------------------------------------------------------------------------

class KyselyTags implements TagStore {
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

class KyselyMeta implements MetaStore {
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
