/**
 * A Sesame node for a benchmark: its own process on a fresh data directory (SQLite, or a fresh PostgreSQL
 * schema), a loopback DNS server for MX/TXT lookups, an account with production access and no rate limits,
 * and a verified sender domain whose DKIM records are published in that DNS server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../test/support/database.ts';
import { TestDnsServer } from '../../test/support/dns-server.ts';
import { SesameProcess } from '../../test/support/node-process.ts';
import { freePort } from '../../test/support/sesame.ts';
import { signedFetch } from '../../test/support/signed-fetch.ts';
import { onServerCores } from './cpus.ts';

export interface BenchNodeOptions {
  db: 'sqlite' | 'postgres';
  /** Extra SESAME_* settings. */
  env?: Record<string, string>;
  /** Open the trusted-network SMTP listener (no AUTH, as Postfix mynetworks) for the bench account. */
  trustedListener?: boolean;
  /** Deliver mail for `sink.bench` to this loopback port (its MX in the bench DNS server is 127.0.0.1). */
  sinkPort?: number;
  /** Another checkout's `bin/sesame.js` to run instead of this one's (bench/ab-accept.ts). */
  bin?: string;
}

export interface Credentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  smtpUsername: string;
  smtpPassword: string;
}

export class BenchNode {
  readonly dir: string;
  readonly dns: TestDnsServer;
  readonly process: SesameProcess;
  readonly db: TestDatabase;
  credentials!: Credentials;

  private constructor(dir: string, db: TestDatabase, dns: TestDnsServer, process: SesameProcess) {
    this.dir = dir;
    this.db = db;
    this.dns = dns;
    this.process = process;
  }

  get url(): string {
    return this.process.url;
  }

  port(name: string): number {
    return Number(this.process.env[name]);
  }

  /** Starts a node with an account and the verified domain `sender.bench` (DKIM keys published). */
  static async start(options: BenchNodeOptions): Promise<BenchNode> {
    const dir = mkdtempSync(join(tmpdir(), 'sesame-bench-'));
    if (options.db === 'postgres')
      process.env.SESAME_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
    else delete process.env.SESAME_TEST_DATABASE_URL;
    const db = testDatabase(dir);
    const dns = await new TestDnsServer().start();
    const env: Record<string, string> = {
      SESAME_DATA_DIR: dir,
      SESAME_DATABASE_URL: db.url,
      SESAME_DATABASE_SCHEMA: db.schema,
      SESAME_HTTP_PORT: String(await freePort()),
      SESAME_DNS_SERVERS: dns.address,
      SESAME_HOSTNAME: 'mx.sesame.bench',
      SESAME_NODE_ID: 'bench-node',
      SESAME_VERIFICATION_RETRY_SECONDS: '0.1',
      SESAME_LOG_LEVEL: 'warn',
      SESAME_SMTP_PORT: String(await freePort()),
      SESAME_SMTPS_PORT: String(await freePort()),
      SESAME_MX_ENABLED: 'false',
      // SESAME_BENCH_PROFILE=dir: the node writes CPU profiles (main and writer threads) there when it stops.
      ...(process.env.SESAME_BENCH_PROFILE
        ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.SESAME_BENCH_PROFILE}` }
        : {}),
      ...(options.sinkPort ? { SESAME_DELIVERY_PORT: String(options.sinkPort) } : {}),
      ...(options.trustedListener
        ? { SESAME_SMTP_TRUSTED_PORT: String(await freePort()), SESAME_SMTP_TRUSTED_NETWORKS: '127.0.0.0/8' }
        : {}),
      ...options.env,
    };
    dns.set('sink.bench', { mx: [{ exchange: 'mx.sink.bench', priority: 10 }] });
    dns.set('mx.sink.bench', { a: ['127.0.0.1'] });
    const node = new BenchNode(dir, db, dns, new SesameProcess(env, onServerCores(), options.bin));
    node.credentials = JSON.parse(
      await node.process.cli('account', 'create', '--name', 'bench', '--production'),
    ) as Credentials;
    await node.process.cli(
      'account',
      'update',
      node.credentials.accountId,
      '--max-rate',
      'unlimited',
      '--max-24h',
      'unlimited',
    );
    if (options.trustedListener) node.process.env.SESAME_SMTP_TRUSTED_ACCOUNT = node.credentials.accountId;
    await node.process.start();
    await node.#verifyDomain('sender.bench');
    return node;
  }

  /** Calls an SES v2 operation with a signed request. */
  async v2(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await signedFetch(this.url, {
      method,
      path,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      credentials: this.credentials,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }

  async #verifyDomain(domain: string): Promise<void> {
    await this.v2('POST', '/v2/email/identities', { EmailIdentity: domain });
    this.dns.publishZoneFile(await this.process.cli('dns-records', domain));
    for (let i = 0; ; i++) {
      const identity = (await this.v2('GET', `/v2/email/identities/${domain}`)) as {
        VerifiedForSendingStatus?: boolean;
      };
      if (identity.VerifiedForSendingStatus) return;
      if (i > 400) throw new Error(`${domain} did not verify`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async restart(): Promise<void> {
    await this.process.start();
  }

  async stop(): Promise<void> {
    await this.process.stop().catch(() => undefined);
    await this.dns.stop();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
