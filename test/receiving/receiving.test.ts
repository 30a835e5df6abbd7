import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloneReceiptRuleSetCommand,
  CreateReceiptFilterCommand,
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  DeleteReceiptFilterCommand,
  DeleteReceiptRuleCommand,
  DeleteReceiptRuleSetCommand,
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  ListReceiptFiltersCommand,
  ListReceiptRuleSetsCommand,
  ReorderReceiptRuleSetCommand,
  SendBounceCommand,
  SetActiveReceiptRuleSetCommand,
  SetReceiptRulePositionCommand,
  UpdateReceiptRuleCommand,
  type ReceiptRule,
} from '@aws-sdk/client-ses';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { HttpReceiver } from '../support/http-receiver.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let acct: TestAccount;
let topicArn: string;
let receiver: HttpReceiver;
let lambda: HttpReceiver;
let senderSink: SmtpSink;
let functionSecret: string;
const functionArn = () => `arn:aws:lambda:us-east-1:${acct.accountId}:function:inbound`;

beforeAll(async () => {
  sesame = await startSesame({ receivingRetryBaseSeconds: 0.2 });
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'inbound.test');
  senderSink = await sinkFor(sesame, 'sender.test');
  receiver = await new HttpReceiver().start();
  lambda = await new HttpReceiver().start();
  const sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'inbound' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }));
  await eventually(async () => receiver.received.some((r) => r.body.Type === 'SubscriptionConfirmation'));
  await new Promise((r) => setTimeout(r, 200));
  await sesame.platform.core.receivingResources.createBucket(acct.accountId, 'inbound-mail');
  functionSecret = (
    await sesame.platform.core.receivingResources.mapFunction(acct.accountId, functionArn(), lambda.url)
  ).secret;
});
afterAll(async () => {
  await receiver?.stop();
  await lambda?.stop();
  await sesame?.close();
});

const mx = () =>
  nodemailer.createTransport({ host: '127.0.0.1', port: sesame.smtp.mx, tls: { rejectUnauthorized: false } });

const message = (to: string, subject = 'Hello inbound') =>
  [
    'From: Someone <someone@sender.test>',
    `To: ${to}`,
    `Subject: ${subject}`,
    'Message-ID: <abc-123@sender.test>',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    '',
    'Hello from the outside.',
    '',
  ].join('\r\n');

describe('receipt rule sets and filters (SES v1)', () => {
  it('creates, describes, clones, orders and deletes rule sets and rules, with SES texts for refusals', async () => {
    await acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    await expect(acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }))).rejects.toThrow(
      'Rule set already exists: main',
    );
    await expect(acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: '-bad' }))).rejects.toThrow(
      'Not a valid ruleSetName: -bad',
    );
    const rule = (name: string, extra: Partial<ReceiptRule> = {}): ReceiptRule => ({
      Name: name,
      Enabled: true,
      Recipients: ['inbound.test'],
      Actions: [{ AddHeaderAction: { HeaderName: 'X-Rule', HeaderValue: name } }],
      ...extra,
    });
    await acct.v1.send(new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: rule('b') }));
    await acct.v1.send(new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: rule('a') }));
    await acct.v1.send(new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: rule('c'), After: 'b' }));
    const names = async (set = 'main') =>
      (await acct.v1.send(new DescribeReceiptRuleSetCommand({ RuleSetName: set }))).Rules?.map((r) => r.Name);
    // Without After a rule goes first.
    expect(await names()).toEqual(['a', 'b', 'c']);
    await acct.v1.send(new SetReceiptRulePositionCommand({ RuleSetName: 'main', RuleName: 'a', After: 'c' }));
    expect(await names()).toEqual(['b', 'c', 'a']);
    await acct.v1.send(new ReorderReceiptRuleSetCommand({ RuleSetName: 'main', RuleNames: ['c', 'a', 'b'] }));
    expect(await names()).toEqual(['c', 'a', 'b']);
    await expect(
      acct.v1.send(new ReorderReceiptRuleSetCommand({ RuleSetName: 'main', RuleNames: ['c', 'a'] })),
    ).rejects.toThrow('Positions for rules not found: b');
    const described = await acct.v1.send(
      new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'a' }),
    );
    expect(described.Rule).toEqual({
      Name: 'a',
      Enabled: true,
      TlsPolicy: 'Optional',
      Recipients: ['inbound.test'],
      Actions: [{ AddHeaderAction: { HeaderName: 'X-Rule', HeaderValue: 'a' } }],
      ScanEnabled: false,
    });
    await acct.v1.send(
      new UpdateReceiptRuleCommand({ RuleSetName: 'main', Rule: rule('a', { TlsPolicy: 'Require' }) }),
    );
    expect(
      (await acct.v1.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'a' }))).Rule
        ?.TlsPolicy,
    ).toBe('Require');
    await expect(
      acct.v1.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'zz' })),
    ).rejects.toMatchObject({ name: 'RuleDoesNotExistException', message: 'Rule does not exist: zz' });
    await acct.v1.send(new CloneReceiptRuleSetCommand({ RuleSetName: 'copy', OriginalRuleSetName: 'main' }));
    expect(await names('copy')).toEqual(['c', 'a', 'b']);
    await acct.v1.send(new DeleteReceiptRuleCommand({ RuleSetName: 'copy', RuleName: 'a' }));
    await acct.v1.send(new DeleteReceiptRuleCommand({ RuleSetName: 'copy', RuleName: 'a' }));
    expect(await names('copy')).toEqual(['c', 'b']);
    await acct.v1.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'copy' }));
    await expect(
      acct.v1.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'copy' })),
    ).rejects.toMatchObject({
      name: 'CannotDeleteException',
      message: 'Cannot delete active rule set: copy',
    });
    expect((await acct.v1.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata?.Name).toBe('copy');
    await acct.v1.send(new SetActiveReceiptRuleSetCommand({}));
    expect((await acct.v1.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata).toBeUndefined();
    await acct.v1.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'copy' }));
    await acct.v1.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'copy' }));
    await acct.v1.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'main' }));
    await expect(
      acct.v1.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'main' })),
    ).rejects.toMatchObject({
      name: 'RuleSetDoesNotExistException',
      message: 'Rule set does not exist: main',
    });
    expect((await acct.v1.send(new ListReceiptRuleSetsCommand({}))).RuleSets ?? []).toEqual([]);
  });

  it('refuses actions whose topic, bucket, function or bounce sender does not exist', async () => {
    await acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'checks' }));
    const create = (Actions: ReceiptRule['Actions']) =>
      acct.v1.send(new CreateReceiptRuleCommand({ RuleSetName: 'checks', Rule: { Name: 'r', Actions } }));
    const topic = `arn:aws:sns:us-east-1:${acct.accountId}:missing`;
    await expect(create([{ SNSAction: { TopicArn: topic } }])).rejects.toMatchObject({
      name: 'InvalidSnsTopicException',
      message: `Could not publish to SNS topic: ${topic}`,
    });
    await expect(create([{ S3Action: { BucketName: 'nope-bucket' } }])).rejects.toMatchObject({
      name: 'InvalidS3ConfigurationException',
      message: 'No such bucket: nope-bucket',
    });
    const fn = `arn:aws:lambda:us-east-1:${acct.accountId}:function:missing`;
    await expect(create([{ LambdaAction: { FunctionArn: fn } }])).rejects.toMatchObject({
      name: 'InvalidLambdaFunctionException',
      message: `Could not invoke Lambda function: ${fn}`,
    });
    await expect(
      create([{ BounceAction: { SmtpReplyCode: '550', Message: 'gone', Sender: 'x@unverified.test' } }]),
    ).rejects.toThrow('Identity is not verified: x@unverified.test');
    await expect(
      create([
        { StopAction: { Scope: 'RuleSet' } },
        { AddHeaderAction: { HeaderName: 'X', HeaderValue: 'y' } },
      ]),
    ).rejects.toThrow('Stop action, if any, must be placed at the end of the actions list');
    await expect(
      create([
        { WorkmailAction: { OrganizationArn: 'arn:aws:workmail:us-east-1:123456789012:organization/m-1' } },
      ]),
    ).rejects.toThrow(/not supported by Sesame/);
    // SES's limit: 100 recipients per rule.
    await expect(
      acct.v1.send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'checks',
          Rule: {
            Name: 'many',
            Recipients: Array.from({ length: 101 }, (_, i) => `r${i}@recv.test`),
            Actions: [{ AddHeaderAction: { HeaderName: 'X', HeaderValue: 'y' } }],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });
    // No KMS: a rule asking for encrypted storage is refused, not stored as if the mail were encrypted.
    await expect(
      create([
        {
          S3Action: {
            BucketName: 'inbound-mail',
            KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/aws/ses',
          },
        },
      ]),
    ).rejects.toThrow(/KmsKeyArn is not supported by Sesame/);
    await acct.v1.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'checks' }));
  });

  it('creates, lists and deletes IP filters', async () => {
    await acct.v1.send(
      new CreateReceiptFilterCommand({
        Filter: { Name: 'zz-block', IpFilter: { Policy: 'Block', Cidr: '10.0.0.0/8' } },
      }),
    );
    await acct.v1.send(
      new CreateReceiptFilterCommand({
        Filter: { Name: 'aa-allow', IpFilter: { Policy: 'Allow', Cidr: '10.1.2.3' } },
      }),
    );
    await expect(
      acct.v1.send(
        new CreateReceiptFilterCommand({
          Filter: { Name: 'bad', IpFilter: { Policy: 'Block', Cidr: '10.0.0.0/33' } },
        }),
      ),
    ).rejects.toThrow('Invalid CIDR block: 10.0.0.0/33');
    await expect(
      acct.v1.send(
        new CreateReceiptFilterCommand({
          Filter: { Name: 'aa-allow', IpFilter: { Policy: 'Block', Cidr: '10.0.0.1' } },
        }),
      ),
    ).rejects.toThrow('Filter already exists: aa-allow');
    const listed = await acct.v1.send(new ListReceiptFiltersCommand({}));
    expect(listed.Filters).toEqual([
      { Name: 'aa-allow', IpFilter: { Policy: 'Allow', Cidr: '10.1.2.3' } },
      { Name: 'zz-block', IpFilter: { Policy: 'Block', Cidr: '10.0.0.0/8' } },
    ]);
    await acct.v1.send(new DeleteReceiptFilterCommand({ FilterName: 'aa-allow' }));
    await acct.v1.send(new DeleteReceiptFilterCommand({ FilterName: 'zz-block' }));
    expect((await acct.v1.send(new ListReceiptFiltersCommand({}))).Filters ?? []).toEqual([]);
  });
});

describe('mail to the MX', () => {
  beforeAll(async () => {
    await acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'live' }));
    await acct.v1.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'live',
        Rule: {
          Name: 'store',
          Enabled: true,
          Recipients: ['support@inbound.test', '.sub.inbound.test'],
          Actions: [
            { AddHeaderAction: { HeaderName: 'X-Received-By', HeaderValue: 'sesame' } },
            { S3Action: { BucketName: 'inbound-mail', ObjectKeyPrefix: 'mail/', TopicArn: topicArn } },
            { SNSAction: { TopicArn: topicArn, Encoding: 'UTF-8' } },
            { LambdaAction: { FunctionArn: functionArn(), InvocationType: 'RequestResponse' } },
          ],
        },
      }),
    );
    await acct.v1.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'live',
        After: 'store',
        Rule: {
          Name: 'bounce-others',
          Enabled: true,
          Recipients: ['gone@inbound.test'],
          Actions: [
            {
              BounceAction: {
                SmtpReplyCode: '550',
                StatusCode: '5.1.1',
                Message: 'Mailbox does not exist',
                Sender: 'mailer-daemon@inbound.test',
              },
            },
          ],
        },
      }),
    );
    await acct.v1.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'live' }));
  });

  it('takes a matching recipient (and its +label form), refuses the others at RCPT with 550', async () => {
    const info = await mx().sendMail({
      envelope: { from: 'someone@sender.test', to: ['support+tickets@inbound.test'] },
      raw: message('support@inbound.test'),
    });
    expect(info.response).toMatch(/^250 .*Ok [a-z2-7]{28}$/);
    const refused = await mx()
      .sendMail({ envelope: { from: 'someone@sender.test', to: ['nobody@inbound.test'] }, raw: message('x') })
      .catch((e: { response?: string }) => e);
    expect((refused as { response?: string }).response).toMatch(
      /^550 5\.1\.1 <nobody@inbound\.test>: Recipient address rejected: no receipt rule matches it/,
    );
    const elsewhere = await mx()
      .sendMail({ envelope: { from: 'someone@sender.test', to: ['x@not-ours.test'] }, raw: message('x') })
      .catch((e: { response?: string }) => e);
    expect((elsewhere as { response?: string }).response).toMatch(/^550 /);
    const refusals = await sesame.platform.core.inboundWork.listRefusals(null, undefined, 10);
    expect(refusals.map((r) => r.recipient)).toEqual(
      expect.arrayContaining(['nobody@inbound.test', 'x@not-ours.test']),
    );
  });

  it('runs the actions in order: S3 object, SNS notification with the content, Lambda event (signed)', async () => {
    lambda.reply = () => JSON.stringify({ disposition: 'CONTINUE' });
    const info = await mx().sendMail({
      envelope: { from: 'someone@sender.test', to: ['desk@team.sub.inbound.test'] },
      raw: message('desk@team.sub.inbound.test', 'Actions please'),
    });
    const id = /Ok ([a-z2-7]{28})$/.exec(info.response)![1]!;
    const object = await eventually(
      async () => (await sesame.platform.receiving.objects.get('inbound-mail', `mail/${id}`)) ?? undefined,
    );
    const stored = object.body.toString();
    expect(stored).toMatch(/^Return-Path: <someone@sender\.test>\r\nReceived: from /);
    expect(stored).toContain(`id ${id}`);
    expect(stored).toMatch(/\r\nReceived-SPF: /);
    expect(stored).toMatch(/\r\nAuthentication-Results: /);
    expect(stored).toContain('\r\nX-Received-By: sesame\r\n');
    expect(stored).toContain('Subject: Actions please');
    const received = await eventually(async () => {
      const n = receiver.notifications().filter((x) => x.mail?.messageId === id);
      return n.length >= 2 ? n : undefined;
    });
    const snsAction = received.find((n) => n.receipt.action.type === 'SNS')!;
    expect(snsAction).toMatchObject({
      notificationType: 'Received',
      mail: {
        source: 'someone@sender.test',
        messageId: id,
        destination: ['desk@team.sub.inbound.test'],
        commonHeaders: { subject: 'Actions please', messageId: '<abc-123@sender.test>' },
      },
      receipt: {
        recipients: ['desk@team.sub.inbound.test'],
        spamVerdict: { status: 'DISABLED' },
        virusVerdict: { status: 'DISABLED' },
        action: { type: 'SNS', topicArn, encoding: 'UTF8' },
      },
    });
    expect(snsAction.content).toBe(stored);
    const alert = received.find((n) => n.receipt.action.type === 'S3')!;
    expect(alert.receipt.action).toEqual({
      type: 'S3',
      topicArn,
      bucketName: 'inbound-mail',
      objectKey: `mail/${id}`,
    });
    expect(alert.content).toBeUndefined();
    const call = await eventually(async () => lambda.received.find((r) => r.raw.includes(id)));
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(call.headers['x-sesame-signature']))!;
    expect(createHmac('sha256', functionSecret).update(`${t}.${call.raw}`).digest('hex')).toBe(v1);
    const event = JSON.parse(call.raw) as {
      Records: { eventSource: string; ses: { mail: unknown; receipt: { action: unknown } } }[];
    };
    expect(event.Records[0]).toMatchObject({
      eventSource: 'aws:ses',
      eventVersion: '1.0',
      ses: {
        mail: { messageId: id },
        receipt: {
          action: { type: 'Lambda', functionArn: functionArn(), invocationType: 'RequestResponse' },
        },
      },
    });
    const [shown] = await sesame.platform.core.inboundWork.show(id);
    await eventually(
      async () => (await sesame.platform.core.inboundWork.show(id))[0]!.message.status === 'done',
    );
    expect(shown!.message.recipients).toEqual(['desk@team.sub.inbound.test']);
  });

  it('a Bounce action sends a DSN from its sender to the envelope sender', async () => {
    await mx().sendMail({
      envelope: { from: 'someone@sender.test', to: ['gone@inbound.test'] },
      raw: message('gone@inbound.test', 'Anyone there?'),
    });
    const [dsn] = await senderSink.waitForMatching(1, (m) => m.rcptTo.includes('someone@sender.test'));
    const text = dsn!.raw.toString();
    expect(text).toMatch(/^From: mailer-daemon@inbound\.test/m);
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(text).toMatch(/Final-Recipient: rfc822; gone@inbound\.test\r\nAction: failed\r\nStatus: 5\.1\.1/);
    expect(text).toContain('Subject: Anyone there?');
  });

  it('SendBounce bounces mail received in the last 24 hours; unknown ids are MessageRejected', async () => {
    const info = await mx().sendMail({
      envelope: { from: 'someone@sender.test', to: ['support@inbound.test'] },
      raw: message('support@inbound.test', 'Please bounce me'),
    });
    const id = /Ok ([a-z2-7]{28})$/.exec(info.response)![1]!;
    const res = await acct.v1.send(
      new SendBounceCommand({
        OriginalMessageId: id,
        BounceSender: 'postmaster@inbound.test',
        Explanation: 'We do not take this.',
        BouncedRecipientInfoList: [{ Recipient: 'support@inbound.test', BounceType: 'ContentRejected' }],
      }),
    );
    expect(res.MessageId).toMatch(/-000000$/);
    const [dsn] = await senderSink.waitForMatching(1, (m) =>
      m.raw.toString().includes('We do not take this.'),
    );
    expect(dsn!.raw.toString()).toMatch(/Status: 5\.6\.1/);
    await expect(
      acct.v1.send(
        new SendBounceCommand({
          OriginalMessageId: 'nosuchmessageid000000000000a',
          BounceSender: 'postmaster@inbound.test',
          BouncedRecipientInfoList: [{ Recipient: 'x@inbound.test', BounceType: 'DoesNotExist' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'MessageRejected' });
  });
});
