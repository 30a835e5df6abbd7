/**
 * What keeps one client from holding the SMTP listeners: connection caps that count only admitted sessions, a
 * cap per client address, a deadline for the TLS handshake, NOOP that does not keep a session alive, a key
 * revoked mid-session, an AUTH throttle that parallel attempts cannot outrun, and credentials never logged.
 */
import { connect, type Socket } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { recordFault } from './results.ts';

let sesame: TestSesame;
let acct: TestAccount;

const CAP = 5;
const PER_ADDRESS = 3;
const MX_CAP = 4;
const IDLE_S = 2;

beforeAll(async () => {
  sesame = await startSesame({
    smtpMaxConnections: CAP,
    smtpMaxConnectionsPerAddress: PER_ADDRESS,
    mxMaxConnections: MX_CAP,
    smtpIdleTimeoutSeconds: IDLE_S,
    smtpHandshakeTimeoutSeconds: 0.5,
  });
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'sender.test');
  await sinkFor(sesame, 'dest.test');
});
afterAll(async () => sesame?.close());

interface Line {
  socket: Socket;
  /** Resolves with the next reply line from the server ('' once the connection is closed). */
  next(): Promise<string>;
  closed: Promise<void>;
}

/** A raw TCP connection from a loopback address, reading reply lines. */
function open(port: number, localAddress = '127.0.0.1'): Promise<Line> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const lines: string[] = [];
    const waiting: ((l: string) => void)[] = [];
    let buf = '';
    let ended = false;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const w = waiting.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    socket.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) w('');
    });
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        next: () =>
          lines.length
            ? Promise.resolve(lines.shift()!)
            : ended
              ? Promise.resolve('')
              : new Promise((r) => waiting.push(r)),
      }),
    );
    socket.once('error', reject);
  });
}

async function session(): Promise<SMTPConnection> {
  const c = new SMTPConnection({
    host: '127.0.0.1',
    port: sesame.smtp.starttls,
    tls: { rejectUnauthorized: false },
  });
  await new Promise<void>((resolve, reject) => {
    c.once('error', reject);
    c.connect(() => resolve());
  });
  await new Promise<void>((resolve, reject) =>
    c.login({ user: acct.smtpUsername, pass: acct.smtpPassword }, (e) => (e ? reject(e) : resolve())),
  );
  return c;
}

const sendOn = (c: SMTPConnection, to: string) =>
  new Promise<{ response?: string | undefined }>((resolve) =>
    c.send(
      { from: 'app@sender.test', to: [to] },
      `From: app@sender.test\r\nTo: ${to}\r\nSubject: x\r\n\r\nx\r\n`,
      (err, info) => resolve(err ?? info),
    ),
  );

const figures: [tried: string, held: string][] = [];

describe('SMTP connection caps', () => {
  it('count only admitted sessions: refused connections never free a place', async () => {
    const port = sesame.smtp.starttls;
    const admitted: Line[] = [];
    for (const ip of ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.21', '127.0.0.22']) {
      const l = await open(port, ip);
      expect(await l.next()).toMatch(/^220 /);
      admitted.push(l);
    }
    // 40 refused connections come and go; before the fix each one freed a place on closing.
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const l = await open(port, `127.0.0.${30 + (i % 10)}`);
      const greeting = await l.next();
      expect(greeting).toBe('421 mx.sesame.test Too many concurrent SMTP connections, try again later');
      await l.closed;
      refused++;
    }
    // Still full…
    const late = await open(port, '127.0.0.23');
    expect(await late.next()).toMatch(/^421 /);
    // …until an admitted session ends.
    admitted.pop()!.socket.end('QUIT\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const next = await open(port, '127.0.0.23');
    expect(await next.next()).toMatch(/^220 /);
    next.socket.destroy();
    for (const l of admitted) l.socket.destroy();
    figures.push([
      `${refused} connections past a cap of ${CAP}`,
      'each refused 421; the cap held (refusals freed no place)',
    ]);
  });

  it(`no more than ${PER_ADDRESS} sessions from one address (IPv4 address; IPv6 by /64)`, async () => {
    const port = sesame.smtp.tls;
    const held: Line[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) held.push(await open(port, '127.0.0.50'));
    // Implicit TLS: the greeting comes after the handshake, so check with real TLS clients.
    const tlsGreeting = async (ip: string) => {
      const c = new SMTPConnection({
        host: '127.0.0.1',
        port,
        secure: true,
        localAddress: ip,
        tls: { rejectUnauthorized: false },
      });
      const err = await new Promise<{ response?: string } | undefined>((resolve) => {
        c.once('error', (e) => resolve(e as { response?: string }));
        c.connect(() => resolve(undefined));
      });
      return { c, err };
    };
    for (const l of held) l.socket.destroy();
    const tls: SMTPConnection[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) {
      const { c, err } = await tlsGreeting('127.0.0.51');
      expect(err).toBeUndefined();
      tls.push(c);
    }
    const over = await tlsGreeting('127.0.0.51');
    expect(over.err?.response).toBe(
      '421 mx.sesame.test Too many concurrent SMTP connections from your address, try again later',
    );
    const elsewhere = await tlsGreeting('127.0.0.52');
    expect(elsewhere.err).toBeUndefined();
    elsewhere.c.close();
    for (const c of tls) c.close();
    figures.push([
      `${PER_ADDRESS + 1} implicit-TLS sessions from one address (limit ${PER_ADDRESS})`,
      'the last refused 421, another address admitted',
    ]);
  });

  it(`the MX has a cap too (${MX_CAP})`, async () => {
    const held: Line[] = [];
    for (let i = 0; i < MX_CAP; i++) {
      const l = await open(sesame.smtp.mx, `127.0.0.${60 + i}`);
      expect(await l.next()).toMatch(/^220 /);
      held.push(l);
    }
    const over = await open(sesame.smtp.mx, '127.0.0.70');
    expect(await over.next()).toMatch(/^421 .*Too many concurrent SMTP connections/);
    for (const l of held) l.socket.destroy();
    await Promise.all(held.map((l) => l.closed));
    await new Promise((r) => setTimeout(r, 100));
    figures.push([`${MX_CAP + 1} MX sessions (cap ${MX_CAP})`, 'the last refused 421']);
  });

  it('a client that never starts the TLS handshake is disconnected after the handshake timeout', async () => {
    const started = Date.now();
    const l = await open(sesame.smtp.tls, '127.0.0.80');
    await l.closed;
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(IDLE_S);
    figures.push([
      'a TLS client that never starts its handshake',
      `closed after ${seconds.toFixed(1)} s (timeout 0.5 s)`,
    ]);
  });

  it('NOOP does not keep a session alive: closed with 421 once idle that long without a transaction', async () => {
    const l = await open(sesame.smtp.mx, '127.0.0.81');
    expect(await l.next()).toMatch(/^220 /);
    l.socket.write('EHLO noop.test\r\n');
    while (!(await l.next()).startsWith('250 ')); // the EHLO reply's last line
    const started = Date.now();
    let last = '';
    while (!l.socket.destroyed && Date.now() - started < 4 * IDLE_S * 1000) {
      l.socket.write('NOOP\r\n');
      last = await l.next();
      if (!last.startsWith('250')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(last).toMatch(/^421 .*Too many commands without a mail transaction/);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(2 * IDLE_S);
    // And a burst of them is cut at the junk-command limit.
    const burst = await open(sesame.smtp.mx, '127.0.0.82');
    expect(await burst.next()).toMatch(/^220 /);
    burst.socket.write('EHLO noop.test\r\n' + 'NOOP\r\n'.repeat(150));
    const replies: string[] = [];
    for (let r = await burst.next(); r; r = await burst.next()) replies.push(r);
    expect(replies.filter((r) => /^250 (2\.0\.0 )?OK$/.test(r)).length).toBe(100);
    expect(replies.at(-1)).toMatch(/^421 /);
    figures.push([
      'NOOP every 250 ms; a burst of 150 NOOPs',
      `closed after ${seconds.toFixed(1)} s (idle ${IDLE_S} s); the burst cut after 100`,
    ]);
  });
});

describe('SMTP authentication', () => {
  // Default connection limits here: the per-address cap above would itself stop parallel attempts at 3.
  let roomy: TestSesame;
  beforeAll(async () => {
    roomy = await startSesame();
  });
  afterAll(async () => roomy?.close());

  it('a key revoked while a session is open: the next transaction on it is refused with 535', async () => {
    const c = await session();
    expect((await sendOn(c, 'one@dest.test')).response).toMatch(/^250 /);
    const keys = await sesame.platform.core.accounts.listAccessKeys(acct.accountId);
    const extra = await sesame.platform.core.accounts.createAccessKey(acct.accountId);
    await sesame.platform.core.accounts.revokeAccessKey(acct.accessKeyId);
    try {
      expect((await sendOn(c, 'two@dest.test')).response).toBe('535 Authentication Credentials Invalid');
    } finally {
      c.close();
      // The rest of the suite goes on with a fresh key.
      acct.smtpUsername = extra.smtpUsername;
      acct.smtpPassword = extra.smtpPassword;
    }
    expect(keys.length).toBeGreaterThan(0);
    figures.push(['a key revoked while its session is open', 'next MAIL FROM 535']);
  });

  it('parallel wrong passwords from one address are counted as they begin: at most 10 are checked', async () => {
    const { credentials: key } = await roomy.platform.core.accounts.create({
      name: 'throttled',
      production: true,
    });
    const attempt = (ip: string, pass: string) =>
      new Promise<string>((resolve) => {
        const c = new SMTPConnection({
          host: '127.0.0.1',
          port: roomy.smtp.starttls,
          localAddress: ip,
          tls: { rejectUnauthorized: false },
        });
        c.once('error', (e: Error & { response?: string }) => resolve(e.response ?? e.message));
        c.connect(() =>
          c.login({ user: key.smtpUsername, pass }, (e) => {
            c.close();
            resolve(e ? ((e as { response?: string }).response ?? String(e)) : '235 ok');
          }),
        );
      });
    const results = await Promise.all(Array.from({ length: 30 }, () => attempt('127.0.0.90', 'wrong')));
    const checked = results.filter((r) => r.startsWith('535')).length;
    const throttled = results.filter((r) => r.startsWith('454')).length;
    expect(checked).toBeLessThanOrEqual(10);
    expect(checked + throttled).toBe(30);
    // The address is blocked now, even for the right password; another address is not.
    expect(await attempt('127.0.0.90', key.smtpPassword)).toMatch(/^454 /);
    expect(await attempt('127.0.0.91', key.smtpPassword)).toBe('235 ok');
    figures.push([
      '30 parallel wrong AUTH from one address',
      `${checked} checked (535), ${throttled} refused (454), then blocked`,
    ]);
  }, 30_000);

  it('a submitted credential is never logged, even when username and password are swapped', async () => {
    const c = new SMTPConnection({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      localAddress: '127.0.0.95',
      tls: { rejectUnauthorized: false },
    });
    await new Promise<void>((resolve) => c.connect(() => resolve()));
    const err = await new Promise<{ response?: string } | undefined>((resolve) =>
      c.login({ user: acct.smtpPassword, pass: acct.smtpUsername }, (e) =>
        resolve(e as { response?: string }),
      ),
    );
    c.close();
    expect(err?.response).toBe('535 Authentication Credentials Invalid');
    expect(sesame.logs()).toContain('SMTP authentication failed');
    expect(sesame.logs()).not.toContain(acct.smtpPassword);
    recordFault({
      promise: 'no open door: connection caps, AUTH throttle, credentials never logged',
      fault:
        'SMTP connection floods, silent TLS clients, NOOP keep-alive, revoked keys, parallel AUTH guessing',
      tried: [...figures.map(([t]) => t), 'username and password swapped'].join('; '),
      held: [...figures.map(([, h]) => h), '535, and the password is not in the log'].join('; '),
    });
  });
});
