/**
 * A Sesame process (bin/sesame.js serve, see node-process.ts) ready to send: its own data directory and
 * database, a loopback DNS server, a receiving SMTP sink for `dest.test`, a production account with
 * unlimited quotas and the verified domain `sender.test`. What the crash and fault experiments start from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { testDatabase, type TestDatabase } from './database.ts';
import { TestDnsServer } from './dns-server.ts';
import { SesameProcess } from './node-process.ts';
import { freePort } from './sesame.ts';
import { SmtpSink } from './smtp-sink.ts';

export interface NodeCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  smtpUsername: string;
  smtpPassword: string;
}

export interface NodeFixture {
  node: SesameProcess;
  dir: string;
  db: TestDatabase;
  dns: TestDnsServer;
  /** The destination MX of `dest.test` (127.0.0.2). */
  sink: SmtpSink;
  creds: NodeCredentials;
  ports: { http: number; smtp: number; smtps: number; mx: number };
  /** An SES v2 client of the account (`maxAttempts` as given, default 1: no SDK retries). */
  client(maxAttempts?: number): SESv2Client;
  /** Waits (up to `timeoutMs`) for these messages to reach the sink; those that did not. */
  undelivered(messageIds: Iterable<string>, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export interface NodeFixtureOptions {
  /** More settings of the node (SESAME_* variables). */
  env?: Record<string, string>;
  /** Directory for the data (and the SQLite file): default a new temporary directory. */
  dir?: string;
  /** A command the node runs under, which execs it (e.g. `prlimit --nofile=256:256`). */
  wrapper?: string[];
}

/** The Message-ID Sesame gave a delivered message (its Message-ID header is `<id@host>`). */
export const deliveredId = (raw: Buffer): string | undefined =>
  /^Message-ID:\s*<([^@>]+)@/im.exec(raw.toString('latin1'))?.[1];

/** Waits (up to `timeoutMs`) for these messages to reach the sink; returns those that did not. */
export async function undeliveredTo(
  sink: SmtpSink,
  messageIds: Iterable<string>,
  timeoutMs = 60_000,
): Promise<string[]> {
  const wanted = [...messageIds];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = new Set(sink.messages.map((m) => deliveredId(m.raw)));
    const missing = wanted.filter((id) => !got.has(id));
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startNodeFixture(options: NodeFixtureOptions = {}): Promise<NodeFixture> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sesame-node-'));
  const db = testDatabase(dir);
  const dns = await new TestDnsServer().start();
  const deliveryPort = await freePort();
  const sink = await new SmtpSink('127.0.0.2', deliveryPort).start();
  dns.set('dest.test', { mx: [{ exchange: 'mx.dest.test', priority: 10 }] });
  dns.set('mx.dest.test', { a: ['127.0.0.2'] });
  const ports = {
    http: await freePort(),
    smtp: await freePort(),
    smtps: await freePort(),
    mx: await freePort(),
  };
  const node = new SesameProcess(
    {
      SESAME_DATA_DIR: dir,
      SESAME_DATABASE_URL: db.url,
      SESAME_DATABASE_SCHEMA: db.schema,
      SESAME_HTTP_PORT: String(ports.http),
      SESAME_DNS_SERVERS: dns.address,
      SESAME_DELIVERY_PORT: String(deliveryPort),
      SESAME_HOSTNAME: 'mx.sesame.test',
      SESAME_NODE_ID: 'fixture-node',
      SESAME_VERIFICATION_RETRY_SECONDS: '0.1',
      SESAME_RETRY_BASE_SECONDS: '0.5',
      SESAME_LOG_LEVEL: 'warn',
      SESAME_SMTP_PORT: String(ports.smtp),
      SESAME_SMTPS_PORT: String(ports.smtps),
      SESAME_MX_PORT: String(ports.mx),
      ...options.env,
    },
    options.wrapper,
  );
  const cleanup = async () => {
    await node.stop().catch(() => undefined);
    await sink.stop();
    await dns.stop();
    await db.drop();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const creds = JSON.parse(
      await node.cli('account', 'create', '--name', 'fixture', '--production'),
    ) as NodeCredentials;
    await node.cli('account', 'update', creds.accountId, '--max-rate', 'unlimited', '--max-24h', 'unlimited');
    await node.start();
    const client = (maxAttempts = 1) =>
      new SESv2Client({ endpoint: node.url, region: 'us-east-1', credentials: creds, maxAttempts });
    const admin = client();
    await admin.send(new CreateEmailIdentityCommand({ EmailIdentity: 'sender.test' }));
    dns.publishZoneFile(await node.cli('dns-records', 'sender.test'));
    for (let i = 0; ; i++) {
      const got = await admin.send(new GetEmailIdentityCommand({ EmailIdentity: 'sender.test' }));
      if (got.VerifiedForSendingStatus) break;
      if (i > 200) throw new Error('the sender domain did not verify');
      await new Promise((r) => setTimeout(r, 50));
    }
    const undelivered = (messageIds: Iterable<string>, timeoutMs?: number) =>
      undeliveredTo(sink, messageIds, timeoutMs);
    return { node, dir, db, dns, sink, creds, ports, client, undelivered, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
