/**
 * The verdicts of received mail, from real checkers: SPF, DKIM and DMARC by mailauth against the loopback DNS
 * server, spam by Debian's spamd (GTUBE), viruses by clamd (EICAR), both started here with their own config.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { HttpReceiver } from '../support/http-receiver.ts';
import { verifiedDomain } from '../support/mail.ts';
import { EICAR, GTUBE, startClamd, startSpamd, type Scanner } from '../support/scanners.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;
let receiver: HttpReceiver;
let spamd: Scanner;
let clamd: Scanner;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  [spamd, clamd] = await Promise.all([startSpamd(), startClamd()]);
  sesame = await startSesame({ spamd: spamd.address, clamd: clamd.address });
  acct = await sesame.createAccount({ production: true });
  await verifiedDomain(sesame, acct, 'scan.test');
  // The sending domains as their owners publish them.
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  sesame.dns.set('sel._domainkey.signed.test', { txt: [`v=DKIM1; k=rsa; p=${p}`] });
  sesame.dns.set('signed.test', { txt: ['v=spf1 ip4:127.0.0.1 -all'] });
  sesame.dns.set('_dmarc.signed.test', { txt: ['v=DMARC1; p=reject'] });
  sesame.dns.set('forged.test', { txt: ['v=spf1 ip4:192.0.2.1 -all'] });
  sesame.dns.set('_dmarc.forged.test', { txt: ['v=DMARC1; p=quarantine'] });
  receiver = await new HttpReceiver().start();
  const sns = new SNSClient({ endpoint: sesame.url, region: 'us-east-1', credentials: acct, maxAttempts: 1 });
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'scanned' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiver.url }));
  await eventually(async () => receiver.received.some((r) => r.body.Type === 'SubscriptionConfirmation'));
  await new Promise((r) => setTimeout(r, 200));
  await acct.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'scan' }));
  await acct.v1.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'scan',
      Rule: {
        Name: 'scanned',
        Enabled: true,
        ScanEnabled: true,
        Recipients: ['in@scan.test'],
        Actions: [{ SNSAction: { TopicArn: topicArn } }],
      },
    }),
  );
  await acct.v1.send(
    new CreateReceiptRuleCommand({
      RuleSetName: 'scan',
      After: 'scanned',
      Rule: {
        Name: 'unscanned',
        Enabled: true,
        Recipients: ['plain@scan.test'],
        Actions: [{ SNSAction: { TopicArn: topicArn } }],
      },
    }),
  );
  await acct.v1.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'scan' }));
}, 120_000);
afterAll(async () => {
  await receiver?.stop();
  await sesame?.close();
  await spamd?.stop();
  await clamd?.stop();
});

async function receive(from: string, to: string, raw: string): Promise<Record<string, any>> {
  const info = await nodemailer
    .createTransport({ host: '127.0.0.1', port: sesame.smtp.mx, tls: { rejectUnauthorized: false } })
    .sendMail({ envelope: { from, to: [to] }, raw });
  const id = /Ok ([a-z2-7]{28})$/.exec(info.response)![1]!;
  return eventually(async () => receiver.notifications().find((n) => n.mail?.messageId === id), 20_000);
}

const plain = (from: string, to: string, body: string, extra: string[] = []) =>
  [
    `From: ${from}`,
    `To: ${to}`,
    'Subject: Verdicts',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    ...extra,
    '',
    body,
    '',
  ].join('\r\n');

describe('verdicts', () => {
  it('a DKIM-signed message from an SPF-authorised address passes SPF, DKIM and DMARC; clean content passes the scans', async () => {
    const raw = plain('news@signed.test', 'in@scan.test', 'Hello, nothing to see here.');
    const key = {
      signingDomain: 'signed.test',
      selector: 'sel',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
    // mailauth signs what signatureData lists (the top-level fields alone sign nothing).
    const signed = await dkimSign(raw, { ...key, signatureData: [key] });
    expect(signed.signatures).toMatch(/^DKIM-Signature: /);
    const n = await receive('news@signed.test', 'in@scan.test', `${signed.signatures}${raw}`);
    expect(n.receipt).toMatchObject({
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'PASS' },
      dmarcVerdict: { status: 'PASS' },
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
    });
    expect(n.receipt.dmarcPolicy).toBeUndefined();
    const content = n.content as string;
    expect(content).toMatch(/\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n/);
    expect(content).toMatch(/\r\nAuthentication-Results: [\s\S]*dkim=pass/);
    expect(content).toMatch(/\r\nReceived-SPF: pass/);
  });

  it('SPF fail and DMARC fail (with its policy) for a forged sender; no signature is DKIM GRAY', async () => {
    const n = await receive(
      'ceo@forged.test',
      'in@scan.test',
      plain('ceo@forged.test', 'in@scan.test', 'Wire the money.'),
    );
    expect(n.receipt).toMatchObject({
      spfVerdict: { status: 'FAIL' },
      dkimVerdict: { status: 'GRAY' },
      dmarcVerdict: { status: 'FAIL' },
      dmarcPolicy: 'quarantine',
    });
  });

  it('GTUBE gets spamVerdict FAIL from spamd; EICAR gets virusVerdict FAIL from clamd', async () => {
    const spam = await receive(
      'x@signed.test',
      'in@scan.test',
      plain('x@signed.test', 'in@scan.test', GTUBE),
    );
    expect(spam.receipt.spamVerdict).toEqual({ status: 'FAIL' });
    expect(spam.content).toMatch(/\r\nX-SES-Spam-Verdict: FAIL\r\n/);
    const virus = await receive(
      'x@signed.test',
      'in@scan.test',
      plain(
        'x@signed.test',
        'in@scan.test',
        [
          '--b',
          'Content-Type: text/plain',
          '',
          'see attached',
          '--b',
          'Content-Type: application/octet-stream',
          'Content-Disposition: attachment; filename="eicar.com"',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from(EICAR).toString('base64'),
          '--b--',
        ].join('\r\n'),
        ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      ),
    );
    expect(virus.receipt.virusVerdict).toEqual({ status: 'FAIL' });
    expect(virus.content).toMatch(/\r\nX-SES-Virus-Verdict: FAIL\r\n/);
  });

  it('a rule without ScanEnabled is not scanned (DISABLED); a scanner that is down is PROCESSING_FAILED', async () => {
    const off = await receive(
      'x@signed.test',
      'plain@scan.test',
      plain('x@signed.test', 'plain@scan.test', GTUBE),
    );
    expect(off.receipt.spamVerdict).toEqual({ status: 'DISABLED' });
    expect(off.receipt.virusVerdict).toEqual({ status: 'DISABLED' });
    expect(off.content).not.toContain('X-SES-Spam-Verdict');
    await clamd.stop();
    const down = await receive(
      'x@signed.test',
      'in@scan.test',
      plain('x@signed.test', 'in@scan.test', 'hello'),
    );
    expect(down.receipt.virusVerdict).toEqual({ status: 'PROCESSING_FAILED' });
    expect(down.receipt.spamVerdict).toEqual({ status: 'PASS' });
  });
});
