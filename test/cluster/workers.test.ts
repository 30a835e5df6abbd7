/**
 * `sesame serve` with two worker processes (SESAME_WORKERS=2) on the test's database (SQLite or PostgreSQL):
 * both share the ports and answer, each as a node of its own; a worker killed with SIGKILL is started again
 * while the other keeps serving; SIGTERM drains both, and every accepted message is delivered.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { startNodeFixture, type NodeFixture } from '../support/node-fixture.ts';
import { eventually } from '../support/sesame.ts';

let fx: NodeFixture;

/** Sends through the API; the MessageId and which worker answered (`x-sesame-node`). */
async function send(i: number): Promise<{ id: string; node: string }> {
  let node = '';
  // A connection handed to a worker just as it is killed is lost with it: clients time out and retry.
  const client = new SESv2Client({
    endpoint: fx.node.url,
    region: 'us-east-1',
    credentials: fx.creds,
    maxAttempts: 3,
    requestHandler: { requestTimeout: 3000, throwOnRequestTimeout: true },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      node = (out.response as { headers: Record<string, string> }).headers['x-sesame-node'] ?? '';
      return out;
    },
    { step: 'deserialize', name: 'sesameNode' },
  );
  const r = await client.send(
    new SendEmailCommand({
      FromEmailAddress: 'hello@sender.test',
      Destination: { ToAddresses: [`w${i}@dest.test`] },
      Content: { Simple: { Subject: { Data: `worker ${i}` }, Body: { Text: { Data: 'x' } } } },
    }),
  );
  return { id: r.MessageId!, node };
}

const workerPids = (parent = fx.node.pid) =>
  execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);

describe('sesame serve --workers 2', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    fx = await startNodeFixture({ env: { SESAME_WORKERS: '2', SESAME_NODE_ID: 'box' } });
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('share the ports, survive a worker killed, drain on SIGTERM, and deliver everything', async () => {
    expect(fx.node.output).toContain('Workers: 2 processes sharing these ports (nodes box-w1…w2)');
    const sent: { id: string; node: string }[] = [];
    for (let i = 0; i < 40; i++) sent.push(await send(i));
    // A new connection per client: the kernel spreads them over both workers.
    expect(new Set(sent.map((s) => s.node))).toEqual(new Set(['box-w1', 'box-w2']));

    const [victim] = workerPids();
    expect(workerPids()).toHaveLength(2);
    process.kill(victim!, 'SIGKILL');
    // The other worker keeps answering while the supervisor starts a new one.
    for (let i = 40; i < 60; i++) sent.push(await send(i));
    await eventually(async () => workerPids().length === 2 && !workerPids().includes(victim!), 20_000);
    for (let i = 60; i < 100; i++) sent.push(await send(i));
    expect(new Set(sent.slice(60).map((s) => s.node))).toEqual(new Set(['box-w1', 'box-w2']));

    expect(await fx.undelivered(sent.map((s) => s.id))).toEqual([]);
    const primary = fx.node.pid;
    const before = Date.now();
    await fx.node.stop();
    expect(Date.now() - before).toBeLessThan(15_000);
    // Gone with it: pgrep finds no child of the supervisor (and exits 1).
    expect(() => workerPids(primary)).toThrow();
  });
});
