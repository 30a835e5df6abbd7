import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { sinkFor } from '../support/mail.ts';
import { generateKeyPairSync } from 'node:crypto';
import {
  AlreadyExistsException,
  BadRequestException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  PutEmailIdentityConfigurationSetAttributesCommand,
  PutEmailIdentityDkimAttributesCommand,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityFeedbackAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sesv2';
import {
  eventually,
  publishRecords,
  startSesame,
  type TestAccount,
  type TestSesame,
} from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;

const identity = (name: string) => acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }));

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount();
});
afterAll(() => sesame.close());

describe('domain identities', () => {
  it('CreateEmailIdentity gives a domain Easy DKIM with three tokens, pending', async () => {
    const res = await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'Example.COM' }));
    expect(res.IdentityType).toBe('DOMAIN');
    expect(res.VerifiedForSendingStatus).toBe(false);
    expect(res.DkimAttributes?.Status).toBe('PENDING');
    expect(res.DkimAttributes?.SigningEnabled).toBe(true);
    expect(res.DkimAttributes?.SigningAttributesOrigin).toBe('AWS_SES');
    expect(res.DkimAttributes?.CurrentSigningKeyLength).toBe('RSA_2048_BIT');
    expect(res.DkimAttributes?.Tokens).toHaveLength(3);
    for (const t of res.DkimAttributes!.Tokens!) expect(t).toMatch(/^[a-z2-7]{32}$/);
  });

  it('states the records to publish: DKIM TXT keys, SPF and DMARC', async () => {
    const records = await sesame.platform.core.identities.dnsRecords(acct.accountId, 'example.com');
    const dkim = records.filter((r) => r.purpose.startsWith('DKIM'));
    expect(dkim).toHaveLength(3);
    for (const r of dkim) {
      expect(r.name).toMatch(/^[a-z2-7]{32}\._domainkey\.example\.com$/);
      expect(r.value).toMatch(/^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+$/);
    }
    expect(records).toContainEqual(
      expect.objectContaining({ name: 'example.com', type: 'TXT', value: 'v=spf1 a:mx.sesame.test ~all' }),
    );
    expect(records).toContainEqual(expect.objectContaining({ name: '_dmarc.example.com', type: 'TXT' }));
  });

  it('turns to SUCCESS once the loopback DNS server publishes the records', async () => {
    expect((await identity('example.com')).VerificationStatus).toBe('PENDING');
    await publishRecords(sesame, acct.accountId, 'example.com');
    const verified = await eventually(async () => {
      const r = await identity('example.com');
      return r.VerificationStatus === 'SUCCESS' && r;
    });
    expect(verified.VerifiedForSendingStatus).toBe(true);
    expect(verified.DkimAttributes?.Status).toBe('SUCCESS');
    expect(verified.VerificationInfo?.LastSuccessTimestamp).toBeInstanceOf(Date);
    expect(verified.VerificationInfo?.LastCheckedTimestamp).toBeInstanceOf(Date);
  });

  it('a record that does not match the key keeps the domain pending', async () => {
    await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'wrongkey.test' }));
    const records = await sesame.platform.core.identities.dnsRecords(acct.accountId, 'wrongkey.test');
    for (const r of records.filter((x) => x.purpose.startsWith('DKIM')))
      sesame.dns.set(r.name, {
        txt: ['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong'],
      });
    await sesame.platform.core.identities.checkNow(acct.accountId, 'wrongkey.test');
    expect((await identity('wrongkey.test')).VerificationStatus).toBe('PENDING');
  });

  it('a DNS server failure is a TEMPORARY_FAILURE', async () => {
    await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'servfail.test' }));
    const records = await sesame.platform.core.identities.dnsRecords(acct.accountId, 'servfail.test');
    for (const r of records.filter((x) => x.purpose.startsWith('DKIM')))
      sesame.dns.set(r.name, { servfail: true });
    await sesame.platform.core.identities.checkNow(acct.accountId, 'servfail.test');
    const r = await identity('servfail.test');
    expect(r.VerificationStatus).toBe('TEMPORARY_FAILURE');
    expect(r.DkimAttributes?.Status).toBe('TEMPORARY_FAILURE');
    expect(r.VerificationInfo?.ErrorType).toBe('DNS_SERVER_ERROR');
  });

  it('refuses a second identity of the same name, and unknown identities', async () => {
    await expect(
      acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    await expect(identity('nope.example')).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      acct.v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'nope.example' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'not a domain' })),
    ).rejects.toThrow(/Invalid domain name/);
    await expect(
      acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'bad@@example.com' })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('identities of one account are invisible to another', async () => {
    const other = await sesame.createAccount();
    await expect(
      other.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'example.com' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    // …and the other account may verify the same domain for itself.
    const res = await other.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    expect(res.DkimAttributes?.Status).toBe('PENDING');
  });

  it('PutEmailIdentityDkimAttributes turns signing off and on', async () => {
    await acct.v2.send(
      new PutEmailIdentityDkimAttributesCommand({ EmailIdentity: 'example.com', SigningEnabled: false }),
    );
    expect((await identity('example.com')).DkimAttributes?.SigningEnabled).toBe(false);
    await acct.v2.send(
      new PutEmailIdentityDkimAttributesCommand({ EmailIdentity: 'example.com', SigningEnabled: true }),
    );
    expect((await identity('example.com')).DkimAttributes?.SigningEnabled).toBe(true);
  });

  it('rotates Easy DKIM keys to a new length once the new records are published', async () => {
    const before = await identity('example.com');
    const res = await acct.v2.send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: 'example.com',
        SigningAttributesOrigin: 'AWS_SES',
        SigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
      }),
    );
    expect(res.DkimStatus).toBe('SUCCESS'); // the current keys keep signing meanwhile
    expect(res.DkimTokens).toHaveLength(3);
    expect(res.DkimTokens).not.toEqual(before.DkimAttributes?.Tokens);
    let r = await identity('example.com');
    expect(r.DkimAttributes?.NextSigningKeyLength).toBe('RSA_1024_BIT');
    expect(r.DkimAttributes?.CurrentSigningKeyLength).toBe('RSA_2048_BIT');
    await publishRecords(sesame, acct.accountId, 'example.com');
    r = await eventually(async () => {
      const x = await identity('example.com');
      return x.DkimAttributes?.CurrentSigningKeyLength === 'RSA_1024_BIT' && x;
    });
    expect(r.DkimAttributes?.Status).toBe('SUCCESS');
    expect(r.DkimAttributes?.Tokens).toEqual(res.DkimTokens);
    // A second change within 24 hours is refused.
    await expect(
      acct.v2.send(
        new PutEmailIdentityDkimSigningAttributesCommand({
          EmailIdentity: 'example.com',
          SigningAttributesOrigin: 'AWS_SES',
          SigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
        }),
      ),
    ).rejects.toThrow(/once every 24 hours/);
  });

  it('BYODKIM: the customer key and selector, verified by its TXT record', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = privateKey.export({ format: 'der', type: 'pkcs1' }).toString('base64');
    const res = await acct.v2.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'byo.example',
        DkimSigningAttributes: { DomainSigningSelector: 'sel2026', DomainSigningPrivateKey: der },
      }),
    );
    expect(res.DkimAttributes?.SigningAttributesOrigin).toBe('EXTERNAL');
    expect(res.DkimAttributes?.Tokens).toEqual(['sel2026']);
    const p = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    sesame.dns.set('sel2026._domainkey.byo.example', { txt: [`v=DKIM1; k=rsa; p=${p}`] });
    await eventually(async () => (await identity('byo.example')).VerificationStatus === 'SUCCESS');
    await expect(
      acct.v2.send(
        new PutEmailIdentityDkimSigningAttributesCommand({
          EmailIdentity: 'byo.example',
          SigningAttributesOrigin: 'EXTERNAL',
          SigningAttributes: { DomainSigningSelector: 'sel', DomainSigningPrivateKey: 'bm90IGEga2V5' },
        }),
      ),
    ).rejects.toThrow(/RSA private key/);
  });

  it('a custom MAIL FROM domain is verified by its MX record', async () => {
    await expect(
      acct.v2.send(
        new PutEmailIdentityMailFromAttributesCommand({
          EmailIdentity: 'example.com',
          MailFromDomain: 'bounce.other.org',
        }),
      ),
    ).rejects.toThrow(/subdomain of example.com/);
    await acct.v2.send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: 'example.com',
        MailFromDomain: 'bounce.example.com',
        BehaviorOnMxFailure: 'REJECT_MESSAGE',
      }),
    );
    expect((await identity('example.com')).MailFromAttributes).toEqual({
      MailFromDomain: 'bounce.example.com',
      MailFromDomainStatus: 'PENDING',
      BehaviorOnMxFailure: 'REJECT_MESSAGE',
    });
    sesame.dns.set('bounce.example.com', { mx: [{ exchange: 'mx.sesame.test', priority: 10 }] });
    await eventually(
      async () => (await identity('example.com')).MailFromAttributes?.MailFromDomainStatus === 'SUCCESS',
    );
    await acct.v2.send(new PutEmailIdentityMailFromAttributesCommand({ EmailIdentity: 'example.com' }));
    expect((await identity('example.com')).MailFromAttributes).toBeUndefined();
  });

  it('PutEmailIdentityFeedbackAttributes and an unknown default configuration set', async () => {
    // Forwarding can be turned off only once bounce and complaint notification topics are set.
    await expect(
      acct.v2.send(
        new PutEmailIdentityFeedbackAttributesCommand({
          EmailIdentity: 'example.com',
          EmailForwardingEnabled: false,
        }),
      ),
    ).rejects.toThrow(/until both a Bounce and a Complaint notification topic are set/);
    await acct.v2.send(
      new PutEmailIdentityFeedbackAttributesCommand({
        EmailIdentity: 'example.com',
        EmailForwardingEnabled: true,
      }),
    );
    expect((await identity('example.com')).FeedbackForwardingStatus).toBe(true);
    await expect(
      acct.v2.send(
        new PutEmailIdentityConfigurationSetAttributesCommand({
          EmailIdentity: 'example.com',
          ConfigurationSetName: 'missing',
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('email address identities', () => {
  it('is verified by the link Sesame sends (by email; the link is never logged)', async () => {
    const sink = await sinkFor(sesame, 'mailbox.test');
    const res = await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'Alice@Mailbox.TEST' }));
    expect(res.IdentityType).toBe('EMAIL_ADDRESS');
    expect(res.VerifiedForSendingStatus).toBe(false);
    expect((await identity('Alice@mailbox.test')).VerificationStatus).toBe('PENDING');
    const [mail] = await sink.waitForMatching(1, (m) => m.rcptTo.includes('Alice@mailbox.test'));
    const text = (await simpleParser(mail!.raw)).text ?? '';
    const link = /(http:\/\/\S+\/verify-email\/\S+)/.exec(text)![1]!;
    expect(link.startsWith(sesame.config.publicUrl)).toBe(true);
    // Whoever reads the log cannot verify the address: the link's token is not in it.
    const token = link.slice(link.lastIndexOf('/') + 1);
    await eventually(async () => sesame.logs().includes('address verification email sent'));
    expect(sesame.logs()).not.toContain(token);
    const bad = await fetch(`${sesame.url}/verify-email/not-a-token`);
    expect(bad.status).toBe(404);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Alice@mailbox.test');
    const r = await identity('Alice@mailbox.test');
    expect(r.VerificationStatus).toBe('SUCCESS');
    expect(r.VerifiedForSendingStatus).toBe(true);
    // The link works once.
    expect((await fetch(link)).status).toBe(404);
    await sink.stop();
  });

  it('an address under a verified domain counts as verified and inherits its DKIM', async () => {
    await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'sales@example.com' }));
    const r = await identity('sales@example.com');
    expect(r.VerificationStatus).toBe('SUCCESS');
    expect(r.VerifiedForSendingStatus).toBe(true);
    expect(r.DkimAttributes?.Status).toBe('SUCCESS');
    expect(await sesame.platform.core.senders.isVerified(acct.accountId, 'anyone@sub.example.com')).toBe(
      true,
    );
    expect(await sesame.platform.core.senders.isVerified(acct.accountId, 'bob@mailbox.test')).toBe(false);
  });
});

describe('listing, deleting and tagging', () => {
  it('ListEmailIdentities pages with PageSize and NextToken', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await acct.v2.send(new ListEmailIdentitiesCommand({ PageSize: 2, NextToken: token }));
      expect(page.EmailIdentities!.length).toBeLessThanOrEqual(2);
      for (const i of page.EmailIdentities!) {
        seen.push(i.IdentityName!);
        expect(['DOMAIN', 'EMAIL_ADDRESS']).toContain(i.IdentityType);
        expect(i.SendingEnabled).toBe(i.VerificationStatus === 'SUCCESS');
      }
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(
      expect.arrayContaining([
        'example.com',
        'Alice@mailbox.test',
        'sales@example.com',
        'byo.example',
        'servfail.test',
      ]),
    );
  });

  it('tags identities by ARN', async () => {
    await acct.v2.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'tagged.example',
        Tags: [{ Key: 'team', Value: 'growth' }],
      }),
    );
    const arn = `arn:aws:ses:us-east-1:${acct.accountId}:identity/tagged.example`;
    expect((await acct.v2.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'growth' },
    ]);
    await acct.v2.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'team', Value: 'core' },
        ],
      }),
    );
    expect((await identity('tagged.example')).Tags).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'core' },
    ]);
    await acct.v2.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
    expect((await acct.v2.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'env', Value: 'prod' },
    ]);
    await expect(
      acct.v2.send(
        new TagResourceCommand({
          ResourceArn: `arn:aws:ses:us-east-1:${acct.accountId}:identity/none.example`,
          Tags: [{ Key: 'a', Value: 'b' }],
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      acct.v2.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'aws:x', Value: 'b' }] })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('DeleteEmailIdentity removes the identity and its tags', async () => {
    await acct.v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'tagged.example' }));
    await expect(identity('tagged.example')).rejects.toBeInstanceOf(NotFoundException);
    await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'tagged.example' }));
    expect((await identity('tagged.example')).Tags).toEqual([]);
  });
});

describe('verification window', () => {
  it('a domain whose records never appear is FAILED after the timeout', async () => {
    const quick = await startSesame({ verificationTimeoutHours: 0.5 / 3600 });
    try {
      const a = await quick.createAccount();
      await a.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'never.example' }));
      const r = await eventually(async () => {
        const x = await a.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'never.example' }));
        return x.VerificationStatus === 'FAILED' && x;
      });
      expect(r.DkimAttributes?.Status).toBe('FAILED');
      expect(r.VerificationInfo?.ErrorType).toBe('HOST_NOT_FOUND');
    } finally {
      await quick.close();
    }
  });
});
