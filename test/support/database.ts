/**
 * Test databases: an SQLite file in a temporary directory by default, or a fresh PostgreSQL schema when
 * SESAME_TEST_DATABASE_URL is a postgres:// URL (dropped again when the test is done).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** SESAME_TEST_DATABASE_URL when it is a postgres:// URL, read when asked (the benchmarks set it after import). */
function postgresUrl(): string | undefined {
  const url = process.env.SESAME_TEST_DATABASE_URL ?? '';
  return /^postgres(ql)?:\/\//.test(url) ? url : undefined;
}

export const testDatabaseUrl = process.env.SESAME_TEST_DATABASE_URL ?? '';
export const onPostgres = postgresUrl() !== undefined;

export interface TestDatabase {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

export function testDatabase(dataDir: string): TestDatabase {
  const url = postgresUrl();
  if (!url) return { url: `sqlite:${dataDir}/sesame.db`, schema: 'public', drop: async () => undefined };
  const schema = `sesame_test_${randomBytes(6).toString('hex')}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
