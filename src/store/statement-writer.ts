/**
 * Writes as compiled statements, one transaction per call. On a SQLite file they run in the writer thread (see
 * dialects/sqlite-writer.ts): off the event loop, each SQL text prepared once, the fsync of the commit on
 * another core. Elsewhere (PostgreSQL, an in-memory SQLite database) they run through Kysely. Repositories
 * whose writes are frequent (received mail, its progress, notification outcomes) batch them with GroupCommit
 * and hand each batch over here.
 */
import { CompiledQuery, type Compilable } from 'kysely';
import type { SqliteWriterThread } from './dialects/sqlite-writer.ts';
import type { Statement } from './dialects/sqlite-writer-worker.ts';
import type { Db } from './transactions.ts';

export type { Statement };

/** A Kysely query as a statement to hand to the writer. */
export function statement(query: Compilable): Statement {
  const c = query.compile();
  return { sql: c.sql, parameters: c.parameters };
}

export interface StatementWriter {
  /** Runs the statements in one write transaction; the rows each returned (`[]` for those returning none). */
  run(statements: Statement[]): Promise<unknown[][]>;
}

export function statementWriter(db: Db, thread: () => SqliteWriterThread | undefined): StatementWriter {
  return {
    async run(statements) {
      if (statements.length === 0) return [];
      const t = thread();
      if (t) return (await t.run({ kind: 'statements', statements })) as unknown[][];
      return db.transaction().execute(async (trx) => {
        const results: unknown[][] = [];
        for (const s of statements)
          results.push((await trx.executeQuery(CompiledQuery.raw(s.sql, [...s.parameters]))).rows);
        return results;
      });
    },
  };
}
