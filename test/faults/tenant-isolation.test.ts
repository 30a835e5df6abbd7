/**
 * One account must never send as another's verified domain. A message may carry one From (RFC 5322 §3.6), and
 * every address SES checks (Source, each From author, Sender, Return-Path, MAIL FROM) must be the sender's own.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand, BadRequestException } from '@aws-sdk/client-sesv2';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { recordFault } from './results.ts';

let sesame: TestSesame;
let mallory: TestAccount;
let sink: SmtpSink;

beforeAll(async () => {
  sesame = await startSesame();
  mallory = await sesame.createAccount({ production: true, name: 'mallory' });
  const bank = await sesame.createAccount({ production: true, name: 'bank' });
  await sesame.platform.core.accounts.update(mallory.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, mallory, 'mallory.test');
  await verifiedDomain(sesame, bank, 'bank.test');
  sink = await sinkFor(sesame, 'dest.test');
});
afterAll(async () => sesame?.close());

const raw = (headers: string[]) =>
  Buffer.from(
    [...headers, 'To: victim@dest.test', 'Subject: Your account', '', 'Click here.', ''].join('\r\n'),
  );

/** Each message, as account Mallory would send it. */
const attempts: {
  name: string;
  headers: string[];
  source?: string;
  refusal: RegExp;
  smtpRefusal?: RegExp;
}[] = [
  {
    name: 'a second From with the other account’s domain',
    headers: ['From: me@mallory.test', 'From: security@bank.test'],
    refusal: /^Duplicate header 'From'\.$/,
  },
  {
    name: 'a second From in another case',
    headers: ['From: me@mallory.test', 'FROM: security@bank.test'],
    refusal: /^Duplicate header 'FROM'\.$/,
  },
  {
    name: 'two Sender headers',
    headers: ['From: me@mallory.test', 'Sender: me@mallory.test', 'Sender: security@bank.test'],
    refusal: /^Duplicate header 'Sender'\.$/,
  },
  {
    name: 'a Sender of the other domain',
    headers: ['From: me@mallory.test', 'Sender: security@bank.test'],
    refusal: /not verified.*security@bank\.test/,
  },
  {
    name: 'a From with two authors, one of the other domain, under a verified Source',
    headers: ['From: me@mallory.test, security@bank.test', 'Sender: me@mallory.test'],
    source: 'me@mallory.test',
    refusal: /not verified.*security@bank\.test/,
    // SMTP has no Source: the From header is the sender, and a sender is one mailbox.
    smtpRefusal: /^Illegal address in the From header/,
  },
  {
    name: 'a second Reply-To',
    headers: ['From: me@mallory.test', 'Reply-To: me@mallory.test', 'Reply-To: security@bank.test'],
    refusal: /^Duplicate header 'Reply-To'\.$/,
  },
];

describe('an account cannot send as another’s domain', () => {
  it.each(attempts)('SES v2 SendEmail (Raw): $name is refused', async (a) => {
    const err = await mallory.v2
      .send(
        new SendEmailCommand({
          ...(a.source ? { FromEmailAddress: a.source } : {}),
          Destination: { ToAddresses: ['victim@dest.test'] },
          Content: { Raw: { Data: raw(a.headers) } },
        }),
      )
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(a.refusal);
    if (/Duplicate/.test(a.refusal.source)) expect(err).toBeInstanceOf(BadRequestException);
  });

  it.each(attempts)('SES v1 SendRawEmail: $name is refused', async (a) => {
    const err = await mallory.v1
      .send(
        new SendRawEmailCommand({
          ...(a.source ? { Source: a.source } : {}),
          RawMessage: { Data: raw(a.headers) },
        }),
      )
      .catch((e: Error & { name: string }) => e);
    expect((err as Error).message).toMatch(a.refusal);
    // SES answers InvalidParameterValue for a duplicate header ("Duplicate header 'From'.").
    if (/Duplicate/.test(a.refusal.source))
      expect((err as { name: string }).name).toBe('InvalidParameterValue');
  });

  it.each(attempts)('SMTP submission: $name is refused with 554', async (a) => {
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sesame.smtp.starttls,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: mallory.smtpUsername, pass: mallory.smtpPassword },
    });
    const err = await smtp
      .sendMail({ envelope: { from: 'me@mallory.test', to: ['victim@dest.test'] }, raw: raw(a.headers) })
      .catch((e: { response?: string }) => e);
    smtp.close();
    const response = (err as { response?: string }).response ?? '';
    expect(response).toMatch(/^554 /);
    expect(response.replace(/^554 (Transaction failed|Message rejected): /, '')).toMatch(
      a.smtpRefusal ?? a.refusal,
    );
  });

  it('nothing of it reached anyone', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages).toHaveLength(0);
    recordFault({
      promise: 'tenant isolation: an account sends only as its own identities',
      fault: 'duplicate From/Sender/Reply-To, a foreign Sender, a foreign co-author in From',
      tried: `${attempts.length} messages × 3 interfaces (SES v2, SES v1, SMTP)`,
      held: `${attempts.length * 3} refused (BadRequest/InvalidParameterValue "Duplicate header 'X'.", MessageRejected not verified, SMTP 554); 0 delivered`,
    });
  });
});
