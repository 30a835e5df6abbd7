/**
 * Bounces and complaints arrive by mail, from anyone: a report may only affect the recipients its return path
 * names (VERP: the recipients of one SMTP transaction), and the same report sent again makes no second event.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { dsnReport, sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { recordFault } from './results.ts';

let sesame: TestSesame;
let acct: TestAccount;
let dest: SmtpSink;
let other: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount({ production: true });
  await sesame.platform.core.accounts.update(acct.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, acct, 'sender.test');
  dest = await sinkFor(sesame, 'dest.test');
  other = await sinkFor(sesame, 'attacker.test');
});
afterAll(async () => sesame?.close());

const mx = () =>
  nodemailer.createTransport({ host: '127.0.0.1', port: sesame.smtp.mx, tls: { rejectUnauthorized: false } });

async function send(to: string[]): Promise<string> {
  const { MessageId } = await acct.v2.send(
    new SendEmailCommand({
      FromEmailAddress: 'app@sender.test',
      Destination: { ToAddresses: to },
      Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Body' } } } },
    }),
  );
  return MessageId!;
}

function arf(returnPath: string, complainer: string): string {
  return [
    'From: fbl@isp.test',
    `To: ${returnPath}`,
    'Subject: complaint',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"',
    '',
    '--b2',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ISP/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${complainer}`,
    '',
    '--b2--',
    '',
  ].join('\r\n');
}

const mail = (returnPath: string, raw: string) =>
  mx().sendMail({ envelope: { from: '', to: [returnPath] }, raw });
const events = async (id: string, type: string) =>
  (await sesame.platform.store.messages.events(id)).filter((e) => e.type === type);
const statusOf = async (id: string, index: number) =>
  (await sesame.platform.store.messages.recipients(id))[index]?.status;
const suppressed = async (email: string) => sesame.platform.store.suppression.get(acct.accountId, email);
const named = (e: { payload: unknown }, key: 'bounce' | 'complaint') =>
  (
    e.payload as Record<
      string,
      { bouncedRecipients?: { emailAddress: string }[]; complainedRecipients?: { emailAddress: string }[] }
    >
  )[key]![key === 'bounce' ? 'bouncedRecipients' : 'complainedRecipients']!.map((r) => r.emailAddress);

describe('forged and replayed feedback', () => {
  it('a DSN and an ARF report to one recipient’s return path that name another recipient change nothing of it', async () => {
    const id = await send(['victim@dest.test', 'mallory@attacker.test']);
    await other.waitFor(1);
    await dest.waitFor(1);
    const malloryPath = other.received('mallory@attacker.test')[0]!.mailFrom;
    await mail(malloryPath, dsnReport(malloryPath, ['victim@dest.test']));
    await mail(malloryPath, arf(malloryPath, 'victim@dest.test'));
    // The complaint (it names no recipient of that delivery, so it is Mallory's own) shows the report was read.
    await eventually(async () => (await events(id, 'Complaint')).length > 0);
    expect((await events(id, 'Bounce')).flatMap((e) => named(e, 'bounce'))).toEqual([]);
    expect((await events(id, 'Complaint')).flatMap((e) => named(e, 'complaint'))).toEqual([
      'mallory@attacker.test',
    ]);
    expect(await statusOf(id, 0)).toBe('delivered');
    expect(await suppressed('victim@dest.test')).toBeNull();
  });

  it('recipients who shared one transaction: a DSN naming one of them bounces that one only', async () => {
    const id = await send(['first@dest.test', 'second@dest.test']);
    await eventually(async () => dest.received('second@dest.test').length > 0);
    const shared = dest.received('second@dest.test')[0]!;
    expect(shared.rcptTo).toEqual(['first@dest.test', 'second@dest.test']);
    await mail(shared.mailFrom, dsnReport(shared.mailFrom, ['second@dest.test', 'nobody-of-ours@dest.test']));
    const [bounce] = await eventually(async () => {
      const b = await events(id, 'Bounce');
      return b.length ? b : undefined;
    });
    expect(named(bounce!, 'bounce')).toEqual(['second@dest.test']);
    expect(await statusOf(id, 0)).toBe('delivered');
    expect(await statusOf(id, 1)).toBe('bounced');
    expect(await suppressed('first@dest.test')).toBeNull();
    expect(await suppressed('second@dest.test')).toMatchObject({ reason: 'BOUNCE' });
  });

  it('the same DSN and ARF sent five times each, two of them at once, make one Bounce and one Complaint', async () => {
    const bounced = await send(['replayed-bounce@dest.test']);
    const complained = await send(['replayed-complaint@dest.test']);
    await eventually(async () => dest.received('replayed-complaint@dest.test').length > 0);
    await eventually(async () => dest.received('replayed-bounce@dest.test').length > 0);
    const bouncePath = dest.received('replayed-bounce@dest.test')[0]!.mailFrom;
    const complaintPath = dest.received('replayed-complaint@dest.test')[0]!.mailFrom;
    const report = dsnReport(bouncePath, ['replayed-bounce@dest.test']);
    const complaint = arf(complaintPath, 'replayed-complaint@dest.test');
    await Promise.all([mail(bouncePath, report), mail(bouncePath, report)]);
    await Promise.all([mail(complaintPath, complaint), mail(complaintPath, complaint)]);
    for (let i = 0; i < 3; i++) {
      await mail(bouncePath, report);
      await mail(complaintPath, complaint);
    }
    expect(await events(bounced, 'Bounce')).toHaveLength(1);
    expect(await events(complained, 'Complaint')).toHaveLength(1);
    recordFault({
      promise: 'tenant isolation: feedback reaches only the recipients it may concern',
      fault: 'forged DSN/ARF to one recipient’s return path naming others; replayed reports',
      tried:
        '1 DSN + 1 ARF naming another recipient; 1 DSN naming one of two co-recipients; 5 DSNs + 5 ARFs replayed (2 in parallel)',
      held: 'other recipient untouched (status delivered, not suppressed); only the named co-recipient bounced; 1 Bounce and 1 Complaint event from the replays',
    });
  });
});
