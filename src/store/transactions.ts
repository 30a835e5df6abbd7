/** Read–change–write transactions that hold the write lock from their start, on both databases. */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

/** Runs `fn` in a write transaction; `lockRows` tells the repository to read with `FOR UPDATE`. */
export interface WriteTransactions {
  run<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /** PostgreSQL: reads inside `run` take row locks (`FOR UPDATE`); SQLite holds the database lock already. */
  readonly lockRows: boolean;
}

/**
 * `BEGIN IMMEDIATE` on SQLite (so a read-then-write cannot be overtaken by another process), a normal
 * transaction with `FOR UPDATE` reads on PostgreSQL.
 */
export function writeTransactions(db: Db, dialect: 'sqlite' | 'postgres'): WriteTransactions {
  if (dialect === 'postgres') return { run: (fn) => db.transaction().execute(fn), lockRows: true };
  return {
    lockRows: false,
    run: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (err) {
          await sql`rollback`.execute(conn);
          throw err;
        }
      }),
  };
}
