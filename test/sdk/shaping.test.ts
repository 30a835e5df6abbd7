/**
 * Traffic shaping against a real destination: a shaping file gives the sink's provider (matched by its MX
 * host suffix) one connection and three messages per connection; the sink counts what it sees. A "rate
 * limited" deferral slows that path down, and `sesame queue` (the real CLI) shows why.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { sesameCli } from '../support/sesame-cli.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let a: TestAccount;
let sink: SmtpSink;
const shapingFile = join(tmpdir(), `sesame-shaping-${process.pid}.json`);

beforeAll(async () => {
  writeFileSync(
    shapingFile,
    JSON.stringify({
      providers: {
        shapedco: {
          mx: ['.shaped.test'],
          connectionLimit: 1,
          maxDeliveriesPerConnection: 3,
          automation: [{ match: 'rate limited', maxMessageRate: '1/2s', duration: '1h' }],
        },
      },
    }),
  );
  sesame = await startSesame({ shapingFile, connectionIdleSeconds: 5 });
  a = await sesame.createAccount({ production: true, name: 'shaping' });
  await sesame.platform.core.accounts.update(a.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, a, 'sender.test');
  sink = await sinkFor(sesame, 'shaped.test');
}, 30_000);
afterAll(async () => sesame?.close());

const send = (to: string) =>
  a.v2.send(
    new SendEmailCommand({
      FromEmailAddress: 'app@sender.test',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'Shaped' }, Body: { Text: { Data: 'Hello.' } } } },
    }),
  );

const arrived = (prefix: string, n: number) =>
  eventually(async () => {
    const got = sink.messages.filter((m) => m.rcptTo[0]!.startsWith(prefix));
    return got.length >= n && got;
  }, 30_000);

describe('traffic shaping per provider', () => {
  it('keeps to the connection limit and the messages per connection', async () => {
    await Promise.all(Array.from({ length: 9 }, (_, i) => send(`burst${i}@shaped.test`)));
    const got = await arrived('burst', 9);
    // One connection at a time (SESAME_DESTINATION_CONCURRENCY alone would allow several)…
    expect(sink.maxOpen).toBe(1);
    // …and at most three messages on each.
    expect(Math.max(...got.map((m) => m.transactionInConnection))).toBe(3);
    expect(new Set(got.map((m) => m.connection)).size).toBeGreaterThanOrEqual(3);
  });

  it('a "rate limited" deferral slows the path down for the rule’s time, and `sesame queue` says why', async () => {
    sink.rcptReplies.set('first@shaped.test', ['451 4.7.28 Too much mail: rate limited, slow down', '250']);
    await send('first@shaped.test');
    await arrived('first', 1);
    const status = sesame.platform.mta.shaper.status().find((p) => p.provider === 'shapedco')!;
    expect(status).toMatchObject({
      maxMessageRate: '1/2s',
      throttled: { action: 'rate 1/2s', reply: 'smtp; 451 4.7.28 Too much mail: rate limited, slow down' },
    });
    // Three more: one every two seconds at most.
    const started = Date.now();
    await Promise.all([send('slow0@shaped.test'), send('slow1@shaped.test'), send('slow2@shaped.test')]);
    await arrived('slow', 3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);

    const cli = await sesameCli(sesame, { SESAME_SHAPING_FILE: shapingFile }, 'queue');
    expect(cli.code, cli.stderr).toBe(0);
    const out = JSON.parse(cli.stdout) as {
      nodes: { node: string; shaping: { provider: string; throttled: { reply: string } | null }[] }[];
    };
    const node = out.nodes.find((n) => n.node === sesame.config.nodeId)!;
    expect(node.shaping.find((p) => p.provider === 'shapedco')?.throttled?.reply).toBe(
      'smtp; 451 4.7.28 Too much mail: rate limited, slow down',
    );
  }, 60_000);
});
