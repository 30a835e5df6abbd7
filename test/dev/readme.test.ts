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
import { TestDnsServer } from '../support/dns-server.ts';

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
let extraEnv: Record<string, string> = {};
const env = () => ({
  ...process.env,
  SESAME_DATA_DIR: dataDir,
  PATH: `/usr/bin:${process.env.PATH ?? ''}`,
  ...extraEnv,
});

/** Starts a README block that runs the server; resolves once it printed `ready`. */
async function startServer(script: string, ready: string): Promise<void> {
  serverOutput = '';
  server = spawn('bash', ['-c', script], { cwd: process.cwd(), env: env(), detached: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${serverOutput}`)), 60_000);
    const seen = (c: Buffer) => {
      serverOutput += c.toString();
      if (serverOutput.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server!.stdout!.on('data', seen);
    server!.stderr!.on('data', seen);
    server!.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${serverOutput}`)));
  });
}

/** Stops the server and waits for its ports to be free again. */
async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s?.pid) return;
  const exited = new Promise((resolve) => s.once('exit', resolve));
  process.kill(-s.pid, 'SIGTERM');
  await exited;
}

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
    await startServer(`exec ${serve}`, 'Try:');
  }, 90_000);
  afterAll(async () => {
    await stopServer();
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

/**
 * The production path as the README gives it: serve with a public name, an account, a domain, its records
 * published (here in a loopback DNS server, through SESAME_DNS_SERVERS as the README says for a private
 * resolver), then `identity check` says SUCCESS. Only the placeholders of the keys are filled in.
 */
describe.skipIf(onPostgres)('README, the production path', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sesame-readme-'));
    dns = await new TestDnsServer().start();
    extraEnv = { SESAME_DNS_SERVERS: dns.address };
    await startServer(shellBlocks('Going to production')[0]!, 'Sesame is running');
  }, 90_000);
  afterAll(async () => {
    await stopServer();
    await dns?.stop();
    extraEnv = {};
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates an account and a domain, publishes its records, and the check says SUCCESS', async () => {
    const [setup, check] = shellBlocks('Going to production').slice(1);
    const lines = setup!.trim().split('\n');
    const exportHost = lines[0]!;
    expect(exportHost).toBe('export SESAME_HOSTNAME=mail.example.net');
    const created = await run(`${exportHost}\n${lines[1]!}`);
    expect(created.code, created.out).toBe(0);
    const keys = JSON.parse(created.out.slice(created.out.indexOf('{'))) as Record<string, string>;
    const rest = lines
      .slice(2)
      .join('\n')
      .replace('<accessKeyId>', keys.accessKeyId!)
      .replace('<secretAccessKey>', keys.secretAccessKey!);
    const records = await run(`${exportHost}\n${rest}`);
    expect(records.code, records.out).toBe(0);
    expect(records.out).toContain('_domainkey.example.net.');
    expect(records.out).toContain('"v=spf1 a:mail.example.net ~all"');
    dns.publishZoneFile(records.out);
    const checked = await run(`${exportHost}\n${check!}`);
    expect(checked.code, checked.out).toBe(0);
    expect(JSON.parse(checked.out.slice(checked.out.indexOf('{')))).toMatchObject({
      identity: 'example.net',
      verificationStatus: 'SUCCESS',
      dkimStatus: 'SUCCESS',
    });
  }, 60_000);
});
