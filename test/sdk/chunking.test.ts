/**
 * CHUNKING (RFC 3030) towards a real receiver: Postfix's smtpd as the MX of dest.test offers PIPELINING and
 * CHUNKING, so Sesame sends each message as one BDAT chunk pipelined with its envelope. Postfix's own
 * connection log counts the commands it got (`bdat=`/`data=`); it relays what it accepts to a sink, where the
 * bytes are compared with what was sent and the DKIM signature is verified. Refusals at RCPT and of the
 * chunk itself reach the right recipients; SESAME_DELIVERY_CHUNKING=false sends by DATA.
 */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimVerifiesWithMailauth, verifiedDomain } from '../support/mail.ts';
import { PostfixInstance, postfixMissing } from '../support/postfix.ts';
import { eventually, freePort, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

const POSTFIX_ADDRESS = '127.0.0.71';
const SINK_ADDRESS = '127.0.0.72';

let postfix: PostfixInstance;
let sink: SmtpSink;
let port: number;

async function sesameDeliveringToPostfix(
  overrides: Record<string, unknown> = {},
): Promise<{ sesame: TestSesame; acct: TestAccount }> {
  const sesame = await startSesame({ deliveryPort: port, ...overrides });
  const acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'sender.test');
  sesame.dns.set('dest.test', { mx: [{ exchange: 'mx.dest.test', priority: 10 }] });
  sesame.dns.set('mx.dest.test', { a: [POSTFIX_ADDRESS] });
  return { sesame, acct };
}

/** A raw message whose body has what DATA would have to escape: lines starting with dots, 8-bit text. */
function rawMessage(subject: string, to: string[], kib = 0): { raw: string; body: string } {
  const filler = Array.from(
    { length: kib * 16 },
    (_, i) => `${i % 7 === 0 ? '.' : ''}line ${i} ${'x'.repeat(50)}`,
  );
  const body = ['.one dot', '..two dots', '.', 'grüße, 😀', ...filler, 'end', ''].join('\r\n');
  const raw = [
    'From: app@sender.test',
    `To: ${to.join(', ')}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
  ].join('\r\n');
  return { raw, body };
}

function send(acct: TestAccount, subject: string, to: string[], kib = 0) {
  const { raw, body } = rawMessage(subject, to, kib);
  return acct.v2
    .send(
      new SendEmailCommand({
        Destination: { ToAddresses: to },
        Content: { Raw: { Data: Buffer.from(raw) } },
      }),
    )
    .then((r) => ({ id: r.MessageId!, body }));
}

async function eventOf(sesame: TestSesame, messageId: string, type: string): Promise<any> {
  return eventually(async () => {
    const evs = (await sesame.platform.store.messages.events(messageId)).filter((e) => e.type === type);
    return evs[0]?.payload as any;
  }, 20_000);
}

/** Postfix's connection summaries for Sesame's connections ("disconnect from … ehlo=1 mail=2 …"). */
const summaries = () => postfix.log().match(/disconnect from [^\n]*/g) ?? [];

describe.skipIf(postfixMissing() !== undefined)('delivery by BDAT to Postfix', () => {
  beforeAll(async () => {
    port = await freePort();
    sink = await new SmtpSink(SINK_ADDRESS, await freePort()).start();
    postfix = new PostfixInstance(port, `[${SINK_ADDRESS}]:${sink.port}`, {
      address: POSTFIX_ADDRESS,
      main: [
        'smtpd_recipient_restrictions = check_recipient_access inline:{' +
          ' { gone@dest.test = 550 5.1.1 User unknown }, { nobody@dest.test = 550 5.1.1 User unknown },' +
          ' { busy@dest.test = 450 4.2.1 Mailbox busy } }',
        'header_checks = regexp:$conf/header_checks',
        'message_size_limit = 20000000',
      ],
      files: { header_checks: '/^Subject: refuse me/ REJECT 5.7.1 Message content refused by policy\n' },
    });
    postfix.start();
  }, 30_000);
  afterAll(async () => {
    postfix?.stop();
    await sink?.stop();
  });

  it('sends the bytes as they are, signed, in one BDAT chunk per message over one connection', async () => {
    const { sesame, acct } = await sesameDeliveringToPostfix();
    try {
      const sent: { id: string; body: string }[] = [];
      // One after the other, so that each reuses the connection the one before left open.
      for (let i = 0; i < 3; i++) {
        sent.push(await send(acct, `chunk ${i}`, [`r${i}@dest.test`], i * 100));
        await eventOf(sesame, sent[i]!.id, 'Delivery');
      }
      const got = await eventually(async () => {
        const m = sent.map((_, i) => sink.received(`r${i}@dest.test`)[0]);
        return m.every(Boolean) && m;
      }, 20_000);
      for (const [i, m] of got.entries()) {
        const raw = m!.raw.toString('utf8');
        // The body arrives byte for byte (a 200 KiB one too): dots, 8-bit text, line ends.
        expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe(sent[i]!.body);
        expect(await dkimVerifiesWithMailauth(sesame, m!.raw)).toContainEqual({
          status: 'pass',
          domain: 'sender.test',
        });
      }
      // Postfix counted BDAT commands, no DATA, all three on one connection from Sesame.
      const ours = await eventually(async () => summaries().find((l) => /mail=3/.test(l)), 10_000);
      expect(ours).toMatch(/ehlo=1 mail=3 rcpt=3 bdat=3/);
      expect(ours).not.toMatch(/data=/);
    } finally {
      await sesame.close();
    }
  }, 60_000);

  it('recipients refused at RCPT keep their own replies; a refused chunk bounces the others', async () => {
    const { sesame, acct } = await sesameDeliveringToPostfix();
    try {
      const mixed = await send(acct, 'mixed', ['ok@dest.test', 'gone@dest.test', 'busy@dest.test']);
      const delivery = await eventOf(sesame, mixed.id, 'Delivery');
      expect(delivery.delivery.recipients).toEqual(['ok@dest.test']);
      // Postfix's reply to a BDAT LAST counts the bytes the chunks carried.
      expect(delivery.delivery.smtpResponse).toMatch(/^250 2\.0\.0 Ok: \d+ bytes queued as /);
      const bounce = await eventOf(sesame, mixed.id, 'Bounce');
      expect(bounce.bounce).toMatchObject({
        bounceType: 'Permanent',
        bouncedRecipients: [
          {
            emailAddress: 'gone@dest.test',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 <gone@dest.test>: Recipient address rejected: User unknown',
          },
        ],
      });
      const delay = await eventOf(sesame, mixed.id, 'DeliveryDelay');
      expect(delay.deliveryDelay.delayedRecipients).toMatchObject([
        { emailAddress: 'busy@dest.test', status: '4.2.1' },
      ]);

      // Refused at the end of the chunk (Postfix's header_checks): both accepted recipients bounce with
      // that reply, the one refused at RCPT with its own (another address: gone@ is suppressed now).
      const refused = await send(acct, 'refuse me', ['a@dest.test', 'b@dest.test', 'nobody@dest.test']);
      const bounced = await eventually(async () => {
        const all = (await sesame.platform.store.messages.events(refused.id))
          .filter((e) => e.type === 'Bounce')
          .flatMap((e) => {
            const { bounceType, bounceSubType, bouncedRecipients } = (e.payload as any).bounce;
            return bouncedRecipients.map((r: any) => ({ ...r, bounceType, bounceSubType }));
          });
        return all.length === 3 && all;
      }, 20_000);
      const byAddress = Object.fromEntries(bounced.map((r: any) => [r.emailAddress, r.diagnosticCode]));
      // A content refusal, as SES names it; the unknown mailbox a hard bounce.
      expect(bounced.find((r: any) => r.emailAddress === 'a@dest.test')).toMatchObject({
        bounceType: 'Transient',
        bounceSubType: 'ContentRejected',
      });
      expect(bounced.find((r: any) => r.emailAddress === 'nobody@dest.test')).toMatchObject({
        bounceType: 'Permanent',
        bounceSubType: 'General',
      });
      expect(byAddress['a@dest.test']).toMatch(/^smtp; 550 5\.7\.1 .*Message content refused by policy/);
      expect(byAddress['b@dest.test']).toBe(byAddress['a@dest.test']);
      expect(byAddress['nobody@dest.test']).toMatch(/^smtp; 550 5\.1\.1 /);
      expect(sink.received('a@dest.test')).toEqual([]);

      // The connection stayed in step through the refusals: a message after them is delivered.
      const after = await send(acct, 'after', ['after@dest.test']);
      await eventOf(sesame, after.id, 'Delivery');
      await eventually(async () => sink.received('after@dest.test').length === 1, 20_000);
    } finally {
      await sesame.close();
    }
  }, 60_000);

  it('SESAME_DELIVERY_CHUNKING=false sends by DATA', async () => {
    const { sesame, acct } = await sesameDeliveringToPostfix({ deliveryChunking: false });
    try {
      const before = summaries().length;
      const sent = await send(acct, 'by data', ['bydata@dest.test']);
      await eventOf(sesame, sent.id, 'Delivery');
      const m = await eventually(async () => sink.received('bydata@dest.test')[0], 20_000);
      const raw = m.raw.toString('utf8');
      expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe(sent.body);
      await sesame.close();
      const line = await eventually(
        async () =>
          summaries()
            .slice(before)
            .find((l) => /data=1/.test(l)),
        10_000,
      );
      expect(line).not.toMatch(/bdat=/);
    } catch (err) {
      await sesame.close().catch(() => undefined);
      throw err;
    }
  }, 60_000);
});
