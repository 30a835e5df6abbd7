/**
 * A rolling restart on three nodes (real processes, one PostgreSQL schema): one node is stopped with SIGTERM
 * while clients keep sending to all three. No request that reached it fails (every answer it gives is a
 * success); a client whose connection is refused retries on another node and succeeds; the queued mail the
 * stopped node held is handed back and delivered by the others at once, not after its lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { onPostgres } from '../support/database.ts';

let cluster: Cluster;

describe.skipIf(!onPostgres)('a rolling restart', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    cluster = await startCluster(3, { SESAME_LOG_LEVEL: 'info' });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('fails no request that reached the stopping node, and loses nothing', async () => {
    const { nodes } = cluster;
    const stopping = nodes[1]!;
    const clients = nodes.map(
      (n) =>
        new SESv2Client({
          endpoint: n.process.url,
          region: 'us-east-1',
          credentials: cluster.creds,
          maxAttempts: 1,
          requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true },
        }),
    );
    // The destination defers for now: the nodes hold queued mail when one of them stops.
    cluster.sink.dataReply = '451 4.3.0 Try again later';
    const accepted: string[] = [];
    const refusedByServer: string[] = [];
    let connectionErrors = 0;
    let stopped = false;
    const started = Date.now();
    const loop = async (first: number) => {
      let node = first;
      for (let i = 0; Date.now() - started < 5000; i++) {
        try {
          const r = await clients[node]!.send(
            new SendEmailCommand({
              FromEmailAddress: 'hello@sender.test',
              Destination: { ToAddresses: ['rolling@dest.test'] },
              Content: { Simple: { Subject: { Data: 'rolling' }, Body: { Text: { Data: 'x' } } } },
            }),
          );
          accepted.push(r.MessageId!);
        } catch (err) {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status !== undefined) refusedByServer.push(`${node}: ${status} ${(err as Error).message}`);
          else connectionErrors++;
          // Connection refused or reset: another node.
          node = (node + 1) % nodes.length;
          if (node === 1 && stopped) node = 2;
        }
      }
    };
    const loops = Promise.all([0, 1, 2, 1, 2, 0].map((n) => loop(n)));
    await new Promise((r) => setTimeout(r, 2000));
    stopped = true;
    await stopping.process.stop();
    await loops;
    expect(refusedByServer).toEqual([]);
    const handedBack = stopping.process.output.includes('handed back to the other nodes');
    cluster.sink.dataReply = undefined;
    // Well within the 30-second lease: handed back, the others take it at their next heartbeat (10 s).
    const missing = await cluster.undelivered(accepted, 25_000);
    console.log(
      `rolling restart: ${accepted.length} accepted in 5 s, ${connectionErrors} connection errors retried on ` +
        `another node, ${missing.length} missing after 25 s, queued work handed back: ${handedBack}`,
    );
    expect(missing).toEqual([]);
    expect(handedBack).toBe(true);
  });
});
