import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestException,
  GetAccountCommand,
  MessageRejected,
  NotFoundException,
  PutAccountSendingAttributesCommand,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let prod: TestAccount;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  prod = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, prod, 'sender.test');
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(() => sesame.close());

function simple(to: string[], extra: Partial<SendEmailCommandInput> = {}): SendEmailCommand {
  return new SendEmailCommand({
    FromEmailAddress: 'app@sender.test',
    Destination: { ToAddresses: to },
    Content: { Simple: { Subject: { Data: 'Test' }, Body: { Text: { Data: 'Body' } } } },
    ...extra,
  });
}

async function eventOf(messageId: string, type: string, count = 1): Promise<any[]> {
  return eventually(async () => {
    const evs = (await sesame.platform.store.messages.events(messageId))
      .filter((e) => e.type === type)
      .map((e) => e.payload as any);
    return evs.length >= count && evs;
  });
}

describe('delivery outcomes', () => {
  it('a 451 then 250 is delivered on retry, with a DeliveryDelay event first', async () => {
    sink.rcptReplies.set('greylisted@dest.test', ['451 4.7.1 Greylisted, try again later', '250']);
    const { MessageId } = await prod.v2.send(simple(['greylisted@dest.test']));
    const [delay] = await eventOf(MessageId!, 'DeliveryDelay');
    expect(delay.deliveryDelay).toMatchObject({
      delayType: 'RecipientServerError',
      delayedRecipients: [
        {
          emailAddress: 'greylisted@dest.test',
          status: '4.7.1',
          diagnosticCode: 'smtp; 451 4.7.1 Greylisted, try again later',
        },
      ],
      reportingMTA: 'mx.sesame.test',
    });
    expect(Date.parse(delay.deliveryDelay.expirationTime)).toBeGreaterThan(Date.now());
    const [delivery] = await eventOf(MessageId!, 'Delivery');
    expect(delivery.delivery.recipients).toEqual(['greylisted@dest.test']);
    expect(sink.received('greylisted@dest.test')).toHaveLength(1);
    const [r] = await sesame.platform.store.messages.recipients(MessageId!);
    expect(r).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('a 550 5.1.1 is a Permanent/General bounce, and the address goes on the suppression list', async () => {
    sink.rcptReplies.set('nobody@dest.test', [
      '550 5.1.1 <nobody@dest.test>: Recipient address rejected: User unknown',
    ]);
    const { MessageId } = await prod.v2.send(simple(['nobody@dest.test']));
    const [bounce] = await eventOf(MessageId!, 'Bounce');
    expect(bounce.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'nobody@dest.test',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 <nobody@dest.test>: Recipient address rejected: User unknown',
        },
      ],
      reportingMTA: 'dns; mx.sesame.test',
      remoteMtaIp: sink.host,
    });
    expect(bounce.bounce.feedbackId).toMatch(/-000000$/);
    expect(await sesame.platform.store.suppression.get(prod.accountId, 'nobody@dest.test')).toMatchObject({
      reason: 'BOUNCE',
      messageId: MessageId,
    });

    // A later send to it is accepted but never delivered: Bounce Permanent/OnAccountSuppressionList.
    const before = sink.messages.length;
    const second = await prod.v2.send(simple(['nobody@dest.test']));
    const [suppressed] = await eventOf(second.MessageId!, 'Bounce');
    expect(suppressed.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'OnAccountSuppressionList',
    });
    expect(suppressed.bounce.bouncedRecipients[0].emailAddress).toBe('nobody@dest.test');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before);
    expect((await sesame.platform.store.messages.recipients(second.MessageId!))[0]?.status).toBe(
      'suppressed',
    );
  });

  it('one transaction per domain: a 5xx on one RCPT bounces only that recipient', async () => {
    sink.rcptReplies.set('gone@dest.test', ['550 5.1.1 gone']);
    const { MessageId } = await prod.v2.send(simple(['stay@dest.test', 'gone@dest.test']));
    await eventOf(MessageId!, 'Delivery');
    const [bounce] = await eventOf(MessageId!, 'Bounce');
    expect(bounce.bounce.bouncedRecipients.map((r: any) => r.emailAddress)).toEqual(['gone@dest.test']);
    const got = sink.received('stay@dest.test');
    expect(got).toHaveLength(1);
    expect(got[0]!.rcptTo).toEqual(['stay@dest.test']);
  });

  it('a message larger than the SIZE the receiver announced bounces as MessageTooLarge, unsent', async () => {
    const small = await sinkFor(sesame, 'small.test', { size: 1000 });
    const { MessageId } = await prod.v2.send(
      simple(['big@small.test'], {
        Content: { Simple: { Subject: { Data: 'Big' }, Body: { Text: { Data: 'y'.repeat(4000) } } } },
      }),
    );
    const [bounce] = await eventOf(MessageId!, 'Bounce');
    expect(bounce.bounce).toMatchObject({ bounceType: 'Transient', bounceSubType: 'MessageTooLarge' });
    expect(bounce.bounce.bouncedRecipients[0]).toMatchObject({
      emailAddress: 'big@small.test',
      status: '5.3.4',
    });
    expect(bounce.bounce.bouncedRecipients[0].diagnosticCode).toMatch(
      /^smtp; 552 5\.3\.4 Message size \d+ exceeds the size limit 1000 that mx\.small\.test announced/,
    );
    // Refused at once (no retries until the queue gives up), and nothing was sent.
    const [r] = await sesame.platform.store.messages.recipients(MessageId!);
    expect(r).toMatchObject({ status: 'bounced', attempts: 1 });
    expect(small.messages).toHaveLength(0);
  });

  it('a 5xx to DATA bounces every recipient of the transaction', async () => {
    const strict = await sinkFor(sesame, 'strict.test');
    strict.dataReply = '554 5.7.1 Message rejected due to content restrictions';
    const { MessageId } = await prod.v2.send(simple(['a@strict.test', 'b@strict.test']));
    const [bounce] = await eventOf(MessageId!, 'Bounce');
    expect(bounce.bounce.bounceType).toBe('Transient');
    expect(bounce.bounce.bounceSubType).toBe('ContentRejected');
    expect(bounce.bounce.bouncedRecipients).toHaveLength(2);
  });

  it('delivers to the A record when a domain has no MX, and bounces a null MX and a domain that does not exist', async () => {
    const ip = '127.0.0.250';
    const { SmtpSink } = await import('../support/smtp-sink.ts');
    const aOnly = await new SmtpSink(ip, sesame.config.deliveryPort).start();
    sesame.dns.set('a-only.test', { a: [ip] });
    sesame.dns.set('nullmx.test', { mx: [{ exchange: '', priority: 0 }] });
    const a = await prod.v2.send(simple(['x@a-only.test']));
    const n = await prod.v2.send(simple(['x@nullmx.test']));
    const d = await prod.v2.send(simple(['x@no-such-domain.test']));
    await eventOf(a.MessageId!, 'Delivery');
    expect(aOnly.received('x@a-only.test')).toHaveLength(1);
    const [nb] = await eventOf(n.MessageId!, 'Bounce');
    expect(nb.bounce).toMatchObject({ bounceType: 'Permanent', bouncedRecipients: [{ status: '5.1.10' }] });
    const [db] = await eventOf(d.MessageId!, 'Bounce');
    expect(db.bounce).toMatchObject({ bounceType: 'Permanent', bouncedRecipients: [{ status: '5.1.2' }] });
    await aOnly.stop();
  });

  it('internationalised addresses go where SMTPUTF8 is offered, and bounce clearly where it is not', async () => {
    const utf8 = await sinkFor(sesame, 'utf8.test');
    const plain = await sinkFor(sesame, 'plain.test', { hideSMTPUTF8: true });
    const ok = await prod.v2.send(simple(['δοκιμή@utf8.test']));
    const ko = await prod.v2.send(simple(['δοκιμή@plain.test']));
    await eventOf(ok.MessageId!, 'Delivery');
    expect(utf8.messages[0]?.smtpUtf8).toBe(true);
    expect(utf8.messages[0]?.rcptTo).toEqual(['δοκιμή@utf8.test']);
    const [b] = await eventOf(ko.MessageId!, 'Bounce');
    expect(b.bounce.bouncedRecipients[0]).toMatchObject({ status: '5.6.7' });
    expect(b.bounce.bouncedRecipients[0].diagnosticCode).toMatch(/does not support SMTPUTF8/);
    expect(plain.messages).toHaveLength(0);
  });

  it('an unreachable destination is deferred, then bounces (Transient) when the queue time is up', async () => {
    const quick = await startSesame({ maxQueueHours: 1.5 / 3600, retryBaseSeconds: 0.3 });
    try {
      const a = await quick.createAccount({ production: true });
      await verifiedDomain(quick, a, 'sender.test');
      quick.dns.set('down.test', { mx: [{ exchange: 'mx.down.test', priority: 10 }] });
      quick.dns.set('mx.down.test', { a: ['127.0.0.249'] }); // nothing listens there
      const { MessageId } = await a.v2.send(simple(['x@down.test']));
      const evs = async (type: string) =>
        (await quick.platform.store.messages.events(MessageId!))
          .filter((e) => e.type === type)
          .map((e) => e.payload as any);
      const bounce = await eventually(async () => (await evs('Bounce'))[0], 15_000);
      expect(bounce.bounce).toMatchObject({ bounceType: 'Transient', bounceSubType: 'General' });
      expect(bounce.bounce.bouncedRecipients[0].diagnosticCode).toMatch(
        /Unable to connect.*gave up after \d+ attempts/,
      );
      const delays = await evs('DeliveryDelay');
      expect(delays.length).toBeGreaterThan(0);
      expect(delays[0].deliveryDelay.delayType).toBe('TransientCommunicationFailure');
    } finally {
      await quick.close();
    }
  });
});

describe('outbound connections', () => {
  it('a destination’s connection is reused by the next messages, and closed once idle (SESAME_CONNECTION_IDLE_SECONDS)', async () => {
    let opened = 0;
    let closed = 0;
    const reuse = await sinkFor(sesame, 'reuse.test', {
      onConnect: (_session, cb) => {
        opened++;
        cb();
      },
      onClose: () => closed++,
    });
    for (let i = 0; i < 3; i++) {
      const { MessageId } = await prod.v2.send(simple([`r${i}@reuse.test`]));
      await eventOf(MessageId!, 'Delivery');
    }
    expect(reuse.messages).toHaveLength(3);
    expect(opened).toBe(1);
    // The default idle time is 2 s; then Sesame QUITs.
    await eventually(async () => closed === 1, 5000);
    expect(opened).toBe(1);
  });
});

describe('the pipeline refuses what SES refuses', () => {
  it('an unverified From is MessageRejected with SES’s text', async () => {
    const err = await prod.v2
      .send(simple(['x@dest.test'], { FromEmailAddress: 'Someone <someone@unverified.test>' }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(MessageRejected);
    expect(err.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: Someone <someone@unverified.test>',
    );
  });

  it('more than 50 recipients, header injection and unknown configuration sets are refused', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@dest.test`);
    const tooMany = await prod.v2.send(simple(many)).catch((e) => e);
    expect(tooMany).toBeInstanceOf(BadRequestException);
    expect(tooMany.message).toBe('Recipient count exceeds 50.');
    const injected = await prod.v2
      .send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: ['x@dest.test'] },
          Content: {
            Simple: { Subject: { Data: 'Hi\r\nBcc: victim@dest.test' }, Body: { Text: { Data: 'x' } } },
          },
        }),
      )
      .catch((e) => e);
    expect(injected).toBeInstanceOf(BadRequestException);
    expect(injected.message).toMatch(/Header injection refused: the Subject contains a line break/);
    const noSet = await prod.v2
      .send(simple(['x@dest.test'], { ConfigurationSetName: 'nope' }))
      .catch((e) => e);
    expect(noSet).toBeInstanceOf(NotFoundException);
  });

  it('a paused account gets SendingPausedException', async () => {
    const a = await sesame.createAccount({ production: true });
    await verifiedDomain(sesame, a, 'paused.test');
    await a.v2.send(new PutAccountSendingAttributesCommand({ SendingEnabled: false }));
    const err = await a.v2
      .send(simple(['x@dest.test'], { FromEmailAddress: 'p@paused.test' }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(SendingPausedException);
  });

  it('a message over the size limit is MessageRejected', async () => {
    const small = await startSesame({ maxMessageSize: 4096 });
    try {
      const a = await small.createAccount({ production: true });
      await verifiedDomain(small, a, 'sender.test');
      const err = await a.v2
        .send(
          new SendEmailCommand({
            FromEmailAddress: 'app@sender.test',
            Destination: { ToAddresses: ['x@dest.test'] },
            Content: { Simple: { Subject: { Data: 'big' }, Body: { Text: { Data: 'x'.repeat(8000) } } } },
          }),
        )
        .catch((e) => e);
      expect(err).toBeInstanceOf(MessageRejected);
      expect(err.message).toMatch(/^Message length is more than 4096 bytes long: '\d+'\.$/);
    } finally {
      await small.close();
    }
  });
});

describe('the sandbox and quotas', () => {
  let sandbox: TestAccount;
  beforeAll(async () => {
    sandbox = await sesame.createAccount();
    await verifiedDomain(sesame, sandbox, 'sandbox-sender.test');
    await verifiedDomain(sesame, sandbox, 'dest.test');
  });
  const wait = () => new Promise((r) => setTimeout(r, 1100));

  it('sends only to verified recipients and the simulator', async () => {
    await wait();
    const err = await sandbox.v2
      .send(
        simple(['ok@dest.test', 'stranger@elsewhere.test'], { FromEmailAddress: 's@sandbox-sender.test' }),
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(MessageRejected);
    expect(err.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@elsewhere.test',
    );
    await wait();
    await sandbox.v2.send(simple(['ok@dest.test'], { FromEmailAddress: 's@sandbox-sender.test' }));
    await wait();
    await sandbox.v2.send(
      simple(['success@simulator.amazonses.com'], { FromEmailAddress: 's@sandbox-sender.test' }),
    );
  });

  it('two sends within one second: the second gets 429 TooManyRequestsException', async () => {
    await wait();
    await sandbox.v2.send(simple(['ok@dest.test'], { FromEmailAddress: 's@sandbox-sender.test' }));
    const err = await sandbox.v2
      .send(simple(['ok@dest.test'], { FromEmailAddress: 's@sandbox-sender.test' }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.message).toBe('Maximum sending rate exceeded.');
  });

  it('counts recipients against the daily quota (not simulator addresses) and refuses past it', async () => {
    const a = await sesame.createAccount({ production: true });
    await sesame.platform.core.accounts.update(a.accountId, { max24HourSend: 3, maxSendRate: 100 });
    await verifiedDomain(sesame, a, 'quota.test');
    const from = { FromEmailAddress: 'q@quota.test' };
    await a.v2.send(simple(['success@simulator.amazonses.com'], from));
    expect((await a.v2.send(new GetAccountCommand({}))).SendQuota?.SentLast24Hours).toBe(0);
    await a.v2.send(simple(['q1@dest.test', 'q2@dest.test'], from));
    expect((await a.v2.send(new GetAccountCommand({}))).SendQuota?.SentLast24Hours).toBe(2);
    await a.v2.send(simple(['q3@dest.test', 'q4@dest.test'], from)); // accepted while any quota remains
    const err = await a.v2.send(simple(['q5@dest.test'], from)).catch((e) => e);
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect(err.message).toBe('Daily message quota exceeded.');
    expect((await a.v2.send(new GetAccountCommand({}))).SendQuota?.SentLast24Hours).toBe(4);
  });
});

describe('quotas under concurrency', () => {
  it('concurrent sends never take more than the daily quota, and refused ones give their units back', async () => {
    const a = await sesame.createAccount({ production: true });
    await sesame.platform.core.accounts.update(a.accountId, { max24HourSend: 40, maxSendRate: -1 });
    await verifiedDomain(sesame, a, 'concurrent.test');
    // Refused after its units were taken (the contact list is checked after the quota): they come back, or
    // one fewer of the sends below would be accepted.
    await expect(
      a.v2.send(
        simple(['late@dest.test'], {
          FromEmailAddress: 'q@concurrent.test',
          ListManagementOptions: { ContactListName: 'no-such-list' },
        }),
      ),
    ).rejects.toThrow(/no-such-list/);
    const results = await Promise.allSettled(
      Array.from({ length: 70 }, (_, i) =>
        a.v2.send(simple([`c${i}@dest.test`], { FromEmailAddress: 'q@concurrent.test' })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect(r.reason.message).toBe('Daily message quota exceeded.');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await a.v2.send(new GetAccountCommand({}))).SendQuota?.SentLast24Hours).toBe(40);
  });
});

describe('the mailbox simulator', () => {
  it('each address produces its documented events and nothing leaves the server', async () => {
    const send = (to: string) => prod.v2.send(simple([to]));
    const success = await send('success+a@simulator.amazonses.com');
    const bounce = await send('bounce@simulator.amazonses.com');
    const ooto = await send('ooto@simulator.amazonses.com');
    const complaint = await send('complaint@simulator.amazonses.com');
    const suppressed = await send('suppressionlist@simulator.amazonses.com');

    expect((await eventOf(success.MessageId!, 'Delivery'))[0].delivery.recipients).toEqual([
      'success+a@simulator.amazonses.com',
    ]);
    const [b] = await eventOf(bounce.MessageId!, 'Bounce');
    expect(b.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'bounce@simulator.amazonses.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
    });
    await eventOf(ooto.MessageId!, 'Delivery');
    const [auto] = await eventOf(ooto.MessageId!, 'Bounce');
    expect(auto.bounce).toMatchObject({ bounceType: 'Transient', bounceSubType: 'General' });
    await eventOf(complaint.MessageId!, 'Delivery');
    const [c] = await eventOf(complaint.MessageId!, 'Complaint');
    expect(c.complaint).toMatchObject({
      complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }],
      complaintFeedbackType: 'abuse',
      complaintSubType: null,
    });
    const [s] = await eventOf(suppressed.MessageId!, 'Bounce');
    expect(s.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'Suppressed' });
    // Simulated bounces never put the address on the suppression list.
    expect(
      await sesame.platform.store.suppression.get(prod.accountId, 'bounce@simulator.amazonses.com'),
    ).toBeNull();
    // Nothing was looked up or sent for the simulator's domain.
    expect(sink.messages.some((m) => m.rcptTo.some((r) => r.endsWith('@simulator.amazonses.com')))).toBe(
      false,
    );
    const recipients = await sesame.platform.store.messages.recipients(success.MessageId!);
    expect(recipients[0]).toMatchObject({ status: 'delivered', lastResponse: '250 2.6.0 Message received' });
  });
});

describe('routing options', () => {
  it('a verified custom MAIL FROM domain carries the return path', async () => {
    const { PutEmailIdentityMailFromAttributesCommand, GetEmailIdentityCommand } =
      await import('@aws-sdk/client-sesv2');
    const a = await sesame.createAccount({ production: true });
    await verifiedDomain(sesame, a, 'mailfrom.test');
    await a.v2.send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: 'mailfrom.test',
        MailFromDomain: 'bounce.mailfrom.test',
      }),
    );
    sesame.dns.set('bounce.mailfrom.test', { mx: [{ exchange: 'mx.sesame.test', priority: 10 }] });
    await eventually(
      async () =>
        (await a.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'mailfrom.test' }))).MailFromAttributes
          ?.MailFromDomainStatus === 'SUCCESS',
    );
    await a.v2.send(simple(['mf@dest.test'], { FromEmailAddress: 'x@mailfrom.test' }));
    await eventually(async () => sink.received('mf@dest.test').length > 0);
    expect(sink.received('mf@dest.test')[0]!.mailFrom).toMatch(
      /^b-[a-z2-7]+-0-[a-z2-7]{8}@bounce\.mailfrom\.test$/,
    );
  });

  it('an unverified MAIL FROM domain set to REJECT_MESSAGE refuses the send', async () => {
    const { PutEmailIdentityMailFromAttributesCommand, MailFromDomainNotVerifiedException } =
      await import('@aws-sdk/client-sesv2');
    const a = await sesame.createAccount({ production: true });
    await verifiedDomain(sesame, a, 'strictfrom.test');
    await a.v2.send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: 'strictfrom.test',
        MailFromDomain: 'm.strictfrom.test',
        BehaviorOnMxFailure: 'REJECT_MESSAGE',
      }),
    );
    const err = await a.v2
      .send(simple(['x@dest.test'], { FromEmailAddress: 'x@strictfrom.test' }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(MailFromDomainNotVerifiedException);
  });

  it('a smart host relays everything, with STARTTLS and AUTH', async () => {
    const { SmtpSink } = await import('../support/smtp-sink.ts');
    const { freePort } = await import('../support/sesame.ts');
    const port = await freePort();
    const logins: string[] = [];
    const relay = await new SmtpSink('127.0.0.1', port, {
      authOptional: false,
      onAuth: (auth, _session, cb) => {
        logins.push(`${auth.username}:${auth.password}`);
        return auth.username === 'relay-user' && auth.password === 'relay-pass'
          ? cb(null, { user: auth.username })
          : cb(new Error('Invalid credentials'));
      },
    }).start();
    const relayed = await startSesame({
      smartHost: `127.0.0.1:${port}`,
      smartHostUser: 'relay-user',
      smartHostPassword: 'relay-pass',
    });
    try {
      const a = await relayed.createAccount({ production: true });
      await verifiedDomain(relayed, a, 'sender.test');
      await a.v2.send(simple(['anyone@anywhere.test']));
      await relay.waitFor(1);
      expect(relay.messages[0]).toMatchObject({ rcptTo: ['anyone@anywhere.test'], secure: true });
      expect(logins).toEqual(['relay-user:relay-pass']);
      expect(relayed.logs()).not.toContain('relay-pass');
    } finally {
      await relayed.close();
      await relay.stop();
    }
  });
});
