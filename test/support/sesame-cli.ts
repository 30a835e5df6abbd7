/** The real `sesame` command (bin/sesame.js in a child process) against a test node's data directory and database. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestSesame } from './sesame.ts';

const run = promisify(execFile);

export async function sesameCli(
  sesame: TestSesame,
  extra: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    SESAME_DATA_DIR: sesame.config.dataDir,
    SESAME_DATABASE_URL: sesame.config.databaseUrl,
    SESAME_DATABASE_SCHEMA: sesame.config.databaseSchema,
    SESAME_HTTP_PORT: String(sesame.config.httpPort),
    SESAME_DNS_SERVERS: sesame.dns.address,
    SESAME_HOSTNAME: sesame.config.hostname,
    ...extra,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/sesame.js', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
