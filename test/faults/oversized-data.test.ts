/**
 * A message far over the size limit, sent to each SMTP listener of a Sesame process: the MX (to a real return
 * path, which every recipient of Sesame mail learns), STARTTLS submission and implicit-TLS submission. Each
 * must answer 552 and hold no more than one message's worth: the process's peak RSS may grow by less than twice
 * the size limit, however much is sent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { startNodeFixture, type NodeFixture } from '../support/node-fixture.ts';
import { recordFault } from './results.ts';

const MB = 1024 * 1024;
const LIMIT = 40 * MB; // SESAME_MAX_MESSAGE_SIZE's default, SES's own limit
const SENT = 300 * MB;

/** `bytes` of message: headers, then 1,000-byte lines, produced as they are read (the test holds none of it). */
function hugeMessage(bytes: number): Readable {
  const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line));
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) this.push('From: big@sender.test\r\nTo: r@dest.test\r\nSubject: big\r\n\r\n');
      if (sent >= bytes) return this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

const memory = (pid: number, field: 'VmRSS' | 'VmHWM'): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const LEGS = [
  { name: 'MX (to a return path)', port: 'mx', secure: false, auth: false },
  { name: 'submission (STARTTLS)', port: 'smtp', secure: false, auth: true },
  { name: 'submission (implicit TLS)', port: 'smtps', secure: true, auth: true },
] as const;
const growths: string[] = [];

// One node per listener: memory freed by one experiment would be reused by the next and hide its growth.
describe.each(LEGS)('oversized DATA to the $name', (leg) => {
  let fixture: NodeFixture;
  let returnPath = '';
  let warmPeak = 0;

  const connect = async (port: number, secure: boolean): Promise<SMTPConnection> => {
    const c = new SMTPConnection({
      host: '127.0.0.1',
      port,
      secure,
      tls: { rejectUnauthorized: false },
      socketTimeout: 120_000,
    });
    await new Promise<void>((resolve, reject) => {
      c.once('error', reject);
      c.connect(() => resolve());
    });
    return c;
  };
  /** An authenticated submission session. */
  const smtpSession = async (port: number, secure: boolean): Promise<SMTPConnection> => {
    const c = await connect(port, secure);
    await new Promise<void>((resolve, reject) =>
      c.login({ user: fixture.creds.smtpUsername, pass: fixture.creds.smtpPassword }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    return c;
  };

  beforeAll(async () => {
    fixture = await startNodeFixture();
    await fixture.client().send(
      new SendEmailCommand({
        FromEmailAddress: 'a@sender.test',
        Destination: { ToAddresses: ['r@dest.test'] },
        Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hi' } } } },
      }),
    );
    await fixture.sink.waitFor(1);
    returnPath = fixture.sink.messages[0]!.mailFrom;
    // A process's first large message grows its heap once (V8 lets 64 MB of garbage buffers build up before it
    // collects them, and the allocator keeps what it got), whatever the size limit. One accepted and delivered
    // 30 MB message — ordinary work for this node — takes that step before anything is measured, so what is
    // measured is what the oversized message costs.
    const warm = await smtpSession(fixture.ports.smtp, false);
    await new Promise<void>((resolve, reject) =>
      warm.send({ from: 'big@sender.test', to: ['r@dest.test'] }, hugeMessage(30 * MB), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    warm.close();
    await fixture.sink.waitFor(2, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    warmPeak = memory(fixture.node.pid!, 'VmHWM');
  }, 120_000);
  afterAll(async () => fixture?.close());

  it(`${SENT / MB} MB: 552, and RSS grows by less than twice the ${LIMIT / MB} MB limit`, async () => {
    const pid = fixture.node.pid!;
    // Start the peak (VmHWM) over from the current RSS (Linux: clear_refs 5).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const before = memory(pid, 'VmRSS');
    const port = fixture.ports[leg.port];
    const c = leg.auth ? await smtpSession(port, leg.secure) : await connect(port, leg.secure);
    const envelope = leg.auth
      ? { from: 'big@sender.test', to: ['r@dest.test'] }
      : { from: '', to: [returnPath] };
    const err = await new Promise<{ responseCode?: number | undefined; response?: string | undefined }>(
      (resolve) => c.send(envelope, hugeMessage(SENT), (e) => resolve(e ?? {})),
    );
    c.close();
    const growth = memory(pid, 'VmHWM') - before;
    expect(err.responseCode).toBe(552);
    expect(err.response).toMatch(/^552 .*Message is too long/);
    expect(growth).toBeLessThan(2 * LIMIT);
    // The node still serves.
    expect((await fetch(`${fixture.node.url}/health`)).status).toBe(200);
    growths.push(`${leg.name} +${Math.round(growth / MB)} MB`);
    if (growths.length === LEGS.length)
      recordFault({
        promise: 'one message’s worth per session',
        fault: 'SMTP DATA far over the size limit, on every listener',
        tried: `${SENT / MB} MB to each of ${LEGS.length} listeners (limit ${LIMIT / MB} MB), a fresh node each`,
        held: `552 on each; peak RSS growth ${growths.join(', ')} (bound ${(2 * LIMIT) / MB} MB), measured after an accepted 30 MB message (peak RSS ${Math.round(warmPeak / MB)} MB then)`,
      });
  }, 120_000);
});
