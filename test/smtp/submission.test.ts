import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { dkimVerifiesWithPython, sinkFor, verifiedDomain } from '../support/mail.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let prod: TestAccount;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  prod = await sesame.createAccount({ production: true });
  // No send-rate limit here: the 50-recipient message would otherwise hold back the sends after it.
  await sesame.platform.core.accounts.update(prod.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, prod, 'sender.test');
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(() => sesame.close());

function transport(
  user: { smtpUsername: string; smtpPassword: string },
  options: Record<string, unknown> = {},
) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: sesame.smtp.starttls,
    secure: false,
    requireTLS: true,
    auth: { user: user.smtpUsername, pass: user.smtpPassword },
    tls: { rejectUnauthorized: false },
    ...options,
  });
}

const mail = (extra: Record<string, unknown> = {}) => ({
  from: 'App <app@sender.test>',
  to: 'someone@dest.test',
  subject: 'Over SMTP',
  text: 'Sent through Sesame over SMTP',
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<{ responseCode?: number; response?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { responseCode?: number; response?: string };
  }
  throw new Error('the server accepted it');
}

describe('SMTP submission', () => {
  it('STARTTLS with AUTH LOGIN: 250 Ok <MessageId>, delivered signed', async () => {
    const info = await transport(prod, { authMethod: 'LOGIN' }).sendMail(mail({ to: 'starttls@dest.test' }));
    expect(info.response).toMatch(/^250 Ok [0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    const messageId = info.response.slice('250 Ok '.length);
    await eventually(async () => sink.received('starttls@dest.test').length > 0);
    const got = sink.received('starttls@dest.test')[0]!;
    expect(got.raw.toString()).toContain(`<${messageId}@mx.sesame.test>`);
    const dkim = await dkimVerifiesWithPython(sesame, got.raw);
    expect(dkim.ok, dkim.output).toBe(true);
    const events = await sesame.platform.store.messages.events(messageId);
    expect((events[0]?.payload as any).mail.tags['ses:operation']).toEqual(['SendSmtpEmail']);
  });

  it('implicit TLS with AUTH PLAIN works the same way', async () => {
    const info = await transport(prod, { port: sesame.smtp.tls, secure: true, authMethod: 'PLAIN' }).sendMail(
      mail({ to: 'tls@dest.test' }),
    );
    expect(info.response).toMatch(/^250 Ok /);
    await eventually(async () => sink.received('tls@dest.test').length > 0);
  });

  it('wrong credentials: 535 Authentication Credentials Invalid', async () => {
    const err = await rejection(
      transport({
        smtpUsername: prod.smtpUsername,
        smtpPassword: 'BNotTheRightPasswordAtAllNotTheRightPasswor',
      }).sendMail(mail()),
    );
    expect(err.responseCode).toBe(535);
    expect(err.response).toBe('535 Authentication Credentials Invalid');
  });

  it('AUTH before STARTTLS: 530', async () => {
    const conn = new SMTPConnection({ host: '127.0.0.1', port: sesame.smtp.starttls, ignoreTLS: true });
    await new Promise<void>((resolve, reject) => conn.connect((e) => (e ? reject(e) : resolve())));
    const err = await new Promise<{ response?: string }>((resolve) =>
      conn.login({ user: prod.smtpUsername, pass: prod.smtpPassword }, (e) => resolve(e as never)),
    );
    expect(err.response).toBe('530 Must issue a STARTTLS command first');
    conn.close();
  });

  it('mail without AUTH is refused (530 Authentication required)', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      tls: { rejectUnauthorized: false },
    });
    const err = await rejection(t.sendMail(mail()));
    expect(err.response).toBe('530 Authentication required');
  });

  it('an unverified sender: 554 Message rejected: Email address is not verified…', async () => {
    const err = await rejection(transport(prod).sendMail(mail({ from: 'x@not-mine.test' })));
    expect(err.response).toBe(
      '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: x@not-mine.test',
    );
  });

  it('MAIL FROM must be an identity the account may use too', async () => {
    const err = await rejection(
      transport(prod).sendMail(mail({ envelope: { from: 'bounces@not-mine.test', to: ['x@dest.test'] } })),
    );
    expect(err.response).toMatch(
      /^554 Message rejected: Email address is not verified\. .*bounces@not-mine\.test$/,
    );
  });

  it('the sandbox and the send rate apply as for the API', async () => {
    const sandbox = await sesame.createAccount();
    await verifiedDomain(sesame, sandbox, 'sandbox-smtp.test');
    const t = transport(sandbox);
    const stranger = await rejection(
      t.sendMail(mail({ from: 's@sandbox-smtp.test', to: 'stranger@dest.test' })),
    );
    expect(stranger.response).toBe(
      '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@dest.test',
    );
    await new Promise((r) => setTimeout(r, 1100));
    await t.sendMail(mail({ from: 's@sandbox-smtp.test', to: 'success@simulator.amazonses.com' }));
    const throttled = await rejection(
      t.sendMail(mail({ from: 's@sandbox-smtp.test', to: 'success@simulator.amazonses.com' })),
    );
    expect(throttled.response).toBe('454 Throttling failure: Maximum sending rate exceeded');
  });

  it('at most 50 recipients per message: the 51st RCPT is refused, the rest delivered', async () => {
    const to = Array.from({ length: 51 }, (_, i) => `many${i}@dest.test`);
    const info = await transport(prod).sendMail(mail({ to }));
    expect(info.accepted).toHaveLength(50);
    expect(info.rejected).toEqual(['many50@dest.test']);
    await eventually(async () => sink.received('many0@dest.test').length > 0);
    expect(sink.received('many0@dest.test')[0]!.rcptTo).toHaveLength(50);
  });

  it('X-SES-CONFIGURATION-SET and X-SES-MESSAGE-TAGS are honoured and stripped', async () => {
    const info = await transport(prod).sendMail(
      mail({ to: 'tags@dest.test', headers: { 'X-SES-MESSAGE-TAGS': 'campaign=smtp, team=core' } }),
    );
    const messageId = info.response.slice('250 Ok '.length);
    await eventually(async () => sink.received('tags@dest.test').length > 0);
    expect(sink.received('tags@dest.test')[0]!.raw.toString()).not.toMatch(/^x-ses-/im);
    const send = (await sesame.platform.store.messages.events(messageId)).find((e) => e.type === 'Send')!
      .payload as any;
    expect(send.mail.tags).toMatchObject({ campaign: ['smtp'], team: ['core'] });
    const unknownSet = await rejection(
      transport(prod).sendMail(mail({ headers: { 'X-SES-CONFIGURATION-SET': 'nope' } })),
    );
    expect(unknownSet.response).toBe('554 Transaction failed: Configuration set <nope> does not exist.');
  });
});

describe('SMTP limits', () => {
  it('a message over the size limit: 552 Message is too long.', async () => {
    const small = await startSesame({ maxMessageSize: 8192 });
    try {
      const a = await small.createAccount({ production: true });
      await verifiedDomain(small, a, 'sender.test');
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: small.smtp.starttls,
        requireTLS: true,
        auth: { user: a.smtpUsername, pass: a.smtpPassword },
        tls: { rejectUnauthorized: false },
      });
      const err = await rejection(t.sendMail(mail({ text: 'y'.repeat(20_000) })));
      expect(err.response).toBe('552 Message is too long.');
    } finally {
      await small.close();
    }
  });

  it('more concurrent connections than allowed: 421 Too many concurrent SMTP connections, try again later', async () => {
    const capped = await startSesame({ smtpMaxConnections: 2 });
    try {
      const open = async () => {
        const c = new SMTPConnection({ host: '127.0.0.1', port: capped.smtp.starttls, ignoreTLS: true });
        const err = await new Promise<Error | undefined>((resolve) => {
          c.once('error', resolve);
          c.connect((e) => resolve(e));
        });
        return { c, err };
      };
      const a = await open();
      const b = await open();
      const c = await open();
      expect(a.err).toBeUndefined();
      expect(b.err).toBeUndefined();
      a.c.close();
      b.c.close();
      expect((c.err as { response?: string }).response).toBe(
        '421 mx.sesame.test Too many concurrent SMTP connections, try again later',
      );
    } finally {
      await capped.close();
    }
  });

  it('the submission listener greets at once: a client that speaks first is not refused as an early talker', async () => {
    const { connect } = await import('node:net');
    const socket = connect(sesame.smtp.starttls, '127.0.0.1');
    // EHLO goes out with the connection, before any greeting (smtp-server's MX-style early-talker check would
    // answer "421 You talk too soon" while it holds its greeting back).
    socket.write('EHLO early.test\r\n');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await eventually(async () => /^250 /m.test(text));
    socket.end('QUIT\r\n');
    expect(text).toMatch(/^220 /);
    expect(text).not.toMatch(/too soon/);
    expect(text).toMatch(/^250-/m);
  });

  it('a failure to commit answers 451 so the client retries; AUTH without the database answers 454', async () => {
    const broken = await startSesame();
    const a = await broken.createAccount({ production: true });
    await verifiedDomain(broken, a, 'sender.test');
    const notYetChecked = await broken.createAccount({ production: true });
    const connect = async () => {
      const c = new SMTPConnection({
        host: '127.0.0.1',
        port: broken.smtp.starttls,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
      });
      await new Promise<void>((resolve, reject) => {
        c.once('error', reject);
        c.connect(() => resolve());
      });
      return c;
    };
    const login = (c: SMTPConnection, user: TestAccount) =>
      new Promise<void>((resolve, reject) =>
        c.login({ user: user.smtpUsername, pass: user.smtpPassword }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    // Authenticated while the database is there, so the failure below is the commit's.
    const authenticated = await connect();
    await login(authenticated, a);
    await broken.platform.store.close(); // the database goes away
    const raw = 'From: app@sender.test\r\nTo: someone@dest.test\r\nSubject: lost?\r\n\r\nbody\r\n';
    const sendErr = await rejection(
      new Promise((resolve, reject) =>
        authenticated.send({ from: 'app@sender.test', to: ['someone@dest.test'] }, raw, (err, info) =>
          err ? reject(err) : resolve(info),
        ),
      ),
    );
    expect(sendErr.response).toBe('451 Temporary service failure');
    authenticated.close();
    // A credential check that cannot reach the database is a temporary failure (RFC 4954 454 4.7.0), not a
    // refused password: a 535 would tell the client its credentials are wrong.
    const fresh = await connect();
    const authErr = await rejection(login(fresh, notYetChecked));
    expect(authErr.response).toBe('454 Temporary authentication failure');
    fresh.close();
    await broken.platform.http.close();
    await broken.dns.stop();
  });
});

describe('trusted networks', () => {
  it('submit without AUTH on the trusted listener, as its account; identities are still checked', async () => {
    let accountId = '';
    const trusted = await startSesame(
      { smtpTrustedPort: 0, smtpTrustedNetworks: ['127.0.0.0/8'] },
      async (platform) => {
        const { account } = await platform.core.accounts.create({ name: 'relay', production: true });
        accountId = account.id;
        platform.config.smtpTrustedAccount = account.id;
      },
    );
    try {
      const acct = {
        accountId,
        v2: trusted.v2Client(await trusted.platform.core.accounts.createAccessKey(accountId)),
      } as unknown as TestAccount;
      await verifiedDomain(trusted, acct, 'relay.test');
      const relaySink = await sinkFor(trusted, 'far.test');
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: trusted.smtp.trusted,
        secure: false,
        ignoreTLS: true,
      });
      const info = await t.sendMail({
        from: 'app@relay.test',
        to: 'x@far.test',
        subject: 'relayed',
        text: 'no auth needed here',
      });
      expect(info.response).toMatch(/^250 Ok /);
      await eventually(async () => relaySink.received('x@far.test').length > 0);
      const refused = await rejection(
        t.sendMail({ from: 'app@not-verified.test', to: 'x@far.test', subject: 's', text: 't' }),
      );
      expect(refused.response).toMatch(/^554 Message rejected: Email address is not verified/);
    } finally {
      await trusted.close();
    }
  });

  it('start-up refuses a trusted listener without an existing account', async () => {
    const err = await startSesame({ smtpTrustedPort: 0, smtpTrustedAccount: '999999999999' }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Account 999999999999 does not exist/);
  });

  it('refuses connections from outside the trusted networks', async () => {
    let accountId = '';
    const trusted = await startSesame(
      { smtpTrustedPort: 0, smtpTrustedNetworks: ['10.0.0.0/8'] },
      async (platform) => {
        accountId = (await platform.core.accounts.create({ name: 'relay', production: true })).account.id;
        platform.config.smtpTrustedAccount = accountId;
      },
    );
    try {
      const c = new SMTPConnection({ host: '127.0.0.1', port: trusted.smtp.trusted, ignoreTLS: true });
      const err = await new Promise<{ response?: string } | undefined>((resolve) => {
        c.once('error', resolve);
        c.connect((e) => resolve(e as never));
      });
      expect(err?.response).toBe('554 Access denied: 127.0.0.1 is not in the trusted networks');
    } finally {
      await trusted.close();
    }
  });
});
