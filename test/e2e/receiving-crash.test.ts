/**
 * Received mail is durable from its 250: a Sesame process is killed (SIGKILL) while mail arrives on its MX and
 * its actions are still waiting; after the restart every message answered 250 has its S3 object and its
 * Lambda-style call.
 */
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { FileObjectStore } from '../../src/lib/object-store.ts';
import { HttpReceiver } from '../support/http-receiver.ts';
import { startNodeFixture, type NodeFixture } from '../support/node-fixture.ts';

let fixture: NodeFixture;
let lambda: HttpReceiver;

beforeAll(async () => {
  lambda = await new HttpReceiver().start();
  // Until the crash, the function endpoint fails: every message's actions are still pending when it comes.
  lambda.status = 503;
  fixture = await startNodeFixture({ env: { SESAME_RECEIVING_RETRY_BASE_SECONDS: '0.2' } });
  const { node, creds } = fixture;
  await node.cli('bucket', 'create', 'crash-mail', '--account', creds.accountId);
  await node.cli('function', 'map', `arn:aws:lambda:us-east-1:${creds.accountId}:function:f`, lambda.url);
  const ses = new SESClient({ endpoint: node.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'crash' }));
  await ses.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'crash',
      Rule: {
        Name: 'all',
        Enabled: true,
        Recipients: ['sender.test'],
        Actions: [
          {
            LambdaAction: {
              FunctionArn: `arn:aws:lambda:us-east-1:${creds.accountId}:function:f`,
              InvocationType: 'Event',
            },
          },
          { S3Action: { BucketName: 'crash-mail' } },
        ],
      },
    }),
  );
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'crash' }));
});
afterAll(async () => {
  await fixture?.close();
  await lambda?.stop();
});

describe('receiving durability', () => {
  it('kill -9 while mail arrives: every message answered 250 runs its actions after the restart', async () => {
    const accepted: string[] = [];
    let refused = 0;
    let next = 0;
    const total = 120;
    const killAfter = 60;
    let killed = false;
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: fixture.ports.mx,
      pool: true,
      maxConnections: 6,
      ignoreTLS: true,
    });
    const worker = async () => {
      while (next < total) {
        const n = next++;
        try {
          const info = await transport.sendMail({
            envelope: { from: 'outside@remote.test', to: [`box${n}@sender.test`] },
            raw: `From: outside@remote.test\r\nTo: box${n}@sender.test\r\nSubject: crash ${n}\r\n\r\nbody ${n}\r\n`,
          });
          accepted.push(/Ok ([a-z2-7]{28})$/.exec(info.response)![1]!);
          if (!killed && accepted.length >= killAfter) {
            killed = true;
            await fixture.node.kill();
          }
        } catch {
          refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    transport.close();
    expect(killed).toBe(true);
    expect(accepted.length).toBeGreaterThanOrEqual(killAfter);
    await fixture.node.start();
    lambda.status = 200;
    const objects = new FileObjectStore(join(fixture.dir, 'buckets'));
    const deadline = Date.now() + 60_000;
    let missing: string[] = accepted;
    while (missing.length && Date.now() < deadline) {
      const called = new Set(lambda.received.map((r) => /"messageId":"([a-z2-7]{28})"/.exec(r.raw)?.[1]));
      const present: string[] = [];
      for (const id of missing)
        if (called.has(id) && (await objects.head('crash-mail', id))) present.push(id);
      missing = missing.filter((id) => !present.includes(id));
      if (missing.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(missing).toEqual([]);
    expect(refused + accepted.length).toBe(total);
  }, 120_000);
});
