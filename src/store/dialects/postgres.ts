/** PostgreSQL over pg: a pool whose connections use Sesame's schema; int8 values come back as numbers. */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database as Schema } from '../schema.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export interface PostgresOptions {
  poolSize?: number;
  /**
   * A pooled connection failed while idle (the server restarted or terminated it, a proxy dropped it). The pool
   * discards it and opens a new one when needed; without a listener pg's 'error' event would end the process.
   */
  onConnectionError?: (err: Error) => void;
}

export async function openPostgres(
  url: string,
  schema: string,
  options: PostgresOptions = {},
): Promise<Kysely<Schema>> {
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format) as (v: string) => unknown;
    },
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    // Names the connections in pg_stat_activity (an operator sees whose they are; tests find a node's own).
    application_name: `sesame:${schema}`.slice(0, 63),
    // A server that does not answer fails a request in 10 s (retryable), rather than holding it for ever.
    connectionTimeoutMillis: 10_000,
    types,
  });
  // An idle connection's failure reaches the pool's 'error'; a checked-out one's reaches only its client,
  // where nothing (neither the pool nor Kysely) listens: each client gets a listener of its own, so a
  // connection lost mid-query fails that query (a retryable error) instead of ending the process.
  pool.on('error', (err) => options.onConnectionError?.(err));
  pool.on('connect', (client) => client.on('error', (err) => options.onConnectionError?.(err)));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return db;
}
