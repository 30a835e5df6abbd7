import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import {
  dkimVerifiesWithMailauth,
  dkimVerifiesWithPython,
  sinkFor,
  verifiedDomain,
} from '../support/mail.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'sender.test');
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(() => sesame.close());

const events = (messageId: string) => sesame.platform.store.messages.events(messageId);

describe('SendEmail with Simple content', () => {
  let messageId: string;

  it('answers an SES-shaped MessageId once the message is stored', async () => {
    const res = await acct.v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'Ünïcode Sender <news@sender.test>',
        Destination: {
          ToAddresses: ['rcpt@dest.test'],
          CcAddresses: ['cc@dest.test'],
          BccAddresses: ['hidden@dest.test'],
        },
        ReplyToAddresses: ['replies@sender.test'],
        Content: {
          Simple: {
            Subject: { Data: 'Grüße aus Sesame ✓', Charset: 'UTF-8' },
            Body: { Text: { Data: 'Hello in plain text' }, Html: { Data: '<p>Hello in <b>HTML</b></p>' } },
            Headers: [{ Name: 'X-Campaign', Value: 'autumn' }],
            Attachments: [
              {
                FileName: 'résumé.txt',
                RawContent: Buffer.from('attached bytes'),
                ContentType: 'text/plain',
              },
            ],
          },
        },
        EmailTags: [{ Name: 'campaign', Value: 'autumn' }],
      }),
    );
    messageId = res.MessageId!;
    expect(messageId).toMatch(
      /^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$/,
    );
    expect(await sesame.platform.store.messages.get(messageId)).not.toBeNull();
  });

  it('delivers it intact to each recipient, Bcc never in the headers', async () => {
    await eventually(
      async () => sink.received('hidden@dest.test').length > 0 && sink.received('rcpt@dest.test').length > 0,
    );
    const m = sink.received('rcpt@dest.test')[0]!;
    expect(m.rcptTo.sort()).toEqual(['cc@dest.test', 'hidden@dest.test', 'rcpt@dest.test']);
    expect(m.secure).toBe(true); // opportunistic STARTTLS
    const parsed = await simpleParser(m.raw);
    expect(parsed.subject).toBe('Grüße aus Sesame ✓');
    expect(parsed.from?.value[0]).toEqual({ name: 'Ünïcode Sender', address: 'news@sender.test' });
    expect(parsed.text?.trim()).toBe('Hello in plain text');
    expect(parsed.html).toContain('<p>Hello in <b>HTML</b></p>');
    expect(parsed.attachments[0]?.filename).toBe('résumé.txt');
    expect(parsed.attachments[0]?.content.toString()).toBe('attached bytes');
    expect(parsed.headers.get('x-campaign')).toBe('autumn');
    expect(parsed.replyTo?.value[0]?.address).toBe('replies@sender.test');
    expect(parsed.messageId).toBe(`<${messageId}@mx.sesame.test>`);
    expect(m.raw.toString()).not.toMatch(/^bcc:/im);
    expect(m.raw.toString()).not.toContain('hidden@dest.test');
    // Non-ASCII headers are encoded (RFC 2047 subject and names, RFC 2231 file names).
    const head = m.raw.toString().split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(m.raw.toString()).toMatch(
      /filename\*0\*=utf-8''r%C3%A9sum%C3%A9\.txt|filename\*=utf-8''r%C3%A9sum%C3%A9\.txt/i,
    );
  });

  it('the return path is a VERP address that names the message and the recipients of the transaction', async () => {
    const m = sink.received('rcpt@dest.test')[0]!;
    // Three recipients at dest.test, delivered in one transaction: the return path names all three.
    expect(m.mailFrom).toMatch(/^b-[a-z2-7]{39}-m[a-z2-7]{12}-[a-z2-7]{8}@mx\.sesame\.test$/);
    const decoded = sesame.platform.mta.returnPaths.decode(m.mailFrom.split('@')[0]!);
    expect(decoded).toEqual({ messageId, indices: [0, 1, 2] });
  });

  it('is DKIM-signed with the domain key, and independent verifiers accept the signature', async () => {
    const m = sink.received('rcpt@dest.test')[0]!;
    expect(m.raw.toString()).toMatch(
      /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=sender\.test; s=[a-z2-7]{32};/,
    );
    const py = await dkimVerifiesWithPython(sesame, m.raw);
    expect(py.ok, py.output).toBe(true);
    expect(await dkimVerifiesWithMailauth(sesame, m.raw)).toEqual([
      { status: 'pass', domain: 'sender.test' },
    ]);
  });

  it('records Send and Delivery events in SES format', async () => {
    const evs = await eventually(async () => {
      const e = await events(messageId);
      return e.some((x) => x.type === 'Delivery') && e;
    });
    const send = evs.find((e) => e.type === 'Send')!.payload as any;
    expect(send.eventType).toBe('Send');
    expect(send.send).toEqual({});
    expect(send.mail).toMatchObject({
      messageId,
      source: 'Ünïcode Sender <news@sender.test>',
      sourceArn: `arn:aws:ses:us-east-1:${acct.accountId}:identity/sender.test`,
      sendingAccountId: acct.accountId,
      destination: ['rcpt@dest.test', 'cc@dest.test', 'hidden@dest.test'],
      headersTruncated: false,
      commonHeaders: {
        from: ['Ünïcode Sender <news@sender.test>'],
        to: ['rcpt@dest.test'],
        subject: 'Grüße aus Sesame ✓',
        messageId,
      },
    });
    expect(send.mail.tags).toMatchObject({
      campaign: ['autumn'],
      'ses:operation': ['SendEmail'],
      'ses:from-domain': ['sender.test'],
      'ses:caller-identity': [acct.accessKeyId],
    });
    const delivery = evs.find((e) => e.type === 'Delivery')!.payload as any;
    expect(delivery.delivery).toMatchObject({ reportingMTA: 'mx.sesame.test', remoteMtaIp: sink.host });
    expect(delivery.delivery.recipients.sort()).toEqual([
      'cc@dest.test',
      'hidden@dest.test',
      'rcpt@dest.test',
    ]);
    expect(delivery.delivery.smtpResponse).toMatch(/^250 /);
    expect(delivery.delivery.processingTimeMillis).toBeGreaterThanOrEqual(0);
    const recipients = await sesame.platform.store.messages.recipients(messageId);
    expect(recipients.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });
});

describe('SendEmail with Raw content', () => {
  it('takes sender and recipients from the headers, strips Bcc and X-SES-* headers, and delivers', async () => {
    const raw = [
      'From: Raw Sender <raw@sender.test>',
      'To: raw-rcpt@dest.test',
      'Bcc: raw-bcc@dest.test',
      'Subject: A raw message',
      'Message-ID: <client-chosen@example>',
      'X-SES-MESSAGE-TAGS: source=raw',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Raw body line 1',
      'Raw body line 2',
      '',
    ].join('\n');
    const res = await acct.v2.send(new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(raw) } } }));
    await eventually(async () => sink.received('raw-bcc@dest.test').length > 0);
    const m = sink.received('raw-rcpt@dest.test')[0]!;
    const text = m.raw.toString();
    expect(text).toContain('Subject: A raw message');
    expect(text).toContain('Raw body line 1\r\nRaw body line 2\r\n');
    expect(text).not.toMatch(/^bcc:/im);
    expect(text).not.toMatch(/^x-ses-/im);
    expect(text).toContain(`Message-ID: <${res.MessageId}@mx.sesame.test>`);
    expect((await dkimVerifiesWithPython(sesame, m.raw)).ok).toBe(true);
    const send = (await events(res.MessageId!)).find((e) => e.type === 'Send')!.payload as any;
    expect(send.mail.tags.source).toEqual(['raw']);
    expect(send.mail.destination).toEqual(['raw-rcpt@dest.test', 'raw-bcc@dest.test']);
  });
});

describe('address verification mail', () => {
  it('goes out through the sending pipeline, and its link verifies the address', async () => {
    const { CreateEmailIdentityCommand, GetEmailIdentityCommand } = await import('@aws-sdk/client-sesv2');
    await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'owner@dest.test' }));
    await eventually(async () => sink.received('owner@dest.test').length > 0);
    const mail = await simpleParser(sink.received('owner@dest.test')[0]!.raw);
    expect(mail.subject).toBe('Sesame Email Address Verification Request in region us-east-1');
    expect(mail.from?.value[0]?.address).toBe('no-reply@mx.sesame.test');
    const link = /(http:\/\/\S+\/verify-email\/\S+)/.exec(mail.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect((await fetch(link!)).status).toBe(200);
    expect(
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'owner@dest.test' })))
        .VerificationStatus,
    ).toBe('SUCCESS');
  });
});
