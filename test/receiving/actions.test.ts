/**
 * What the actions of received mail do beyond the common case: an S3-compatible store other than Sesame's
 * (s3rver), Stop and Lambda dispositions, TLS-required rules, IP filters, the SNS size limit, retries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateReceiptFilterCommand,
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  DeleteReceiptFilterCommand,
  SetActiveReceiptRuleSetCommand,
  type ReceiptRule,
} from '@aws-sdk/client-ses';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { HttpReceiver } from '../support/http-receiver.ts';
import { verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;
let receiver: HttpReceiver;
let lambda: HttpReceiver;
let topicArn: string;
let s3: S3rver;
let s3Dir: string;
let s3Url: string;
const fn = (name: string) => `arn:aws:lambda:us-east-1:${acct.accountId}:function:${name}`;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'sesame-s3rver-'));
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: s3Dir,
    silent: true,
    configureBuckets: [{ name: 'external-mail', configs: [] }],
  });
  const { port } = await s3.run();
  s3Url = `http://127.0.0.1:${port}`;
  sesame = await startSesame({ receivingRetryBaseSeconds: 0.2 });
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'act.test');
  receiver = await new HttpReceiver().start();
  lambda = await new HttpReceiver().start();
  const sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'acts' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }));
  await eventually(async () => receiver.received.some((r) => r.body.Type === 'SubscriptionConfirmation'));
  await new Promise((r) => setTimeout(r, 200));
  const res = sesame.platform.core.receivingResources;
  await res.createBucket(acct.accountId, 'external-mail', {
    endpoint: s3Url,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  await res.mapFunction(acct.accountId, fn('stop-rule'), lambda.url);
  const rules: ReceiptRule[] = [
    {
      Name: 'external',
      Enabled: true,
      Recipients: ['ext@act.test'],
      Actions: [{ S3Action: { BucketName: 'external-mail', ObjectKeyPrefix: 'raw/' } }],
    },
    {
      Name: 'stop-here',
      Enabled: true,
      Recipients: ['stop@act.test'],
      Actions: [{ StopAction: { Scope: 'RuleSet', TopicArn: topicArn } }],
    },
    {
      Name: 'lambda-stops-rule',
      Enabled: true,
      Recipients: ['lambda@act.test'],
      Actions: [
        { LambdaAction: { FunctionArn: fn('stop-rule'), InvocationType: 'RequestResponse' } },
        { SNSAction: { TopicArn: topicArn } },
      ],
    },
    {
      Name: 'tls-only',
      Enabled: true,
      TlsPolicy: 'Require',
      Recipients: ['secure@act.test'],
      Actions: [{ SNSAction: { TopicArn: topicArn } }],
    },
    {
      Name: 'sns-only',
      Enabled: true,
      Recipients: ['small@act.test'],
      Actions: [{ SNSAction: { TopicArn: topicArn } }],
    },
    // Last: what the rules above stopped must never reach it.
    {
      Name: 'catch-all',
      Enabled: true,
      Recipients: ['act.test'],
      Actions: [{ SNSAction: { TopicArn: topicArn } }],
    },
  ];
  await acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'acts' }));
  let after: string | undefined;
  for (const Rule of rules) {
    await acct.v1.send(
      new CreateReceiptRuleCommand({ RuleSetName: 'acts', Rule, ...(after ? { After: after } : {}) }),
    );
    after = Rule.Name;
  }
  await acct.v1.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'acts' }));
});
afterAll(async () => {
  await receiver?.stop();
  await lambda?.stop();
  await sesame?.close();
  await s3?.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

function send(to: string, body = 'Hello.', options: { tls?: boolean } = {}) {
  return nodemailer
    .createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.mx,
      ignoreTLS: options.tls !== true,
      requireTLS: options.tls === true,
      tls: { rejectUnauthorized: false },
    })
    .sendMail({
      envelope: { from: 'someone@outside.test', to: [to] },
      raw: `From: someone@outside.test\r\nTo: ${to}\r\nSubject: Actions\r\n\r\n${body}\r\n`,
    });
}
const idOf = (info: { response: string }) => /Ok ([a-z2-7]{28})$/.exec(info.response)![1]!;
const rulesNotified = (id: string) => receiver.notifications().filter((n) => n.mail?.messageId === id);
const done = (id: string) =>
  eventually(async () =>
    (await sesame.platform.core.inboundWork.show(id)).every((r) => r.message.status === 'done'),
  );

describe('receipt actions', () => {
  it('S3 into an S3-compatible store (s3rver): the stored bytes are exactly the mail', async () => {
    const body = 'x'.repeat(300_000);
    const id = idOf(await send('ext@act.test', body));
    await done(id);
    const res = await fetch(`${s3Url}/external-mail/raw/${id}`);
    expect(res.status).toBe(200);
    const stored = Buffer.from(await res.arrayBuffer());
    const [record] = await sesame.platform.core.inboundWork.show(id);
    // Sesame's headers, then the mail as received; no aws-chunked framing kept inside the object.
    expect(stored.toString()).toMatch(/^Return-Path: <someone@outside\.test>\r\nReceived: from /);
    expect(stored.toString().endsWith(`\r\n${body}\r\n`)).toBe(true);
    expect(stored.toString()).not.toMatch(/x-amz-checksum|;chunk-signature=/);
    expect(record!.actions[0]).toMatchObject({
      status: 'done',
      result: { bucketName: 'external-mail', objectKey: `raw/${id}` },
    });
  });

  it('Stop ends the rule set (the catch-all never runs); its TopicArn gets the notification', async () => {
    const id = idOf(await send('stop@act.test'));
    await done(id);
    const n = await eventually(async () => rulesNotified(id).find((x) => x.receipt.action.type === 'Stop'));
    expect(n.receipt.action).toEqual({ type: 'Stop', topicArn });
    await new Promise((r) => setTimeout(r, 300));
    expect(rulesNotified(id).filter((x) => x.receipt.action.type === 'SNS')).toEqual([]);
    const [record] = await sesame.platform.core.inboundWork.show(id);
    expect(record!.actions.map((a) => a.status)).toEqual(['done', 'skipped']);
  });

  it("a RequestResponse Lambda's STOP_RULE skips the rest of its rule, not the next rules", async () => {
    lambda.reply = () => JSON.stringify({ disposition: 'STOP_RULE' });
    const id = idOf(await send('lambda@act.test'));
    await done(id);
    const [record] = await sesame.platform.core.inboundWork.show(id);
    expect(record!.actions.map((a) => [a.ruleName, a.action.type, a.status])).toEqual([
      ['lambda-stops-rule', 'Lambda', 'done'],
      ['lambda-stops-rule', 'SNS', 'skipped'],
      ['catch-all', 'SNS', 'done'],
    ]);
    expect(record!.actions[0]!.result).toEqual({ disposition: 'STOP_RULE' });
  });

  it('a failing Lambda endpoint is retried until it answers', async () => {
    lambda.reply = () => JSON.stringify({ disposition: 'CONTINUE' });
    lambda.status = 500;
    const id = idOf(await send('lambda@act.test'));
    await eventually(
      async () => (await sesame.platform.core.inboundWork.show(id))[0]!.actions[0]!.attempts >= 2,
    );
    lambda.status = 200;
    await done(id);
    const [record] = await sesame.platform.core.inboundWork.show(id);
    expect(record!.actions[0]).toMatchObject({ status: 'done', lastError: null });
    expect(record!.actions[0]!.attempts).toBeGreaterThanOrEqual(3);
  });

  it('a TLS-required rule: refused at RCPT in clear, taken over STARTTLS', async () => {
    const clear = await send('secure@act.test').catch((e: { response?: string }) => e);
    expect((clear as { response?: string }).response).toMatch(/^530 .*requires TLS/);
    const id = idOf(await send('secure@act.test', 'over TLS', { tls: true }));
    await eventually(async () => rulesNotified(id).length > 0);
  });

  it('more than 150 KB for a rule that only publishes to SNS: 552 at the end of DATA, not dropped', async () => {
    const err = await send('small@act.test', 'y'.repeat(200_000)).catch((e: { response?: string }) => e);
    expect((err as { response?: string }).response).toMatch(/^552 .*SNS, which takes 150 KB at most/);
  });

  it('IP filters: a blocked client is refused at RCPT; an Allow filter beats a Block', async () => {
    await acct.v1.send(
      new CreateReceiptFilterCommand({
        Filter: { Name: 'block-all', IpFilter: { Policy: 'Block', Cidr: '0.0.0.0/0' } },
      }),
    );
    const blocked = await send('ext@act.test').catch((e: { response?: string }) => e);
    expect((blocked as { response?: string }).response).toMatch(
      /^550 .*Access denied: .*127\.0\.0\.1 is blocked/,
    );
    await acct.v1.send(
      new CreateReceiptFilterCommand({
        Filter: { Name: 'allow-loopback', IpFilter: { Policy: 'Allow', Cidr: '127.0.0.0/8' } },
      }),
    );
    await eventually(
      async () =>
        await send('ext@act.test').then(
          () => true,
          () => false,
        ),
    );
    await acct.v1.send(new DeleteReceiptFilterCommand({ FilterName: 'block-all' }));
    await acct.v1.send(new DeleteReceiptFilterCommand({ FilterName: 'allow-loopback' }));
  });
});
