/**
 * Starts a real Sesame node for a test: its own data directory, database (SQLite or a PostgreSQL schema),
 * loopback DNS server and HTTP listener on a free port; gives SDK clients for new accounts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SESClient } from '@aws-sdk/client-ses';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createPlatform, type Platform } from '../../src/platform.ts';
import { testDatabase } from './database.ts';
import { TestDnsServer } from './dns-server.ts';

export interface TestAccount {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  smtpUsername: string;
  smtpPassword: string;
  v2: SESv2Client;
  v1: SESClient;
}

export interface TestSesame {
  url: string;
  /** Ports of the SMTP listeners (STARTTLS, implicit TLS, trusted if configured). */
  smtp: { starttls: number; tls: number; trusted: number; mx: number };
  config: Config;
  platform: Platform;
  dns: TestDnsServer;
  dataDir: string;
  /** Everything the node logged, as text (to check that no secret is ever logged). */
  logs(): string;
  createAccount(options?: { production?: boolean; name?: string }): Promise<TestAccount>;
  v2Client(
    credentials: { accessKeyId: string; secretAccessKey: string },
    extra?: Record<string, unknown>,
  ): SESv2Client;
  close(): Promise<void>;
}

export async function startSesame(
  overrides: Partial<Record<keyof Config, unknown>> = {},
  /** Runs after the platform is built and before it listens (settings read at listen time may still change). */
  beforeListen?: (platform: Platform) => Promise<void>,
): Promise<TestSesame> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sesame-test-'));
  const db = testDatabase(dataDir);
  const dns = await new TestDnsServer().start();
  const httpPort = await freePort();
  const deliveryPort = await freePort();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      databaseUrl: db.url,
      databaseSchema: db.schema,
      httpPort,
      dnsServers: [dns.address],
      hostname: 'mx.sesame.test',
      verificationRetrySeconds: 0.1,
      deliveryPort,
      smtpPort: 0,
      smtpsPort: 0,
      mxPort: 0,
      notificationRetrySeconds: 0.2,
      retryBaseSeconds: 0.2,
      smtpTimeoutSeconds: 3,
      logLevel: 'info',
      ...overrides,
    },
  });
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const platform = await createPlatform(config, { logger: createLogger('debug', sink) });
  await beforeListen?.(platform);
  const { http, smtp } = await platform.listen();
  const smtpPort = (name: string) =>
    Number(
      smtp
        .find((l) => l.name.startsWith(name))
        ?.address.split(':')
        .pop(),
    );
  const url = http.replace('[::1]', '127.0.0.1');
  const clientConfig = (
    credentials: { accessKeyId: string; secretAccessKey: string },
    extra: Record<string, unknown> = {},
  ) => ({
    endpoint: url,
    region: config.region,
    credentials,
    maxAttempts: 1,
    ...extra,
  });
  const sesame: TestSesame = {
    url,
    smtp: {
      starttls: smtpPort('smtp (STARTTLS)'),
      tls: smtpPort('smtps'),
      trusted: smtpPort('smtp (trusted'),
      mx: smtpPort('mx'),
    },
    config,
    platform,
    dns,
    dataDir,
    logs: () => logText,
    async createAccount(options = {}) {
      const { account, credentials } = await platform.core.accounts.create({
        name: options.name ?? 'test',
        production: options.production ?? false,
      });
      return {
        accountId: account.id,
        ...credentials,
        v2: new SESv2Client(clientConfig(credentials)),
        v1: new SESClient(clientConfig(credentials)),
      };
    },
    v2Client: (credentials, extra) => new SESv2Client(clientConfig(credentials, extra)),
    async close() {
      await platform.close();
      await dns.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return sesame;
}

/**
 * A free TCP port on loopback (so that links Sesame builds from its port are right from the start). Chosen
 * below Linux's ephemeral range (32768–60999): a port the kernel hands out with listen(0) is also handed to
 * outgoing connections (database clients, SMTP clients), which could take it before our listener binds.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const srv = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return port;
  }
}

/** Polls `probe` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Publishes, in the test DNS server, every record Sesame asks the owner of an identity to publish. */
export async function publishRecords(sesame: TestSesame, accountId: string, identity: string): Promise<void> {
  for (const r of await sesame.platform.core.identities.dnsRecords(accountId, identity)) {
    const existing = sesame.dns.zones.get(r.name) ?? {};
    if (r.type === 'TXT') sesame.dns.set(r.name, { txt: [...(existing.txt ?? []), r.value] });
    else {
      const [priority, exchange] = r.value.split(' ') as [string, string];
      sesame.dns.set(r.name, {
        mx: [...(existing.mx ?? []), { priority: Number(priority), exchange: exchange.replace(/\.$/, '') }],
      });
    }
  }
}
