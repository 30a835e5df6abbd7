/**
 * The README's Quick start and First steps, run literally: `./sesamew serve --dev` on its default ports, then
 * the First steps' shell block as written (Debian's aws CLI, curl, `./sesamew message show`). It must end with
 * the message in `sesame message show` and in the inbox. Only the data directory is the test's own. Run once,
 * on the SQLite pass (the README's commands use the embedded database whatever the suite runs on).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/database.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The ```sh blocks of one README section. */
function shellBlocks(section: string): string[] {
  const start = readme.indexOf(`## ${section}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let server: ChildProcess | undefined;
let dataDir: string;
let serverOutput = '';
const env = () => ({ ...process.env, SESAME_DATA_DIR: dataDir, PATH: `/usr/bin:${process.env.PATH ?? ''}` });

function run(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: process.cwd(), env: env() });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(onPostgres)('README, run literally', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sesame-readme-'));
    const [serve] = shellBlocks('Quick start')[0]!.trim().split('\n');
    expect(serve).toBe('./sesamew serve --dev');
    server = spawn('bash', ['-c', `exec ${serve}`], { cwd: process.cwd(), env: env(), detached: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${serverOutput}`)), 60_000);
      const seen = (c: Buffer) => {
        serverOutput += c.toString();
        if (serverOutput.includes('Try:')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server!.stdout!.on('data', seen);
      server!.stderr!.on('data', seen);
      server!.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${serverOutput}`)));
    });
  }, 90_000);
  afterAll(() => {
    if (server?.pid) process.kill(-server.pid, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts in development mode and prints the keys the First steps use', () => {
    expect(serverOutput).toContain('DEVELOPMENT MODE');
    const exportLine = shellBlocks('First steps')[0]!.split('\n')[0]!;
    expect(serverOutput).toContain(exportLine.replace(/^export /, ''));
  });

  it('ends with the sent message in `sesame message show` and in the inbox', async () => {
    const { code, out } = await run(shellBlocks('First steps')[0]!);
    expect(code, out).toBe(0);
    const messageId = /"messageId": "([^"]+)"/.exec(out)?.[1];
    expect(messageId, out).toBeDefined();
    expect(out).toContain('"subject": "Hello from Sesame"');
    expect(out).toContain(`"messageId":"${messageId}"`);
    expect(out).toContain('"recipients":["you@example.org"]');
    const inbox = await (await fetch('http://127.0.0.1:8787/inbox')).text();
    expect(inbox).toContain('Hello from Sesame');
  }, 60_000);
});
