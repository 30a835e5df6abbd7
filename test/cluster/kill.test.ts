/**
 * Three nodes on one PostgreSQL schema (real processes), 20,000 messages submitted over the API and SMTP spread
 * across them, one node killed with SIGKILL mid-run and started again: every message a client was told was
 * accepted reaches the loopback sink. Duplicates (at-least-once) are counted and printed, not hidden.
 * SESAME_CLUSTER_MESSAGES changes the count (the figure is the default).
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { onPostgres } from '../support/database.ts';
import { deliveredId } from '../support/node-fixture.ts';

const TOTAL = Number(process.env.SESAME_CLUSTER_MESSAGES ?? 20_000);
/** A quarter over SMTP, the rest over the API. */
const OVER_SMTP = Math.floor(TOTAL / 4);

let cluster: Cluster;

describe.skipIf(!onPostgres)('three nodes, one killed mid-run', () => {
  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('delivers every accepted message', { timeout: 600_000 }, async () => {
    const { nodes } = cluster;
    const victim = nodes[1]!;
    const down = new Set<number>();
    const accepted = new Set<string>();
    let failedAttempts = 0;
    let next = 0;
    /** Nodes in turn, skipping one that is down; a refused or broken attempt is retried on the next node. */
    const submit = async (attempt: (node: number) => Promise<string>) => {
      let node = next++ % nodes.length;
      for (let tries = 0; ; tries++) {
        if (down.has(node)) node = (node + 1) % nodes.length;
        try {
          accepted.add(await attempt(node));
          return;
        } catch (err) {
          failedAttempts++;
          if (tries > 20) throw err;
          node = (node + 1) % nodes.length;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = nodes.map((_, i) => cluster.client(i));
    const api = (node: number) =>
      clients[node]!.send(
        new SendEmailCommand({
          FromEmailAddress: 'hello@sender.test',
          Destination: { ToAddresses: ['someone@dest.test'] },
          Content: { Simple: { Subject: { Data: 'cluster' }, Body: { Text: { Data: 'x' } } } },
        }),
      ).then((r) => r.MessageId!);
    const transports = nodes.map((n) =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port: n.ports.smtp,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: cluster.creds.smtpUsername, pass: cluster.creds.smtpPassword },
        pool: true,
        maxConnections: 2,
      }),
    );
    const smtp = async (node: number) => {
      const info = await transports[node]!.sendMail({
        from: 'hello@sender.test',
        to: 'someone@dest.test',
        subject: 'cluster over smtp',
        text: 'x',
      });
      return /Ok (\S+)$/.exec(info.response)![1]!;
    };

    let submitted = 0;
    let killed = false;
    const started = Date.now();
    const worker = async (kind: 'api' | 'smtp', count: () => boolean) => {
      while (count()) {
        await submit(kind === 'api' ? api : smtp);
        submitted++;
        if (!killed && submitted >= TOTAL * 0.4) {
          killed = true;
          down.add(1);
          await victim.process.kill();
          // Back after two seconds, on the same data: it takes its own queued work again.
          setTimeout(() => {
            void victim.process.start().then(() => down.delete(1));
          }, 2000);
        }
      }
    };
    let apiLeft = TOTAL - OVER_SMTP;
    let smtpLeft = OVER_SMTP;
    await Promise.all([
      ...Array.from({ length: 9 }, () => worker('api', () => apiLeft-- > 0)),
      ...Array.from({ length: 3 }, () => worker('smtp', () => smtpLeft-- > 0)),
    ]);
    const submitSeconds = (Date.now() - started) / 1000;
    for (const t of transports) t.close();
    expect(killed).toBe(true);
    expect(accepted.size).toBe(TOTAL);

    const missing = await cluster.undelivered(accepted, 300_000);
    const deliveredSeconds = (Date.now() - started) / 1000;
    const counts = new Map<string, number>();
    for (const m of cluster.sink.messages) {
      const id = deliveredId(m.raw)!;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const unacknowledged = [...counts.keys()].filter((id) => !accepted.has(id)).length;
    console.log(
      `cluster kill test: ${TOTAL} accepted (${OVER_SMTP} over SMTP) in ${submitSeconds.toFixed(1)} s, ` +
        `all delivered after ${deliveredSeconds.toFixed(1)} s; ${failedAttempts} attempts failed and were retried ` +
        `on another node; ${duplicates} delivered twice; ${unacknowledged} delivered that no client was told ` +
        `were accepted (committed as the node died)`,
    );
    expect(missing).toEqual([]);
  });
});
