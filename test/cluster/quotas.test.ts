/**
 * Three nodes on one PostgreSQL schema (real processes): the account's 24-hour quota and send rate hold across
 * them, and a suppression-list change made through one node is honoured by another for the very next send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetAccountCommand,
  PutSuppressedDestinationCommand,
  SendEmailCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { onPostgres } from '../support/database.ts';
import { createClient } from 'redis';

const REDIS = 'redis://127.0.0.1:6379';

let cluster: Cluster;

const send = (client: SESv2Client, to = 'someone@dest.test') =>
  client.send(
    new SendEmailCommand({
      FromEmailAddress: 'hello@sender.test',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'quota' }, Body: { Text: { Data: 'x' } } } },
    }),
  );

/** Sends `count` messages spread over the clients, `concurrency` at a time; how many were accepted and why not. */
async function sendMany(clients: SESv2Client[], count: number, concurrency: number) {
  let next = 0;
  let accepted = 0;
  const refusals = new Map<string, number>();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        try {
          await send(clients[i % clients.length]!);
          accepted++;
        } catch (err) {
          const key = `${(err as Error).name}: ${(err as Error).message}`;
          refusals.set(key, (refusals.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  return { accepted, refusals };
}

/** Three nodes sending as fast as they can for 3 s for an account of 10 a second: one bucket between them. */
async function expectOneRate(c: Cluster): Promise<string> {
  const creds = await c.account('--max-24h', 'unlimited', '--max-rate', '10');
  const clients = c.nodes.map((_, i) => c.client(i, creds));
  const started = Date.now();
  let accepted = 0;
  let refused = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() - started < 3000)
        try {
          await send(client);
          accepted++;
        } catch (err) {
          expect((err as Error).message).toBe('Maximum sending rate exceeded.');
          refused++;
        }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // A token bucket of 10 a second, full at the start: at most 10 + 10 per second, for all three nodes together
  // (each node on its own would allow three times as many).
  expect(accepted).toBeLessThanOrEqual(Math.ceil(10 + 10 * seconds));
  expect(accepted).toBeGreaterThanOrEqual(Math.floor(10 * seconds) - 5);
  expect(refused).toBeGreaterThan(0);
  return creds.accountId;
}

describe.skipIf(!onPostgres)('three nodes on one PostgreSQL', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('accept exactly the 24-hour quota together', async () => {
    const creds = await cluster.account('--max-24h', '1000', '--max-rate', 'unlimited');
    const clients = [0, 1, 2].map((i) => cluster.client(i, creds));
    const first = await sendMany(clients, 1300, 12);
    // What a node took in a block and did not use goes back after a second; the next sends get it.
    await new Promise((r) => setTimeout(r, 1500));
    const second = await sendMany(clients, 60, 3);
    expect(first.accepted + second.accepted).toBe(1000);
    expect([...first.refusals.keys(), ...second.refusals.keys()]).toEqual([
      'TooManyRequestsException: Daily message quota exceeded.',
      'TooManyRequestsException: Daily message quota exceeded.',
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of clients)
      expect((await c.send(new GetAccountCommand({}))).SendQuota).toMatchObject({
        Max24HourSend: 1000,
        SentLast24Hours: 1000,
      });
  });

  it('share one send rate', async () => {
    await expectOneRate(cluster);
  });
  it('honour a suppression added through another node on the very next send', async () => {
    const [a, b] = [cluster.client(0), cluster.client(1)];
    await a.send(new PutSuppressedDestinationCommand({ EmailAddress: 'gone@dest.test', Reason: 'BOUNCE' }));
    const { MessageId } = await send(b, 'gone@dest.test');
    const shown = JSON.parse(await cluster.cli('message', 'show', MessageId!)) as {
      recipients: { address: string; status: string }[];
    };
    expect(shown.recipients).toEqual([
      expect.objectContaining({ address: 'gone@dest.test', status: 'suppressed' }),
    ]);
  });
});

/** Redis runs on these machines (127.0.0.1:6379); where it does not, the Redis case says so and is skipped. */
const redisUp = await (async () => {
  const probe = createClient({ url: REDIS, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.quit();
    return true;
  } catch {
    console.warn(`no Redis at ${REDIS}: the Redis rate-limit case is skipped`);
    return false;
  }
})();

describe.skipIf(!onPostgres || !redisUp)('nodes with their send rates in Redis', { timeout: 120_000 }, () => {
  let withRedis: Cluster;
  beforeAll(async () => {
    withRedis = await startCluster(3, { SESAME_RATE_LIMIT_REDIS_URL: REDIS });
  }, 120_000);
  afterAll(async () => {
    await withRedis?.close();
  });

  it('share one send rate through Redis', async () => {
    const accountId = await expectOneRate(withRedis);
    const redis = createClient({ url: REDIS });
    await redis.connect();
    try {
      const keys = await redis.keys(`sesame:*:${withRedis.db.schema}:rate:${accountId}`);
      expect(keys).toHaveLength(1);
      expect(Number(await redis.hGet(keys[0]!, 'at'))).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await redis.quit();
    }
  });
});
