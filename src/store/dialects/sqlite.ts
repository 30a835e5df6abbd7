/** SQLite over better-sqlite3: one file, WAL journal, full fsync at commit. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../schema.ts';

export interface SqliteHandle {
  db: Kysely<Schema>;
  raw: Database.Database;
}

export function openSqlite(file: string): SqliteHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer (accepted means durable); group commit amortises the fsync.
  raw.pragma('synchronous = FULL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');
  return { db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) }), raw };
}
