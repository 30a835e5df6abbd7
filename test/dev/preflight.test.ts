/**
 * The deliverability preflight of really sent mail, against what a loopback DNS server serves: `sesame
 * preflight` (the real command) names a broken DMARC record exactly; the SigV4-signed API route agrees once
 * it is fixed; bulk mail without one-click unsubscribe is flagged; SPF, DKIM, MAIL FROM MX and reverse DNS are
 * judged from the records, not assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { PreflightReport } from '../../src/core/index.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { signedFetch } from '../support/signed-fetch.ts';
import { sesameCli } from '../support/sesame-cli.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { GTUBE, startSpamd } from '../support/scanners.ts';

let sesame: TestSesame;
let acct: TestAccount;
let sink: SmtpSink;

/** The real `sesame preflight` against the test node. */
const preflightCli = (...args: string[]) => sesameCli(sesame, {}, 'preflight', ...args);
const preflightCliWith = (extra: Record<string, string>, ...args: string[]) =>
  sesameCli(sesame, extra, 'preflight', ...args);

async function sendDelivered(input: ConstructorParameters<typeof SendEmailCommand>[0]): Promise<string> {
  const before = sink.messages.length;
  const { MessageId } = await acct.v2.send(new SendEmailCommand(input));
  await eventually(async () => sink.messages.length > before);
  return MessageId!;
}

const finding = (r: PreflightReport, check: string) => r.findings.find((f) => f.check === check);

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount({ production: true });
  sink = await sinkFor(sesame, 'dest.test');
  // This server: its EHLO name resolves to the address it sends from, which points back to it.
  sesame.dns.set('mx.sesame.test', {
    a: ['127.0.0.1'],
    txt: ['v=spf1 a:mx.sesame.test ~all'],
    mx: [{ exchange: 'mx.sesame.test', priority: 10 }],
  });
  sesame.dns.set('1.0.0.127.in-addr.arpa', { ptr: ['mx.sesame.test'] });
  await verifiedDomain(sesame, acct, 'good.test');
});
afterAll(async () => {
  await sink?.stop();
  await sesame?.close();
});

describe('sesame preflight', () => {
  it('names the broken DMARC record and what is wrong with it', async () => {
    sesame.dns.set('_dmarc.good.test', { txt: ['v=DMARC1; p=quarantin'] });
    const id = await sendDelivered({
      FromEmailAddress: 'news@good.test',
      Destination: { ToAddresses: ['a@dest.test'] },
      Content: {
        Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' }, Html: { Data: '<p>x</p>' } } },
      },
    });
    const text = await preflightCli(id);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'FAIL  dmarc: The DMARC record _dmarc.good.test TXT "v=DMARC1; p=quarantin" is not valid',
    );
    expect(text.stdout).toContain('p=quarantin is not one of none, quarantine, reject');
    expect(text.stdout).toContain('fix: _dmarc.good.test TXT "v=DMARC1; p=none;');
    const { stdout } = await preflightCli(id, '--json');
    const report = JSON.parse(stdout) as PreflightReport;
    expect(report.verdict).toBe('fail');
    expect(report.sendingAddresses).toEqual(['127.0.0.1']);
    expect(finding(report, 'dkim')).toMatchObject({ status: 'pass' });
    expect(finding(report, 'dkim')!.message).toContain('d=good.test');
    expect(finding(report, 'spf')).toMatchObject({ status: 'pass' });
    expect(finding(report, 'mail-from-mx')).toMatchObject({ status: 'pass' });
    expect(finding(report, 'reverse-dns')).toMatchObject({ status: 'pass' });
    expect(finding(report, 'text-part')).toMatchObject({ status: 'pass' });
  });

  it('passes once DMARC is fixed, over the SigV4-signed API route', async () => {
    sesame.dns.set('_dmarc.good.test', { txt: ['v=DMARC1; p=reject; rua=mailto:d@good.test'] });
    const id = await sendDelivered({
      FromEmailAddress: 'news@good.test',
      Destination: { ToAddresses: ['b@dest.test'] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
    });
    const res = await signedFetch(sesame.url, {
      method: 'GET',
      path: `/sesame/preflight/${id}`,
      credentials: acct,
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as PreflightReport;
    expect(finding(report, 'dmarc')).toMatchObject({ status: 'pass' });
    expect(finding(report, 'dmarc-alignment')).toMatchObject({ status: 'pass' });
    expect(report.verdict).toBe('pass');
    // Another account cannot read it; an unsigned request is refused in SES's shape.
    const other = await sesame.createAccount();
    const foreign = await signedFetch(sesame.url, {
      method: 'GET',
      path: `/sesame/preflight/${id}`,
      credentials: other,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    const unsigned = await fetch(`${sesame.url}/sesame/preflight/${id}`);
    expect(unsigned.status).toBe(403);
  });

  it('finds what is missing: SPF of the MAIL FROM domain, HTML without text, one-click unsubscribe of bulk mail', async () => {
    sesame.dns.set('mx.sesame.test', { txt: ['v=spf1 ip4:192.0.2.7 -all'] });
    const raw = [
      'From: news@good.test',
      'To: c@dest.test',
      'Subject: Weekly',
      'List-Unsubscribe: <mailto:unsubscribe@good.test>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Only HTML</p>',
      '',
    ].join('\r\n');
    const id = await sendDelivered({
      Destination: { ToAddresses: ['c@dest.test'] },
      Content: { Raw: { Data: Buffer.from(raw) } },
    });
    const { stdout } = await preflightCli(id, '--json');
    const report = JSON.parse(stdout) as PreflightReport;
    expect(report.bulk).toBe(true);
    expect(finding(report, 'spf')).toMatchObject({
      status: 'fail',
      fix: 'mx.sesame.test TXT "v=spf1 a:mx.sesame.test ~all"',
    });
    expect(finding(report, 'text-part')).toMatchObject({ status: 'warn' });
    expect(finding(report, 'list-unsubscribe')!.status).toBe('fail');
    expect(finding(report, 'list-unsubscribe')!.message).toContain('List-Unsubscribe-Post');
    expect(finding(report, 'complaint-rate')).toMatchObject({ status: 'pass' });
    // DKIM still aligns, so DMARC passes: SPF alone is not what DMARC needs.
    expect(finding(report, 'dmarc-alignment')).toMatchObject({ status: 'pass' });
  });

  it('names a missing DKIM key and a missing reverse DNS', async () => {
    sesame.dns.set('mx.sesame.test', { txt: ['v=spf1 a:mx.sesame.test ~all'] });
    sesame.dns.delete('1.0.0.127.in-addr.arpa');
    const id = await sendDelivered({
      FromEmailAddress: 'news@good.test',
      Destination: { ToAddresses: ['d@dest.test'] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
    });
    const selectors = [...sesame.dns.zones.keys()].filter((n) => n.endsWith('._domainkey.good.test'));
    for (const s of selectors) sesame.dns.delete(s);
    const { stdout } = await preflightCli(id, '--json');
    const report = JSON.parse(stdout) as PreflightReport;
    expect(finding(report, 'dkim')!.status).toBe('fail');
    expect(finding(report, 'dkim')!.fix).toMatch(
      /^Publish the DKIM key Sesame gives at \w+\._domainkey\.good\.test TXT/,
    );
    expect(finding(report, 'reverse-dns')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('1.0.0.127.in-addr.arpa PTR mx.sesame.test.'),
    });
    expect(finding(report, 'dmarc-alignment')!.status).toBe('fail');
  });

  it('says so when DNS does not answer, and still checks the content', async () => {
    const id = await sendDelivered({
      FromEmailAddress: 'news@good.test',
      Destination: { ToAddresses: ['e@dest.test'] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Html: { Data: '<p>x</p>' } } } },
    });
    // A resolver address where nothing listens: the offline laptop.
    const { code, stdout } = await preflightCliWith({ SESAME_DNS_SERVERS: '127.0.0.1:9' }, id, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PreflightReport;
    expect(finding(report, 'dns')).toMatchObject({ status: 'warn' });
    expect(finding(report, 'dns')!.message).toContain('SESAME_DNS_SERVERS');
    expect(finding(report, 'text-part')).toMatchObject({ status: 'warn' });
    expect(report.verdict).toBe('fail');
  }, 60_000);

  it('scores the message with SpamAssassin when spamd is configured', async () => {
    const spamd = await startSpamd();
    try {
      const clean = await sendDelivered({
        FromEmailAddress: 'news@good.test',
        Destination: { ToAddresses: ['f@dest.test'] },
        Content: {
          Simple: { Subject: { Data: 'Minutes' }, Body: { Text: { Data: 'The notes of the meeting.' } } },
        },
      });
      const spam = await sendDelivered({
        FromEmailAddress: 'news@good.test',
        Destination: { ToAddresses: ['g@dest.test'] },
        Content: { Simple: { Subject: { Data: 'Offer' }, Body: { Text: { Data: GTUBE } } } },
      });
      const withSpamd = { SESAME_SPAMD: spamd.address };
      const cleanReport = JSON.parse(
        (await preflightCliWith(withSpamd, clean, '--json')).stdout,
      ) as PreflightReport;
      expect(finding(cleanReport, 'spamassassin')!.message).toMatch(/^SpamAssassin score -?\d/);
      expect(finding(cleanReport, 'spamassassin')!.status).not.toBe('fail');
      const spamReport = JSON.parse(
        (await preflightCliWith(withSpamd, spam, '--json')).stdout,
      ) as PreflightReport;
      expect(finding(spamReport, 'spamassassin')).toMatchObject({ status: 'fail' });
      expect(finding(spamReport, 'spamassassin')!.message).toContain('classifies the message as spam');
    } finally {
      await spamd.stop();
    }
  }, 60_000);

  it('refuses an unknown message', async () => {
    const r = await preflightCli('0100000000000000-00000000-0000-0000-0000-000000000000-000000');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not exist');
  });
});
