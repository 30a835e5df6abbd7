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
  return { db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: preparedOnce(raw) }) }), raw };
}

/**
 * Kysely's SQLite driver prepares every statement each time it runs it; compiling SQL was a sixth of the main
 * thread's time under load. This keeps the most recent statements prepared (better-sqlite3 re-prepares one
 * itself after a schema change). Safe because nothing streams (`iterate` would hold a statement busy).
 */
function preparedOnce(raw: Database.Database, capacity = 1000) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string): Database.Statement {
      let st = statements.get(sql);
      if (st) {
        statements.delete(sql);
      } else {
        st = raw.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, st);
      return st;
    },
  };
}
