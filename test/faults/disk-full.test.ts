/**
 * The disk under the SQLite database fills up (a real, small tmpfs, filled by another file): sends are refused
 * with a clear retryable error (API 503 ServiceUnavailable, SMTP 452), the cause is logged once for the
 * episode, nothing that was accepted is lost, and once space is freed the node accepts again without a
 * restart. Mounting needs root (CAP_SYS_ADMIN); elsewhere the test says why it is skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { onPostgres } from '../support/database.ts';
import { startNodeFixture, type NodeFixture } from '../support/node-fixture.ts';
import { recordFault } from './results.ts';

const mountPoint = mkdtempSync(join(tmpdir(), 'sesame-full-'));
/** Whether a tmpfs can be mounted here (root); the reason otherwise. */
const canMount = (() => {
  if (onPostgres) return 'the database is PostgreSQL (its disk is not ours to fill)';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return true;
  } catch (err) {
    return `cannot mount a tmpfs: ${(err as Error).message.split('\n')[0]}`;
  }
})();
if (canMount !== true) console.warn(`disk-full test skipped: ${canMount}`);

describe.skipIf(canMount !== true)('the disk fills up', () => {
  let fixture: NodeFixture;
  const filler = join(mountPoint, 'filler');

  beforeAll(async () => {
    fixture = await startNodeFixture({ dir: mountPoint });
  });
  afterAll(async () => {
    await fixture?.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const body = 'y'.repeat(200_000);
  const send = (n: number) =>
    fixture.client().send(
      new SendEmailCommand({
        FromEmailAddress: 'full@sender.test',
        Destination: { ToAddresses: [`r${n}@dest.test`] },
        Content: { Simple: { Subject: { Data: `full ${n}` }, Body: { Text: { Data: body } } } },
      }),
    );

  it('refuses with 503 and SMTP 452 while full, logs once, and accepts again once space is freed', async () => {
    const accepted = new Set<string>([(await send(0)).MessageId!]);
    // Fill what is left of the file system.
    let size = 0;
    try {
      for (;;) {
        writeFileSync(filler, Buffer.alloc(1024 * 1024), { flag: 'a' });
        size++;
      }
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ENOSPC');
    }
    // Until the database needs more room than it has, commits still fit: send until one is refused.
    let refusal: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    for (let n = 1; n <= 100 && !refusal; n++)
      await send(n).then(
        (r) => accepted.add(r.MessageId!),
        (err: typeof refusal) => (refusal = err),
      );
    expect(refusal?.name).toBe('ServiceUnavailable');
    expect(refusal?.$metadata?.httpStatusCode).toBe(503);
    expect(refusal?.message).toMatch(/temporary failure of the server: its storage is full/);
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: fixture.ports.smtp,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: fixture.creds.smtpUsername, pass: fixture.creds.smtpPassword },
    });
    const smtpErr = await smtp
      .sendMail({ from: 'full@sender.test', to: 'smtp@dest.test', subject: 'full', text: body })
      .catch((e: { response?: string }) => e);
    expect((smtpErr as { response?: string }).response).toBe(
      '452 Insufficient system storage, try again later',
    );
    const logged = fixture.node.output.split('\n').filter((l) => l.includes('storage full'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/SQLITE_FULL|ENOSPC/);
    // Space is freed: accepted again, no restart.
    rmSync(filler);
    const after = await send(1000);
    accepted.add(after.MessageId!);
    const info = await smtp.sendMail({
      from: 'full@sender.test',
      to: 'smtp@dest.test',
      subject: 'ok',
      text: 'ok',
    });
    expect(info.response).toMatch(/^250 /);
    smtp.close();
    // Everything that was accepted is delivered.
    const missing = await fixture.undelivered(accepted);
    expect(missing).toEqual([]);
    recordFault({
      promise: 'accepted means durable; every refusal is clear and retryable',
      fault: 'SQLite: the file system fills up (32 MB tmpfs filled by another file)',
      tried: `filled with ${size} MB, then 200 KB sends until refused; SMTP send; space freed`,
      held: `${accepted.size - 1} accepted before and after, ${missing.length} lost; refusals 503 ServiceUnavailable ("its storage is full") and SMTP 452; 1 "storage full" log line; accepted again without a restart`,
    });
  }, 120_000);
});
