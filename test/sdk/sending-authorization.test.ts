/**
 * Sending authorization with two real accounts: A owns bank.test, B sends as it only while A's identity
 * policy allows B (by account, by IAM user, per condition key); the denials carry SES's texts over SES v2
 * (403 AccessDeniedException), SES v1 (AccessDenied) and SMTP (554 Access denied: …). And access keys limited
 * to some actions and identities.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateEmailIdentityCommand,
  CreateEmailIdentityPolicyCommand,
  DeleteEmailIdentityPolicyCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetEmailIdentityPoliciesCommand,
  SendEmailCommand,
  UpdateEmailIdentityPolicyCommand,
} from '@aws-sdk/client-sesv2';
import {
  DeleteIdentityPolicyCommand,
  GetIdentityPoliciesCommand,
  GetSendQuotaCommand,
  ListIdentityPoliciesCommand,
  PutIdentityPolicyCommand,
  SendEmailCommand as V1SendEmailCommand,
  SendRawEmailCommand,
  SESClient,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsCli } from '../support/aws-cli.ts';
import { dkimVerifiesWithMailauth, sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let a: TestAccount;
let b: TestAccount;
let sink: SmtpSink;
let arn: string;

beforeAll(async () => {
  sesame = await startSesame();
  a = await sesame.createAccount({ production: true, name: 'owner' });
  b = await sesame.createAccount({ production: true, name: 'delegate' });
  await verifiedDomain(sesame, a, 'bank.test');
  await verifiedDomain(sesame, b, 'delegate.test');
  sink = await sinkFor(sesame, 'dest.test');
  arn = `arn:aws:ses:${sesame.config.region}:${a.accountId}:identity/bank.test`;
}, 30_000);
afterAll(async () => sesame?.close());

const policy = (statement: Record<string, unknown>, resource = arn) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Resource: resource, Action: ['ses:SendEmail', 'ses:SendRawEmail'], ...statement },
    ],
  });

/** Replaces A's only policy on bank.test. */
async function allow(statement: Record<string, unknown>): Promise<void> {
  await a.v1.send(
    new PutIdentityPolicyCommand({
      Identity: 'bank.test',
      PolicyName: 'delegate',
      Policy: policy(statement),
    }),
  );
}

const sendAsBank = (client: SESv2Client, to = 'someone@dest.test', from = 'alerts@bank.test') =>
  client.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      FromEmailAddressIdentityArn: arn,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: { Subject: { Data: 'Delegated' }, Body: { Text: { Data: 'Sent by B as bank.test.' } } },
      },
    }),
  );

const denial = (user: string, action: string) =>
  `User \`${user}' is not authorized to perform \`${action}' on resource \`${arn}'`;

/** A real SMTP client (nodemailer) on the STARTTLS listener, authenticated with these SMTP credentials. */
const smtpAs = (c: { smtpUsername: string; smtpPassword: string }) =>
  nodemailer.createTransport({
    host: '127.0.0.1',
    port: sesame.smtp.starttls,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: c.smtpUsername, pass: c.smtpPassword },
  });

/** A client whose requests arrive as a local TLS-terminating proxy forwards them (X-Forwarded-Proto: https). */
function behindTlsProxy(account: TestAccount): SESv2Client {
  const client = sesame.v2Client(account);
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-forwarded-proto'] = 'https';
      return next(args);
    },
    { step: 'build' },
  );
  return client;
}

async function refusal(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!err) throw new Error('expected a refusal, the call succeeded');
  return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
}

describe('identity policies (SES v2 and v1)', () => {
  it('creates, reads, updates and deletes a policy over SES v2', async () => {
    const doc = policy({ Principal: { AWS: [b.accountId] } });
    await a.v2.send(
      new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'p1', Policy: doc }),
    );
    expect(
      (await a.v2.send(new GetEmailIdentityPoliciesCommand({ EmailIdentity: 'bank.test' }))).Policies,
    ).toEqual({ p1: doc });
    expect((await a.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'bank.test' }))).Policies).toEqual({
      p1: doc,
    });
    const again = await refusal(
      a.v2.send(
        new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'p1', Policy: doc }),
      ),
    );
    expect(again.name).toBe('AlreadyExistsException');
    const missing = await refusal(
      a.v2.send(
        new UpdateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'nope', Policy: doc }),
      ),
    );
    expect(missing.name).toBe('NotFoundException');
    const doc2 = policy({ Principal: { AWS: `arn:aws:iam::${b.accountId}:root` } });
    await a.v2.send(
      new UpdateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'p1', Policy: doc2 }),
    );
    expect(
      (await a.v2.send(new GetEmailIdentityPoliciesCommand({ EmailIdentity: 'bank.test' }))).Policies,
    ).toEqual({ p1: doc2 });
    await a.v2.send(new DeleteEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'p1' }));
    expect(
      (await a.v2.send(new GetEmailIdentityPoliciesCommand({ EmailIdentity: 'bank.test' }))).Policies,
    ).toEqual({});
    const gone = await refusal(
      a.v2.send(new DeleteEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'p1' })),
    );
    expect(gone.name).toBe('NotFoundException');
    const noIdentity = await refusal(
      a.v2.send(
        new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'other.test', PolicyName: 'p', Policy: doc }),
      ),
    );
    expect(noIdentity.name).toBe('NotFoundException');
  });

  it('puts, lists, gets and deletes over SES v1, by name or by ARN', async () => {
    const doc = policy({ Principal: { AWS: [b.accountId] } });
    await a.v1.send(new PutIdentityPolicyCommand({ Identity: arn, PolicyName: 'v1', Policy: doc }));
    expect((await a.v1.send(new ListIdentityPoliciesCommand({ Identity: 'bank.test' }))).PolicyNames).toEqual(
      ['v1'],
    );
    expect(
      (
        await a.v1.send(
          new GetIdentityPoliciesCommand({ Identity: 'bank.test', PolicyNames: ['v1', 'absent'] }),
        )
      ).Policies,
    ).toEqual({ v1: doc });
    await a.v1.send(new DeleteIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: 'v1' }));
    // SES v1 deletes an absent policy without complaint.
    await a.v1.send(new DeleteIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: 'v1' }));
    expect((await a.v1.send(new ListIdentityPoliciesCommand({ Identity: 'bank.test' }))).PolicyNames).toEqual(
      [],
    );
  });

  it.each([
    ['not JSON', () => '{"Statement": [', /Policy is not valid JSON/],
    [
      'another resource',
      () => policy({ Principal: '*' }, 'arn:aws:ses:us-east-1:111111111111:identity/x.test'),
      /invalid resource/,
    ],
    ['no principal', () => policy({}), /invalid principal/],
    [
      'a principal that is not an account',
      () => policy({ Principal: { AWS: 'someone' } }),
      /invalid principal: someone/,
    ],
    [
      'an action that is not a sending action',
      () => policy({ Principal: '*', Action: 'ses:DeleteIdentity' }),
      /invalid action/,
    ],
    [
      'an unknown condition key',
      () => policy({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }),
      /unsupported condition key: aws:PrincipalOrgID/,
    ],
    ['more than 4 KB', () => policy({ Principal: '*', Sid: 'x'.repeat(4096) }), /maximum size of 4096 bytes/],
  ])('refuses a policy with %s (v1 InvalidPolicy, v2 BadRequestException)', async (_what, makeDoc, text) => {
    const doc = makeDoc();
    const v1 = await refusal(
      a.v1.send(new PutIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: 'bad', Policy: doc })),
    );
    expect(v1.name).toMatch(/^InvalidPolicy/);
    expect(v1.message).toMatch(text);
    const v2 = await refusal(
      a.v2.send(
        new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'bad', Policy: doc }),
      ),
    );
    expect(v2.name).toBe('BadRequestException');
    expect(v2.message).toMatch(text);
  });

  it('holds at most 20 policies per identity', async () => {
    const doc = policy({ Principal: { AWS: [b.accountId] } });
    for (let i = 0; i < 20; i++)
      await a.v1.send(
        new PutIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: `n${i}`, Policy: doc }),
      );
    const over = await refusal(
      a.v2.send(
        new CreateEmailIdentityPolicyCommand({ EmailIdentity: 'bank.test', PolicyName: 'n20', Policy: doc }),
      ),
    );
    expect(over.name).toBe('LimitExceededException');
    // Replacing one of the 20 is fine.
    await a.v1.send(new PutIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: 'n0', Policy: doc }));
    for (let i = 0; i < 20; i++)
      await a.v1.send(new DeleteIdentityPolicyCommand({ Identity: 'bank.test', PolicyName: `n${i}` }));
  });
});

describe('account B sends as account A’s verified domain only while A allows it', () => {
  it('is denied with SES’s text before any policy (v2 403 AccessDeniedException, v1 AccessDenied)', async () => {
    const v2 = await refusal(sendAsBank(b.v2));
    expect(v2).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(v2.message).toBe(denial(`arn:aws:iam::${b.accountId}:root`, 'ses:SendEmail'));
    const v1 = await refusal(
      b.v1.send(
        new V1SendEmailCommand({
          Source: 'alerts@bank.test',
          SourceArn: arn,
          Destination: { ToAddresses: ['someone@dest.test'] },
          Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'y' } } },
        }),
      ),
    );
    expect(v1).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(v1.message).toBe(denial(`arn:aws:iam::${b.accountId}:root`, 'ses:SendEmail'));
    // Without the ARN, bank.test is simply not B's.
    const unnamed = await refusal(
      b.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'alerts@bank.test',
          Destination: { ToAddresses: ['someone@dest.test'] },
          Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'y' } } } },
        }),
      ),
    );
    expect(unnamed.message).toMatch(/Email address is not verified.*alerts@bank\.test/);
  });

  it('sends once allowed: DKIM is A’s, the quota is B’s', async () => {
    await allow({ Principal: { AWS: [b.accountId] } });
    const before = {
      a: (await a.v1.send(new GetSendQuotaCommand({}))).SentLast24Hours,
      b: (await b.v1.send(new GetSendQuotaCommand({}))).SentLast24Hours,
    };
    const n = sink.messages.length;
    const { MessageId } = await sendAsBank(b.v2, 'allowed@dest.test');
    expect(MessageId).toBeTruthy();
    const got = await eventually(async () =>
      sink.messages.slice(n).find((m) => m.rcptTo.includes('allowed@dest.test')),
    );
    const dkim = await dkimVerifiesWithMailauth(sesame, got.raw);
    expect(dkim).toContainEqual({ status: 'pass', domain: 'bank.test' });
    expect((await b.v1.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(before.b! + 1);
    expect((await a.v1.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(before.a);
    // Another account is still refused.
    const c = await sesame.createAccount({ production: true, name: 'stranger' });
    const other = await refusal(sendAsBank(c.v2));
    expect(other.message).toBe(denial(`arn:aws:iam::${c.accountId}:root`, 'ses:SendEmail'));
  });

  it('an explicit Deny wins over an Allow', async () => {
    await a.v1.send(
      new PutIdentityPolicyCommand({
        Identity: 'bank.test',
        PolicyName: 'delegate',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: b.accountId }, Action: 'ses:Send*', Resource: arn },
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 'ses:SendEmail',
              Resource: arn,
              Condition: { 'ForAnyValue:StringLike': { 'ses:Recipients': '*@blocked.dest.test' } },
            },
          ],
        }),
      }),
    );
    await sendAsBank(b.v2, 'fine@dest.test');
    expect((await refusal(sendAsBank(b.v2, 'x@blocked.dest.test'))).name).toBe('AccessDeniedException');
  });

  const v1Send = (client: SESClient) =>
    client.send(
      new V1SendEmailCommand({
        Source: 'alerts@bank.test',
        SourceArn: arn,
        Destination: { ToAddresses: ['someone@dest.test'] },
        Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'y' } } },
      }),
    );

  it.each([
    {
      key: 'ses:Recipients (ForAllValues:StringLike)',
      condition: { 'ForAllValues:StringLike': { 'ses:Recipients': ['*@dest.test'] } },
      allowed: () => sendAsBank(b.v2, 'ok@dest.test'),
      denied: () => sendAsBank(b.v2, 'ok@elsewhere.test'),
    },
    {
      key: 'ses:FromAddress (StringEquals)',
      condition: { StringEquals: { 'ses:FromAddress': 'alerts@bank.test' } },
      allowed: () => sendAsBank(b.v2, 'ok@dest.test', 'alerts@bank.test'),
      denied: () => sendAsBank(b.v2, 'ok@dest.test', 'ceo@bank.test'),
    },
    {
      key: 'ses:FromDisplayName (StringLike)',
      condition: { StringLike: { 'ses:FromDisplayName': 'Bank *' } },
      allowed: () => sendAsBank(b.v2, 'ok@dest.test', 'Bank Alerts <alerts@bank.test>'),
      denied: () => sendAsBank(b.v2, 'ok@dest.test', 'Not The Bank <alerts@bank.test>'),
    },
    {
      key: 'ses:FeedbackAddress (StringEquals)',
      condition: { StringEquals: { 'ses:FeedbackAddress': 'bounces@delegate.test' } },
      allowed: () =>
        b.v1.send(
          new V1SendEmailCommand({
            Source: 'alerts@bank.test',
            SourceArn: arn,
            ReturnPath: 'bounces@delegate.test',
            Destination: { ToAddresses: ['someone@dest.test'] },
            Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'y' } } },
          }),
        ),
      denied: () => v1Send(b.v1),
    },
    {
      key: 'ses:ApiVersion (StringEquals)',
      condition: { StringEquals: { 'ses:ApiVersion': '2' } },
      allowed: () => sendAsBank(b.v2),
      denied: () => v1Send(b.v1),
    },
    {
      key: 'aws:CurrentTime (DateLessThan)',
      condition: { DateLessThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } },
      allowed: undefined,
      denied: () => sendAsBank(b.v2),
    },
    {
      key: 'aws:CurrentTime (DateGreaterThan)',
      condition: { DateGreaterThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } },
      allowed: () => sendAsBank(b.v2),
      denied: undefined,
    },
    {
      key: 'aws:SourceIp (IpAddress)',
      condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
      allowed: () => sendAsBank(b.v2),
      denied: undefined,
    },
    {
      key: 'aws:SourceIp (outside the range)',
      condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } },
      allowed: undefined,
      denied: () => sendAsBank(b.v2),
    },
    {
      key: 'aws:SecureTransport (Bool: plain HTTP is denied, a TLS-terminating proxy on the host is not)',
      condition: { Bool: { 'aws:SecureTransport': 'true' } },
      allowed: () => sendAsBank(behindTlsProxy(b)),
      denied: () => sendAsBank(b.v2),
    },
  ])('by $key', async (c) => {
    await allow({ Principal: { AWS: [b.accountId] }, Condition: c.condition });
    if (c.allowed) expect(await c.allowed()).toHaveProperty('MessageId');
    if (c.denied)
      expect((await refusal(c.denied())).message).toMatch(/is not authorized to perform `ses:SendEmail'/);
  });

  it('over SMTP: X-SES-SOURCE-ARN names the identity (stripped), a denial is 554 Access denied', async () => {
    const smtp = smtpAs(b);
    const raw = (to: string) =>
      Buffer.from(
        [
          `X-SES-SOURCE-ARN: ${arn}`,
          'From: Bank <alerts@bank.test>',
          `To: ${to}`,
          'Subject: SMTP',
          '',
          'Hi.',
          '',
        ].join('\r\n'),
      );
    // SMTP is SendRawEmail under API version 2, over TLS here.
    await allow({
      Principal: { AWS: [b.accountId] },
      Action: 'ses:SendRawEmail',
      Condition: { StringEquals: { 'ses:ApiVersion': '2' }, Bool: { 'aws:SecureTransport': 'true' } },
    });
    const n = sink.messages.length;
    const ok = await smtp.sendMail({
      envelope: { from: 'alerts@bank.test', to: ['smtp@dest.test'] },
      raw: raw('smtp@dest.test'),
    });
    expect(ok.response).toMatch(/^250 Ok /);
    const got = await eventually(async () =>
      sink.messages.slice(n).find((m) => m.rcptTo.includes('smtp@dest.test')),
    );
    expect(got.raw.toString()).not.toMatch(/X-SES-SOURCE-ARN/i);
    expect(await dkimVerifiesWithMailauth(sesame, got.raw)).toContainEqual({
      status: 'pass',
      domain: 'bank.test',
    });

    await allow({ Principal: { AWS: [b.accountId] }, Action: 'ses:SendEmail' });
    const err = (await smtp
      .sendMail({
        envelope: { from: 'alerts@bank.test', to: ['smtp@dest.test'] },
        raw: raw('smtp@dest.test'),
      })
      .catch((e: unknown) => e)) as { response?: string };
    smtp.close();
    expect(err.response).toBe(
      `554 Access denied: ${denial(`arn:aws:iam::${b.accountId}:root`, 'ses:SendRawEmail')}`,
    );
  });

  it('a policy may name one IAM user: only that user’s key is allowed', async () => {
    const alice = await sesame.platform.core.accounts.createAccessKey(b.accountId, { userName: 'alice' });
    expect(alice.userArn).toBe(`arn:aws:iam::${b.accountId}:user/alice`);
    await allow({ Principal: { AWS: alice.userArn } });
    const aliceV2 = sesame.v2Client(alice);
    expect(await sendAsBank(aliceV2)).toHaveProperty('MessageId');
    expect((await refusal(sendAsBank(b.v2))).message).toBe(
      denial(`arn:aws:iam::${b.accountId}:root`, 'ses:SendEmail'),
    );
  });

  it('deleting the identity deletes its policies', async () => {
    await verifiedDomain(sesame, a, 'gone.test');
    const goneArn = arn.replace('bank.test', 'gone.test');
    await a.v1.send(
      new PutIdentityPolicyCommand({
        Identity: 'gone.test',
        PolicyName: 'p',
        Policy: policy({ Principal: '*' }, goneArn),
      }),
    );
    await a.v1.send(
      new (await import('@aws-sdk/client-ses')).DeleteIdentityCommand({ Identity: 'gone.test' }),
    );
    await a.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'gone.test' }));
    expect((await a.v1.send(new ListIdentityPoliciesCommand({ Identity: 'gone.test' }))).PolicyNames).toEqual(
      [],
    );
  });
});

describe('Debian’s aws CLI', () => {
  it('puts and reads a policy (aws ses), and sends as the owner’s identity (aws sesv2)', async () => {
    const owner = awsCli(sesame, a);
    const delegate = awsCli(sesame, b);
    const doc = policy({ Principal: { AWS: [b.accountId] } });
    const sendAsBankArgs = [
      'sesv2',
      'send-email',
      '--from-email-address',
      'alerts@bank.test',
      '--from-email-address-identity-arn',
      arn,
      '--destination',
      'ToAddresses=cli@dest.test',
      '--content',
      'Simple={Subject={Data=CLI},Body={Text={Data=Delegated}}}',
    ];
    const put = await owner(
      'ses',
      'put-identity-policy',
      '--identity',
      'bank.test',
      '--policy-name',
      'cli',
      '--policy',
      doc,
    );
    expect(put.code, put.stderr).toBe(0);
    const got = await owner(
      'ses',
      'get-identity-policies',
      '--identity',
      'bank.test',
      '--policy-names',
      'cli',
    );
    expect(JSON.parse(got.stdout)).toEqual({ Policies: { cli: doc } });
    const v2 = await owner('sesv2', 'get-email-identity-policies', '--email-identity', 'bank.test');
    expect(JSON.parse(v2.stdout).Policies.cli).toBe(doc);
    const send = await delegate(...sendAsBankArgs);
    expect(send.code, send.stderr).toBe(0);
    expect(JSON.parse(send.stdout).MessageId).toBeTruthy();
    await owner('ses', 'delete-identity-policy', '--identity', 'bank.test', '--policy-name', 'cli');
    const denied = await delegate(...sendAsBankArgs);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('(AccessDeniedException)');
    expect(denied.stderr).toContain(denial(`arn:aws:iam::${b.accountId}:root`, 'ses:SendEmail'));
  });
});

describe('access keys limited to some actions and identities', () => {
  it('an SMTP-only key sends but cannot manage identities (v2 403, v1 AccessDenied)', async () => {
    const key = await sesame.platform.core.accounts.createAccessKey(b.accountId, {
      permissions: { actions: ['ses:SendRawEmail'], identities: null },
    });
    const user = key.userArn!;
    expect(user).toMatch(new RegExp(`^arn:aws:iam::${b.accountId}:user/sesame-`));
    const v2 = sesame.v2Client(key);
    const manage = await refusal(
      v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'new.delegate.test' })),
    );
    expect(manage).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(manage.message).toBe(
      `User: ${user} is not authorized to perform: ses:CreateEmailIdentity because no identity-based policy allows the ses:CreateEmailIdentity action`,
    );
    expect((await refusal(v2.send(new GetAccountCommand({})))).name).toBe('AccessDeniedException');
    const v1 = new SESClient({
      endpoint: sesame.url,
      region: sesame.config.region,
      credentials: key,
      maxAttempts: 1,
    });
    const v1err = await refusal(v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'x@delegate.test' })));
    expect(v1err).toMatchObject({ name: 'AccessDenied', status: 403 });
    // ses:SendRawEmail is what it may do, by API and by SMTP.
    await v1.send(
      new SendRawEmailCommand({
        RawMessage: {
          Data: Buffer.from('From: a@delegate.test\r\nTo: raw@dest.test\r\nSubject: s\r\n\r\nx\r\n'),
        },
      }),
    );
    const smtp = smtpAs(key);
    const sent = await smtp.sendMail({
      from: 'a@delegate.test',
      to: 'smtp-only@dest.test',
      subject: 's',
      text: 'x',
    });
    smtp.close();
    expect(sent.response).toMatch(/^250 Ok /);
  });

  it('a key limited to some identities cannot send as others (554 Access denied over SMTP)', async () => {
    await verifiedDomain(sesame, b, 'second.delegate.test');
    const key = await sesame.platform.core.accounts.createAccessKey(b.accountId, {
      userName: 'mailer',
      permissions: { actions: ['ses:SendRawEmail'], identities: ['second.delegate.test'] },
    });
    const smtp = smtpAs(key);
    const ok = await smtp.sendMail({
      from: 'a@second.delegate.test',
      to: 'x@dest.test',
      subject: 's',
      text: 'x',
    });
    expect(ok.response).toMatch(/^250 /);
    const err = (await smtp
      .sendMail({ from: 'a@delegate.test', to: 'x@dest.test', subject: 's', text: 'x' })
      .catch((e: unknown) => e)) as { response?: string };
    smtp.close();
    expect(err.response).toBe(
      `554 Access denied: User \`arn:aws:iam::${b.accountId}:user/mailer' is not authorized to perform \`ses:SendRawEmail' on resource \`arn:aws:ses:${sesame.config.region}:${b.accountId}:identity/delegate.test'`,
    );
  });
});
