/**
 * The Store over Kysely, for SQLite (better-sqlite3) and PostgreSQL (pg): opening, migrating, closing, and one
 * repository per file beside it. All SQL of Sesame lives in store/.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { Migrator } from 'kysely/migration';
import { KyselyAccessKeys } from './access-key-store.ts';
import { KyselyAccounts } from './account-store.ts';
import { KyselyConfigurationSets } from './configuration-set-store.ts';
import { KyselyContacts } from './contact-store.ts';
import { openPostgres } from './dialects/postgres.ts';
import { openSqlite } from './dialects/sqlite.ts';
import { SqliteWriterThread } from './dialects/sqlite-writer.ts';
import { reconcileSpool, spoolDirOf, type SpoolReport } from './body-spool.ts';
import { KyselyIdentities } from './identity-store.ts';
import { KyselyMessageStore } from './message-store.ts';
import { KyselyMeta } from './meta-store.ts';
import { KyselyMetrics } from './metric-store.ts';
import { migrations, type Dialect } from './migrations/index.ts';
import { KyselyNotifications } from './notification-store.ts';
import { KyselyReceiving } from './receiving-store.ts';
import { KyselySecrets } from './secret-store.ts';
import { KyselySns } from './sns-store.ts';
import type { Store } from './store.ts';
import { KyselySuppressionStore } from './suppression-store.ts';
import { KyselyDevelopment } from './development-store.ts';
import { KyselyConsoleUsers } from './console-user-store.ts';
import { KyselyQuotas } from './quota-store.ts';
import { KyselyLeases } from './lease-store.ts';
import { KyselyIdentityPolicies } from './identity-policy-store.ts';
import { KyselyDedicatedIps } from './dedicated-ip-store.ts';
import { KyselyTags } from './tag-store.ts';
import { KyselyTemplates } from './template-store.ts';
import { statementWriter } from './statement-writer.ts';
import { writeTransactions, type Db } from './transactions.ts';

export interface StoreOptions {
  /** `sqlite:<file>` or `postgres://…`. */
  url: string;
  /** PostgreSQL schema (ignored on SQLite). */
  schema?: string;
  /** A pooled PostgreSQL connection failed while idle (it is replaced; see dialects/postgres.ts). */
  onConnectionError?: (err: Error) => void;
  /** Told how long each group commit of messages took (`accept`, `outcomes`), for telemetry. */
  onCommit?: (kind: string, seconds: number) => void;
  /** Told what the start-up reconciliation of a SQLite file's body spool did (store/body-spool.ts). */
  onSpool?: (report: SpoolReport) => void;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.url.startsWith('sqlite:')) {
    const handle = openSqlite(options.url.slice('sqlite:'.length));
    return new KyselyStore(
      handle.db,
      'sqlite',
      options.schema,
      handle.raw,
      options.onCommit,
      options.onSpool,
    );
  }
  const schema = options.schema ?? 'public';
  const db = await openPostgres(options.url, schema, {
    ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
  });
  return new KyselyStore(db, 'postgres', schema, undefined, options.onCommit);
}

/** PostgreSQL errors of the Migrator's look-ups when another schema of the database changes under them. */
const INTROSPECTION_RACES = new Set(['3F000', '42P01', '42703']);

class KyselyStore implements Store {
  readonly accounts: KyselyAccounts;
  readonly accessKeys: KyselyAccessKeys;
  readonly identities: KyselyIdentities;
  readonly tags: KyselyTags;
  readonly meta: KyselyMeta;
  readonly messages: KyselyMessageStore;
  readonly metrics: KyselyMetrics;
  readonly suppression: KyselySuppressionStore;
  readonly development: KyselyDevelopment;
  readonly consoleUsers: KyselyConsoleUsers;
  readonly quotas: KyselyQuotas;
  readonly leases: KyselyLeases;
  readonly identityPolicies: KyselyIdentityPolicies;
  readonly dedicatedIps: KyselyDedicatedIps;
  readonly configurationSets: KyselyConfigurationSets;
  readonly sns: KyselySns;
  readonly notifications: KyselyNotifications;
  readonly secrets: KyselySecrets;
  readonly templates: KyselyTemplates;
  readonly contacts: KyselyContacts;
  readonly receiving: KyselyReceiving;
  readonly db: Db;
  readonly dialect: Dialect;
  readonly #schema: string | undefined;
  /** SQLite file: the writer thread, started on the first write (the tables exist only after migrations). */
  #thread: SqliteWriterThread | undefined;
  /** A SQLite file's body spool (store/body-spool.ts). */
  readonly #spoolDir: string | undefined;
  readonly #onSpool: ((report: SpoolReport) => void) | undefined;

  constructor(
    db: Db,
    dialect: Dialect,
    schema: string | undefined,
    raw: SqliteDatabase | undefined,
    onCommit?: (kind: string, seconds: number) => void,
    onSpool?: (report: SpoolReport) => void,
  ) {
    this.db = db;
    this.dialect = dialect;
    this.#schema = schema;
    const tx = writeTransactions(db, dialect);
    this.#spoolDir = raw && !raw.memory ? spoolDirOf(raw.name) : undefined;
    this.#onSpool = onSpool;
    const thread = () =>
      raw && !raw.memory ? (this.#thread ??= new SqliteWriterThread(raw.name)) : undefined;
    const writer = statementWriter(db, thread);
    this.accounts = new KyselyAccounts(db, tx);
    this.accessKeys = new KyselyAccessKeys(db);
    this.identities = new KyselyIdentities(db, tx);
    this.tags = new KyselyTags(db);
    this.identityPolicies = new KyselyIdentityPolicies(db);
    this.dedicatedIps = new KyselyDedicatedIps(db);
    this.meta = new KyselyMeta(db);
    this.messages = new KyselyMessageStore(db, dialect, raw, thread, this.#spoolDir, onCommit);
    this.metrics = new KyselyMetrics(db, tx);
    this.suppression = new KyselySuppressionStore(db);
    this.development = new KyselyDevelopment(db, tx, this.#spoolDir);
    this.consoleUsers = new KyselyConsoleUsers(db, tx);
    this.quotas = new KyselyQuotas(db, tx);
    this.leases = new KyselyLeases(db);
    this.configurationSets = new KyselyConfigurationSets(db, tx);
    this.sns = new KyselySns(db);
    this.notifications = new KyselyNotifications(db, dialect, writer);
    this.secrets = new KyselySecrets(db);
    this.templates = new KyselyTemplates(db);
    this.contacts = new KyselyContacts(db, tx);
    this.receiving = new KyselyReceiving(db, tx, dialect, writer);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations(this.dialect) },
      ...(this.dialect === 'postgres' && this.#schema ? { migrationTableSchema: this.#schema } : {}),
    });
    let { error, results } = await migrator.migrateToLatest();
    // Kysely's Migrator looks at the tables (and their columns) of every schema; a schema that another user of
    // the same PostgreSQL database drops or migrates meanwhile makes that look-up fail with 3F000
    // (invalid_schema_name), 42P01 (undefined_table) or 42703 (undefined_column). No migration of ours ran
    // (none is in the results as failed): try again.
    const lookupRace = () =>
      INTROSPECTION_RACES.has((error as { code?: string } | undefined)?.code ?? '') &&
      !results?.some((r) => r.status === 'Error');
    for (let attempt = 1; attempt <= 5 && lookupRace(); attempt++) {
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
    if (this.#spoolDir) {
      const report = await reconcileSpool(this.db, this.#spoolDir);
      this.#onSpool?.(report);
    }
  }

  async close(): Promise<void> {
    await this.#thread?.close();
    await this.db.destroy();
  }
}
