/**
 * Receiving as a user sets it up with real clients: Debian's `/usr/bin/aws ses` writes the rule set, swaks
 * delivers to the MX, `aws s3api get-object` and boto3 read the stored mail from Sesame's embedded bucket.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import nodemailer from 'nodemailer';
import { awsCli, boto3 } from '../support/aws-cli.ts';
import { PostfixInstance, postfixMissing } from '../support/postfix.ts';
import { HttpReceiver } from '../support/http-receiver.ts';
import { verifiedDomain } from '../support/mail.ts';
import { eventually, freePort, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;
let other: TestAccount;
let receiver: HttpReceiver;
let lambda: HttpReceiver;
let topicArn: string;

function swaks(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('/usr/bin/swaks', args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

beforeAll(async () => {
  sesame = await startSesame({ receivingRetryBaseSeconds: 0.2 });
  acct = await sesame.createAccount({ production: true });
  other = await sesame.createAccount({ production: true, name: 'other' });
  await verifiedDomain(sesame, acct, 'mail.example.test');
  receiver = await new HttpReceiver().start();
  lambda = await new HttpReceiver().start();
  const sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'received' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }));
  await eventually(async () => receiver.received.some((r) => r.body.Type === 'SubscriptionConfirmation'));
  await new Promise((r) => setTimeout(r, 200));
  await sesame.platform.core.receivingResources.createBucket(acct.accountId, 'received-mail');
  await sesame.platform.core.receivingResources.mapFunction(
    acct.accountId,
    `arn:aws:lambda:us-east-1:${acct.accountId}:function:process`,
    lambda.url,
  );
});
afterAll(async () => {
  await receiver?.stop();
  await lambda?.stop();
  await sesame?.close();
});

describe('receiving with the aws CLI, swaks and boto3', () => {
  let messageId = '';

  it('aws ses: create-receipt-rule-set, create-receipt-rule (S3 + SNS + Lambda), set-active-receipt-rule-set', async () => {
    const aws = awsCli(sesame, acct);
    expect((await aws('ses', 'create-receipt-rule-set', '--rule-set-name', 'inbound')).code).toBe(0);
    const rule = {
      Name: 'everything',
      Enabled: true,
      Recipients: ['mail.example.test'],
      ScanEnabled: false,
      Actions: [
        { S3Action: { BucketName: 'received-mail', ObjectKeyPrefix: 'in/' } },
        { SNSAction: { TopicArn: topicArn, Encoding: 'Base64' } },
        {
          LambdaAction: {
            FunctionArn: `arn:aws:lambda:us-east-1:${acct.accountId}:function:process`,
            InvocationType: 'Event',
          },
        },
      ],
    };
    const file = join(sesame.dataDir, 'rule.json');
    writeFileSync(file, JSON.stringify(rule));
    const created = await aws(
      'ses',
      'create-receipt-rule',
      '--rule-set-name',
      'inbound',
      '--rule',
      `file://${file}`,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect((await aws('ses', 'set-active-receipt-rule-set', '--rule-set-name', 'inbound')).code).toBe(0);
    const active = JSON.parse((await aws('ses', 'describe-active-receipt-rule-set')).stdout) as {
      Metadata: { Name: string };
      Rules: { Name: string; Actions: unknown[] }[];
    };
    expect(active.Metadata.Name).toBe('inbound');
    expect(active.Rules[0]?.Actions).toEqual([
      { S3Action: { BucketName: 'received-mail', ObjectKeyPrefix: 'in/' } },
      { SNSAction: { TopicArn: topicArn, Encoding: 'Base64' } },
      {
        LambdaAction: {
          FunctionArn: `arn:aws:lambda:us-east-1:${acct.accountId}:function:process`,
          InvocationType: 'Event',
        },
      },
    ]);
    const missing = await aws('ses', 'describe-receipt-rule-set', '--rule-set-name', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('(RuleSetDoesNotExist)');
    expect(missing.stderr).toContain('Rule set does not exist: nope');
  });

  it('swaks to the MX: 250 for a matching recipient, 550 at RCPT for an unmatched domain', async () => {
    const ok = await swaks([
      '--server',
      `127.0.0.1:${sesame.smtp.mx}`,
      '--from',
      'alice@elsewhere.test',
      '--to',
      'bob@mail.example.test',
      '--header',
      'Subject: From swaks',
      '--body',
      'Hello Bob.',
    ]);
    expect(ok.code).toBe(0);
    messageId = /<- +250 .*Ok ([a-z2-7]{28})/.exec(ok.out)![1]!;
    const refused = await swaks([
      '--server',
      `127.0.0.1:${sesame.smtp.mx}`,
      '--from',
      'alice@elsewhere.test',
      '--to',
      'carol@unknown-domain.test',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(
      /<\*\* +550 5\.1\.1 <carol@unknown-domain\.test>: Recipient address rejected/,
    );
  });

  it('aws s3api get-object and boto3 read the stored mail from Sesame; another account cannot', async () => {
    await eventually(
      async () =>
        (await sesame.platform.receiving.objects.get('received-mail', `in/${messageId}`)) ?? undefined,
    );
    const out = join(sesame.dataDir, 'fetched.eml');
    const got = await awsCli(sesame, acct)(
      's3api',
      'get-object',
      '--bucket',
      'received-mail',
      '--key',
      `in/${messageId}`,
      out,
    );
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const eml = readFileSync(out, 'utf8');
    expect(eml).toMatch(/^Return-Path: <alice@elsewhere\.test>\r\nReceived: from /);
    expect(eml).toContain('Subject: From swaks');
    const listed = JSON.parse(
      (await awsCli(sesame, acct)('s3api', 'list-objects-v2', '--bucket', 'received-mail', '--prefix', 'in/'))
        .stdout,
    ) as { Contents: { Key: string; Size: number }[] };
    expect(listed.Contents.map((c) => c.Key)).toContain(`in/${messageId}`);
    const viaBoto = await boto3(
      sesame,
      acct,
      `import sys, boto3
s3 = boto3.client('s3', endpoint_url=sys.argv[1])
body = s3.get_object(Bucket='received-mail', Key='in/${messageId}')['Body'].read()
sys.stdout.write(str(len(body)) + ' ' + body.decode().split('\\r\\n')[0])`,
    );
    expect(viaBoto).toBe(`${Buffer.byteLength(eml)} Return-Path: <alice@elsewhere.test>`);
    const denied = await awsCli(sesame, other)(
      's3api',
      'get-object',
      '--bucket',
      'received-mail',
      '--key',
      `in/${messageId}`,
      out,
    );
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('AccessDenied');
  });

  it('the SNS notification has SES fields and the mail Base64-encoded; the Lambda event has mail and receipt', async () => {
    const n = await eventually(async () =>
      receiver.notifications().find((x) => x.mail?.messageId === messageId),
    );
    expect(n.notificationType).toBe('Received');
    expect(n.receipt).toMatchObject({
      recipients: ['bob@mail.example.test'],
      spfVerdict: { status: expect.stringMatching(/^(PASS|FAIL|GRAY|PROCESSING_FAILED)$/) },
      dkimVerdict: { status: 'GRAY' },
      action: { type: 'SNS', topicArn, encoding: 'BASE64' },
    });
    expect(typeof n.receipt.processingTimeMillis).toBe('number');
    expect(Buffer.from(n.content as string, 'base64').toString()).toContain('Subject: From swaks');
    const envelope = receiver.received.find((r) => r.body.Message?.includes(messageId))!;
    expect(envelope.body.Subject).toBe('Amazon SES Email Receipt Notification');
    const call = await eventually(async () => lambda.received.find((r) => r.raw.includes(messageId)));
    const event = JSON.parse(call.raw) as {
      Records: { ses: { mail: { source: string }; receipt: { action: unknown } } }[];
    };
    expect(event.Records[0]!.ses.mail.source).toBe('alice@elsewhere.test');
    expect(event.Records[0]!.ses.receipt.action).toEqual({
      type: 'Lambda',
      functionArn: `arn:aws:lambda:us-east-1:${acct.accountId}:function:process`,
      invocationType: 'Event',
    });
  });

  it.skipIf(postfixMissing() !== undefined)(
    'a real Postfix relays to the MX: 250 over STARTTLS and stored; a recipient no rule takes bounces at Postfix',
    async () => {
      const postfix = new PostfixInstance(await freePort(), `[127.0.0.1]:${sesame.smtp.mx}`);
      postfix.start();
      try {
        const submit = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, ignoreTLS: true });
        await submit.sendMail({
          envelope: {
            from: 'dave@remote.test',
            to: ['erin@mail.example.test', 'nobody@unknown-domain.test'],
          },
          raw: 'From: dave@remote.test\r\nTo: erin@mail.example.test\r\nSubject: Via Postfix\r\n\r\nRelayed.\r\n',
        });
        const sent = await eventually(
          async () =>
            /to=<erin@mail\.example\.test>.*status=sent \(250 2\.6\.0 Ok ([a-z2-7]{28})\)/.exec(
              postfix.log(),
            ),
          30_000,
        );
        const id = sent![1]!;
        expect(postfix.log()).toMatch(
          /Trusted|Untrusted|Anonymous TLS connection established to 127\.0\.0\.1/,
        );
        expect(postfix.log()).toMatch(
          /to=<nobody@unknown-domain\.test>.*status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1/,
        );
        const object = await eventually(
          async () => (await sesame.platform.receiving.objects.get('received-mail', `in/${id}`)) ?? undefined,
        );
        expect(object.body.toString()).toMatch(
          /Received: from mta\.remote\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.sesame\.test with ESMTPS id /,
        );
        expect(object.body.toString()).toContain('Subject: Via Postfix');
      } finally {
        postfix.stop();
      }
    },
    60_000,
  );
});
