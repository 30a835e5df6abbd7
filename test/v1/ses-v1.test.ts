import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteIdentityCommand,
  DeleteVerifiedEmailAddressCommand,
  GetAccountSendingEnabledCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityMailFromDomainAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  GetSendStatisticsCommand,
  ListIdentitiesCommand,
  ListVerifiedEmailAddressesCommand,
  SendEmailCommand,
  SendRawEmailCommand,
  SetIdentityDkimEnabledCommand,
  SetIdentityFeedbackForwardingEnabledCommand,
  SetIdentityMailFromDomainCommand,
  UpdateAccountSendingEnabledCommand,
  VerifyDomainDkimCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailAddressCommand,
  VerifyEmailIdentityCommand,
  PutIdentityPolicyCommand,
  MessageRejected,
  ConfigurationSetDoesNotExistException,
  AccountSendingPausedException,
} from '@aws-sdk/client-ses';
import { GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { dkimVerifiesWithPython, sinkFor } from '../support/mail.ts';
import { signedFetch } from '../support/signed-fetch.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { sesModel } from '../../src/adapters/aws/model/ses.generated.ts';
import { v1Handlers } from '../../src/adapters/ses-v1/index.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount({ production: true });
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(() => sesame.close());

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

describe('SES v1 identities', () => {
  it('VerifyDomainIdentity returns a token that, published at _amazonses, verifies the domain', async () => {
    const { VerificationToken } = await acct.v1.send(new VerifyDomainIdentityCommand({ Domain: 'v1.test' }));
    expect(VerificationToken).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // The same token again for the same domain.
    expect(
      (await acct.v1.send(new VerifyDomainIdentityCommand({ Domain: 'v1.test' }))).VerificationToken,
    ).toBe(VerificationToken);
    let attrs = await acct.v1.send(
      new GetIdentityVerificationAttributesCommand({ Identities: ['v1.test', 'unknown.test'] }),
    );
    expect(attrs.VerificationAttributes).toEqual({
      'v1.test': { VerificationStatus: 'Pending', VerificationToken },
    });
    sesame.dns.set('_amazonses.v1.test', { txt: [VerificationToken!] });
    attrs = await eventually(async () => {
      const a = await acct.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: ['v1.test'] }));
      return a.VerificationAttributes?.['v1.test']?.VerificationStatus === 'Success' && a;
    });
    expect(attrs.VerificationAttributes?.['v1.test']?.VerificationToken).toBe(VerificationToken);
    // The v2 API sees the same identity.
    expect(
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'v1.test' })))
        .VerifiedForSendingStatus,
    ).toBe(true);
  });

  it('VerifyDomainDkim returns three tokens; DKIM attributes follow their DNS records', async () => {
    const { DkimTokens } = await acct.v1.send(new VerifyDomainDkimCommand({ Domain: 'v1.test' }));
    expect(DkimTokens).toHaveLength(3);
    let dkim = await acct.v1.send(new GetIdentityDkimAttributesCommand({ Identities: ['v1.test'] }));
    expect(dkim.DkimAttributes?.['v1.test']).toEqual({
      DkimEnabled: true,
      DkimVerificationStatus: 'Pending',
      DkimTokens,
    });
    for (const r of await sesame.platform.core.identities.dnsRecords(acct.accountId, 'v1.test'))
      if (r.purpose === 'DKIM') sesame.dns.set(r.name, { txt: [r.value] });
    dkim = await eventually(async () => {
      const d = await acct.v1.send(new GetIdentityDkimAttributesCommand({ Identities: ['v1.test'] }));
      return d.DkimAttributes?.['v1.test']?.DkimVerificationStatus === 'Success' && d;
    });
    expect(dkim.DkimAttributes?.['v1.test']?.DkimTokens).toEqual(DkimTokens);
    await acct.v1.send(new SetIdentityDkimEnabledCommand({ Identity: 'v1.test', DkimEnabled: false }));
    dkim = await acct.v1.send(new GetIdentityDkimAttributesCommand({ Identities: ['v1.test'] }));
    expect(dkim.DkimAttributes?.['v1.test']?.DkimEnabled).toBe(false);
    await acct.v1.send(new SetIdentityDkimEnabledCommand({ Identity: 'v1.test', DkimEnabled: true }));
  });

  it('VerifyEmailIdentity and VerifyEmailAddress send verification mail; ListVerifiedEmailAddresses lists the verified ones', async () => {
    await acct.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'one@dest.test' }));
    await acct.v1.send(new VerifyEmailAddressCommand({ EmailAddress: 'two@dest.test' }));
    await eventually(
      async () => sink.received('one@dest.test').length > 0 && sink.received('two@dest.test').length > 0,
    );
    const { simpleParser } = await import('mailparser');
    const text = (await simpleParser(sink.received('one@dest.test')[0]!.raw)).text ?? '';
    const link = /(http:\/\/\S+\/verify-email\/\S+)/.exec(text)?.[1];
    expect((await fetch(link!)).status).toBe(200);
    expect((await acct.v1.send(new ListVerifiedEmailAddressesCommand({}))).VerifiedEmailAddresses).toEqual([
      'one@dest.test',
    ]);
    // Asking again for an unverified address sends a fresh link.
    await acct.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'two@dest.test' }));
    await eventually(async () => sink.received('two@dest.test').length > 1);
  });

  it('ListIdentities filters by type and pages with MaxItems and NextToken', async () => {
    const all = await acct.v1.send(new ListIdentitiesCommand({}));
    expect(all.Identities).toEqual(['one@dest.test', 'two@dest.test', 'v1.test']);
    expect((await acct.v1.send(new ListIdentitiesCommand({ IdentityType: 'Domain' }))).Identities).toEqual([
      'v1.test',
    ]);
    const first = await acct.v1.send(new ListIdentitiesCommand({ MaxItems: 2 }));
    expect(first.Identities).toEqual(['one@dest.test', 'two@dest.test']);
    const second = await acct.v1.send(new ListIdentitiesCommand({ MaxItems: 2, NextToken: first.NextToken }));
    expect(second.Identities).toEqual(['v1.test']);
    expect(second.NextToken).toBeUndefined();
  });

  it('SetIdentityMailFromDomain and GetIdentityMailFromDomainAttributes', async () => {
    await acct.v1.send(
      new SetIdentityMailFromDomainCommand({
        Identity: 'v1.test',
        MailFromDomain: 'bounce.v1.test',
        BehaviorOnMXFailure: 'RejectMessage',
      }),
    );
    const attrs = await acct.v1.send(
      new GetIdentityMailFromDomainAttributesCommand({ Identities: ['v1.test', 'one@dest.test'] }),
    );
    expect(attrs.MailFromDomainAttributes).toEqual({
      'v1.test': {
        MailFromDomain: 'bounce.v1.test',
        MailFromDomainStatus: 'Pending',
        BehaviorOnMXFailure: 'RejectMessage',
      },
      'one@dest.test': { BehaviorOnMXFailure: 'UseDefaultValue' },
    });
    await acct.v1.send(new SetIdentityMailFromDomainCommand({ Identity: 'v1.test' }));
  });

  it('SetIdentityFeedbackForwardingEnabled', async () => {
    await acct.v1.send(
      new SetIdentityFeedbackForwardingEnabledCommand({ Identity: 'v1.test', ForwardingEnabled: true }),
    );
    expect(
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'v1.test' })))
        .FeedbackForwardingStatus,
    ).toBe(true);
  });

  it('DeleteIdentity and DeleteVerifiedEmailAddress (deleting something absent succeeds, as in SES)', async () => {
    await acct.v1.send(new DeleteVerifiedEmailAddressCommand({ EmailAddress: 'two@dest.test' }));
    await acct.v1.send(new DeleteIdentityCommand({ Identity: 'never-there.test' }));
    expect((await acct.v1.send(new ListIdentitiesCommand({}))).Identities).toEqual([
      'one@dest.test',
      'v1.test',
    ]);
  });
});

describe('SES v1 sending', () => {
  it('SendEmail delivers a signed message', async () => {
    const { MessageId } = await acct.v1.send(
      new SendEmailCommand({
        Source: 'Sender <news@v1.test>',
        Destination: { ToAddresses: ['v1-rcpt@dest.test'] },
        Message: {
          Subject: { Data: 'From the v1 API' },
          Body: { Text: { Data: 'Plain text\nsecond line\n' }, Html: { Data: '<p>HTML</p>\n<p>more</p>' } },
        },
        Tags: [{ Name: 'api', Value: 'v1' }],
      }),
    );
    expect(MessageId).toMatch(/-000000$/);
    await eventually(async () => sink.received('v1-rcpt@dest.test').length > 0);
    const got = sink.received('v1-rcpt@dest.test')[0]!;
    expect((await dkimVerifiesWithPython(sesame, got.raw)).ok).toBe(true);
    const send = (await sesame.platform.store.messages.events(MessageId!)).find((e) => e.type === 'Send')!
      .payload as any;
    expect(send.mail.tags).toMatchObject({ api: ['v1'], 'ses:operation': ['SendEmail'] });
  });

  it('SendRawEmail takes Source and Destinations from the headers when absent', async () => {
    const raw = 'From: raw@v1.test\r\nTo: raw-v1@dest.test\r\nSubject: raw v1\r\n\r\nbody\r\n';
    const { MessageId } = await acct.v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } }),
    );
    await eventually(async () => sink.received('raw-v1@dest.test').length > 0);
    expect(sink.received('raw-v1@dest.test')[0]!.raw.toString()).toContain(`<${MessageId}@mx.sesame.test>`);
  });

  it('errors carry the awsQueryError codes: MessageRejected, ConfigurationSetDoesNotExist, AccountSendingPausedException', async () => {
    const msg = {
      Destination: { ToAddresses: ['x@dest.test'] },
      Message: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } },
    };
    const rejected = await failure(
      acct.v1.send(new SendEmailCommand({ Source: 'x@unverified.test', ...msg })),
    );
    expect(rejected).toBeInstanceOf(MessageRejected);
    expect(rejected.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: x@unverified.test',
    );
    expect(rejected.$metadata.httpStatusCode).toBe(400);
    const noSet = await failure(
      acct.v1.send(new SendEmailCommand({ Source: 'x@v1.test', ConfigurationSetName: 'nope', ...msg })),
    );
    expect(noSet).toBeInstanceOf(ConfigurationSetDoesNotExistException);
    const paused = await sesame.createAccount({ production: true });
    await paused.v1.send(new UpdateAccountSendingEnabledCommand({ Enabled: false }));
    expect((await paused.v1.send(new GetAccountSendingEnabledCommand({}))).Enabled).toBe(false);
    await paused.v1.send(new VerifyDomainIdentityCommand({ Domain: 'paused-v1.test' }));
    const t = (await paused.v1.send(new VerifyDomainIdentityCommand({ Domain: 'paused-v1.test' })))
      .VerificationToken!;
    sesame.dns.set('_amazonses.paused-v1.test', { txt: [t] });
    await eventually(
      async () =>
        (
          await paused.v1.send(
            new GetIdentityVerificationAttributesCommand({ Identities: ['paused-v1.test'] }),
          )
        ).VerificationAttributes?.['paused-v1.test']?.VerificationStatus === 'Success',
    );
    const err = await failure(paused.v1.send(new SendEmailCommand({ Source: 'p@paused-v1.test', ...msg })));
    expect(err).toBeInstanceOf(AccountSendingPausedException);
  });

  it('the send rate answers Throttling (400) "Maximum sending rate exceeded."', async () => {
    const slow = await sesame.createAccount();
    const t = (await slow.v1.send(new VerifyDomainIdentityCommand({ Domain: 'slow-v1.test' })))
      .VerificationToken!;
    sesame.dns.set('_amazonses.slow-v1.test', { txt: [t] });
    await eventually(
      async () =>
        (await slow.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: ['slow-v1.test'] })))
          .VerificationAttributes?.['slow-v1.test']?.VerificationStatus === 'Success',
    );
    const msg = {
      Source: 's@slow-v1.test',
      Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
      Message: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } },
    };
    await slow.v1.send(new SendEmailCommand(msg));
    const err = await failure(slow.v1.send(new SendEmailCommand(msg)));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('Maximum sending rate exceeded.');
  });

  it('GetSendQuota and GetSendStatistics report what was sent', async () => {
    const q = await acct.v1.send(new GetSendQuotaCommand({}));
    expect(q).toMatchObject({ Max24HourSend: 50000, MaxSendRate: 14 });
    expect(q.SentLast24Hours).toBeGreaterThanOrEqual(2);
    const stats = await acct.v1.send(new GetSendStatisticsCommand({}));
    const total = stats.SendDataPoints!.reduce((n, p) => n + (p.DeliveryAttempts ?? 0), 0);
    expect(total).toBeGreaterThanOrEqual(2);
    for (const p of stats.SendDataPoints!) {
      expect(p.Timestamp).toBeInstanceOf(Date);
      expect(p.Timestamp!.getTime() % (15 * 60_000)).toBe(0);
    }
  });
});

describe('SES v1 protocol', () => {
  it('routes every one of the 71 actions: implemented, or "not supported by Sesame"', async () => {
    expect(Object.keys(sesModel.operations)).toHaveLength(71);
    // A throw-away account: empty requests to implemented actions may change it (UpdateAccountSendingEnabled).
    const scratch = await sesame.createAccount();
    for (const action of Object.keys(sesModel.operations)) {
      const res = await signedFetch(sesame.url, {
        path: '/',
        body: `Action=${action}&Version=2010-12-01`,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        credentials: scratch,
      });
      const text = await res.text();
      expect(text, action).not.toContain('<Code>InvalidAction</Code><Message>The action');
      if (!v1Handlers[action])
        expect(text, action).toContain(
          `<Code>InvalidAction</Code><Message>The SES action ${action} is not supported by Sesame.</Message>`,
        );
    }
    // Sending authorization's actions are implemented: a policy for an identity the account lacks is refused.
    const err = await failure(
      acct.v1.send(new PutIdentityPolicyCommand({ Identity: 'x.test', PolicyName: 'p', Policy: '{}' })),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe('Identity x.test does not exist.');
  });

  it('speaks the Query protocol: XML namespace, RequestId, Sender/Receiver errors, GET with a query string', async () => {
    const ok = await signedFetch(sesame.url, {
      path: '/',
      body: 'Action=GetSendQuota&Version=2010-12-01',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      credentials: acct,
    });
    const xml = await ok.text();
    expect(xml).toMatch(
      /<GetSendQuotaResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/"><GetSendQuotaResult><Max24HourSend>50000\.0<\/Max24HourSend>/,
    );
    expect(xml).toMatch(
      /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetSendQuotaResponse>/,
    );
    const get = await signedFetch(sesame.url, {
      method: 'GET',
      path: '/',
      query: { Action: 'GetAccountSendingEnabled', Version: '2010-12-01' },
      credentials: acct,
    });
    expect(await get.text()).toContain(
      '<GetAccountSendingEnabledResult><Enabled>true</Enabled></GetAccountSendingEnabledResult>',
    );
    const noAction = await signedFetch(sesame.url, {
      path: '/',
      body: 'Version=2010-12-01',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      credentials: acct,
    });
    expect(noAction.status).toBe(400);
    expect(await noAction.text()).toMatch(
      /<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/"><Error><Type>Sender<\/Type><Code>MissingAction<\/Code>/,
    );
    const bogus = await signedFetch(sesame.url, {
      path: '/',
      body: 'Action=FlyToTheMoon&Version=2010-12-01',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      credentials: acct,
    });
    expect(await bogus.text()).toContain('<Code>InvalidAction</Code>');
    const badKey = await fetch(`${sesame.url}/`, {
      method: 'POST',
      body: 'Action=GetSendQuota',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(badKey.status).toBe(403);
    expect(await badKey.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('authentication failures have the Query codes', async () => {
    const { SESClient, GetSendQuotaCommand: Q } = await import('@aws-sdk/client-ses');
    const unknown = new SESClient({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIANOPENOPENOPENOPE', secretAccessKey: 'x'.repeat(40) },
      maxAttempts: 1,
    });
    expect((await failure(unknown.send(new Q({})))).name).toBe('InvalidClientTokenId');
    const wrong = new SESClient({
      endpoint: sesame.url,
      region: 'us-east-1',
      credentials: { accessKeyId: acct.accessKeyId, secretAccessKey: 'x'.repeat(40) },
      maxAttempts: 1,
    });
    expect((await failure(wrong.send(new Q({})))).name).toBe('SignatureDoesNotMatch');
  });

  it('the same actions work from boto3 (Debian python3-boto3), whose Query parser reads every shape', async () => {
    const { execFile } = await import('node:child_process');
    const script = `
import boto3, json, sys
c = boto3.client('ses', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = {}
out['token'] = c.verify_domain_identity(Domain='boto.test')['VerificationToken']
c.verify_email_identity(EmailAddress='boto@dest.test')
out['identities'] = c.list_identities()['Identities']
out['attrs'] = c.get_identity_verification_attributes(Identities=['boto.test'])['VerificationAttributes']
out['dkim'] = c.verify_domain_dkim(Domain='boto.test')['DkimTokens']
out['quota'] = c.get_send_quota()
out['quota'].pop('ResponseMetadata')
out['stats'] = len(c.get_send_statistics()['SendDataPoints'])
out['enabled'] = c.get_account_sending_enabled()['Enabled']
out['mailfrom'] = c.get_identity_mail_from_domain_attributes(Identities=['boto.test'])['MailFromDomainAttributes']
try:
    c.send_email(Source='x@nowhere.test', Destination={'ToAddresses': ['a@dest.test']}, Message={'Subject': {'Data': 's'}, 'Body': {'Text': {'Data': 't'}}})
except c.exceptions.MessageRejected as e:
    out['rejected'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/python3',
        ['-c', script, sesame.url, acct.accessKeyId, acct.secretAccessKey],
        (err, out, errOut) => (err ? reject(new Error(errOut)) : resolve(out)),
      ),
    );
    const out = JSON.parse(stdout);
    expect(out.token).toMatch(/=$/);
    expect(out.identities).toContain('boto.test');
    expect(out.attrs['boto.test'].VerificationStatus).toBe('Pending');
    expect(out.dkim).toHaveLength(3);
    expect(out.quota).toEqual({ Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: expect.any(Number) });
    expect(out.enabled).toBe(true);
    expect(out.mailfrom).toEqual({ 'boto.test': { BehaviorOnMXFailure: 'UseDefaultValue' } });
    expect(out.rejected).toBe('MessageRejected');
  });
});
