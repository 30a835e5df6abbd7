/**
 * Several Sesame nodes (bin/sesame.js serve processes, node-process.ts) on one PostgreSQL schema with one master
 * key, each with its own node id, data directory and ports; one loopback DNS server and one receiving SMTP sink
 * for `dest.test` behind them all. What the multi-node tests start from.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { testDatabase, type TestDatabase } from './database.ts';
import { TestDnsServer } from './dns-server.ts';
import { undeliveredTo, type NodeCredentials } from './node-fixture.ts';
import { SesameProcess } from './node-process.ts';
import { freePort } from './sesame.ts';
import { SmtpSink } from './smtp-sink.ts';

export interface ClusterNode {
  id: string;
  process: SesameProcess;
  ports: { http: number; smtp: number; smtps: number; mx: number; trusted: number };
  dir: string;
}

export interface Cluster {
  nodes: ClusterNode[];
  db: TestDatabase;
  dns: TestDnsServer;
  /** The MX of `dest.test` (127.0.0.2). */
  sink: SmtpSink;
  /** A production account with unlimited quotas and the verified domain `sender.test`. */
  creds: NodeCredentials;
  /** An SES v2 client of an account on node `i` (no SDK retries). */
  client(i: number, creds?: NodeCredentials): SESv2Client;
  /** A new production account made with the CLI (`account update` flags, e.g. `--max-24h 1000`). */
  account(...update: string[]): Promise<NodeCredentials>;
  cli(...args: string[]): Promise<string>;
  /** Waits (up to `timeoutMs`) for these messages to reach the sink; those that did not. */
  undelivered(messageIds: Iterable<string>, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Open a trusted-network SMTP listener (no AUTH, 127.0.0.0/8) on each node for the cluster's account. */
  trusted?: boolean;
}

export async function startCluster(
  count = 3,
  env: Record<string, string> = {},
  options: ClusterOptions = {},
): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'sesame-cluster-'));
  const db = testDatabase(root);
  const dns = await new TestDnsServer().start();
  const deliveryPort = await freePort();
  const sink = await new SmtpSink('127.0.0.2', deliveryPort).start();
  dns.set('dest.test', { mx: [{ exchange: 'mx.dest.test', priority: 10 }] });
  dns.set('mx.dest.test', { a: ['127.0.0.2'] });
  const masterKey = randomBytes(32).toString('base64');
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    const id = `node-${String.fromCharCode(97 + i)}`;
    const dir = join(root, id);
    const ports = {
      http: await freePort(),
      smtp: await freePort(),
      smtps: await freePort(),
      mx: await freePort(),
      trusted: await freePort(),
    };
    const process = new SesameProcess({
      SESAME_DATA_DIR: dir,
      SESAME_DATABASE_URL: db.url,
      SESAME_DATABASE_SCHEMA: db.schema,
      SESAME_MASTER_KEY: masterKey,
      SESAME_NODE_ID: id,
      SESAME_HTTP_PORT: String(ports.http),
      SESAME_SMTP_PORT: String(ports.smtp),
      SESAME_SMTPS_PORT: String(ports.smtps),
      SESAME_MX_PORT: String(ports.mx),
      SESAME_DNS_SERVERS: dns.address,
      SESAME_DELIVERY_PORT: String(deliveryPort),
      SESAME_HOSTNAME: 'mx.sesame.test',
      SESAME_VERIFICATION_RETRY_SECONDS: '0.1',
      SESAME_RETRY_BASE_SECONDS: '0.5',
      SESAME_LOG_LEVEL: 'warn',
      ...(options.trusted
        ? { SESAME_SMTP_TRUSTED_PORT: String(ports.trusted), SESAME_SMTP_TRUSTED_NETWORKS: '127.0.0.0/8' }
        : {}),
      ...env,
    });
    nodes.push({ id, process, ports, dir });
  }
  const first = nodes[0]!.process;
  const cli = (...args: string[]) => first.cli(...args);
  const close = async () => {
    await Promise.all(nodes.map((n) => n.process.stop().catch(() => undefined)));
    await sink.stop();
    await dns.stop();
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const client = (i: number, c: NodeCredentials) =>
      new SESv2Client({
        endpoint: nodes[i]!.process.url,
        region: 'us-east-1',
        credentials: c,
        maxAttempts: 1,
      });
    const created = async (...update: string[]) => {
      const c = JSON.parse(
        await cli('account', 'create', '--name', 'cluster', '--production'),
      ) as NodeCredentials;
      if (update.length) await cli('account', 'update', c.accountId, ...update);
      return c;
    };
    /** Its own verified `sender.test` (each account has its own DKIM keys: their records are published too). */
    const verified = async (c: NodeCredentials) => {
      await client(0, c).send(new CreateEmailIdentityCommand({ EmailIdentity: 'sender.test' }));
      dns.publishZoneFile(await cli('dns-records', 'sender.test', '--account', c.accountId));
      for (let i = 0; ; i++) {
        const got = await client(nodes.length - 1, c).send(
          new GetEmailIdentityCommand({ EmailIdentity: 'sender.test' }),
        );
        if (got.VerifiedForSendingStatus) return c;
        if (i > 300) throw new Error('the sender domain did not verify');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const creds = await created('--max-rate', 'unlimited', '--max-24h', 'unlimited');
    if (options.trusted) for (const n of nodes) n.process.env.SESAME_SMTP_TRUSTED_ACCOUNT = creds.accountId;
    // One at a time: the first runs the migrations.
    for (const n of nodes) await n.process.start();
    await verified(creds);
    const account = async (...update: string[]) => verified(await created(...update));
    const undelivered = (messageIds: Iterable<string>, timeoutMs?: number) =>
      undeliveredTo(sink, messageIds, timeoutMs);
    return {
      nodes,
      db,
      dns,
      sink,
      creds,
      client: (i, c = creds) => client(i, c),
      account,
      cli,
      undelivered,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
