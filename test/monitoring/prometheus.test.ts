/**
 * Prometheus exposition: /metrics behind the operator's bearer token on the HTTP listener, and on a loopback
 * listener of its own; the counters move with real traffic; `promtool check metrics` (Debian's prometheus)
 * accepts the text.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, freePort, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let sink: SmtpSink;
let acct: TestAccount;
let metricsPort: number;
const TOKEN = 'scrape-secret-0123456789';

beforeAll(async () => {
  metricsPort = await freePort();
  sesame = await startSesame({ metricsToken: TOKEN, metricsPort, smtpPort: await freePort() });
  sink = await sinkFor(sesame, 'dest.test');
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'sender.test');
});
afterAll(async () => {
  await sink?.stop();
  await sesame?.close();
});

const scrape = async (url: string, token?: string) => {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function promtool(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile('/usr/bin/promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    p.stdin!.end(text);
  });
}

describe('Prometheus /metrics', () => {
  it('the HTTP listener serves it only with the bearer token', async () => {
    expect((await scrape(`${sesame.url}/metrics`)).status).toBe(401);
    expect((await scrape(`${sesame.url}/metrics`, 'wrong')).status).toBe(401);
    const ok = await scrape(`${sesame.url}/metrics`, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toMatch(/^sesame_process_cpu_seconds_total /m);
  });

  it('counts accepted and delivered mail, SMTP sessions, queue and commits; promtool accepts it', async () => {
    const own = `http://127.0.0.1:${metricsPort}/metrics`;
    const before = (await scrape(own)).text;
    const account = `account="${acct.accountId}"`;
    sink.rcptReplies.set('p0@dest.test', ['451 4.3.0 Try again later', '250']);
    for (let i = 0; i < 3; i++)
      await acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: [`p${i}@dest.test`] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      );
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      secure: false,
      tls: { rejectUnauthorized: false },
      auth: { user: acct.smtpUsername, pass: acct.smtpPassword },
    });
    await transport.sendMail({ from: 'app@sender.test', to: 'p9@dest.test', subject: 's', text: 'b' });
    transport.close();
    await sink.waitFor(4);
    const after = await eventually(async () => {
      const t = (await scrape(own)).text;
      return value(t, `sesame_recipients_total{${account},outcome="delivered"}`) >= 4 ? t : undefined;
    });
    expect(value(after, `sesame_messages_accepted_total{${account}}`)).toBe(
      value(before, `sesame_messages_accepted_total{${account}}`) + 4,
    );
    expect(value(after, `sesame_recipients_total{${account},outcome="deferred"}`)).toBe(1);
    expect(value(after, 'sesame_smtp_sessions_total{listener="submission"}')).toBeGreaterThanOrEqual(1);
    expect(
      value(after, 'sesame_delivery_attempt_duration_seconds_count{result="done"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(
      value(after, 'sesame_database_commit_duration_seconds_count{kind="accept"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^sesame_notification_outbox\{state="pending"\} \d+/m);
    const check = await promtool(after);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
  });

  it('shows queued work per destination with the age of its oldest message', async () => {
    sesame.platform.mta.pause();
    try {
      await acct.v2.send(
        new SendEmailCommand({
          FromEmailAddress: 'app@sender.test',
          Destination: { ToAddresses: ['held@dest.test'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      );
      const text = (await scrape(`http://127.0.0.1:${metricsPort}/metrics`)).text;
      expect(value(text, 'sesame_queue_recipients{destination="dest.test",state="ready"}')).toBe(1);
      expect(value(text, 'sesame_queue_oldest_age_seconds{destination="dest.test"}')).toBeGreaterThanOrEqual(
        0,
      );
      expect(text).toMatch(/^sesame_queue_oldest_age_seconds\{destination="dest\.test"\} /m);
    } finally {
      sesame.platform.mta.resume();
    }
  });
});
