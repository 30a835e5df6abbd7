/** Helpers for sending tests: verified senders, loopback MX sinks, independent DKIM verification. */
import { execFile } from 'node:child_process';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { eventually, publishRecords, type TestAccount, type TestSesame } from './sesame.ts';
import { SmtpSink } from './smtp-sink.ts';
import type { SMTPServerOptions } from 'smtp-server';

/** Creates a domain identity and publishes its records in the test DNS, then waits for SUCCESS. */
export async function verifiedDomain(sesame: TestSesame, acct: TestAccount, domain: string): Promise<void> {
  await acct.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
  await publishRecords(sesame, acct.accountId, domain);
  await eventually(
    async () =>
      (await acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: domain }))).VerifiedForSendingStatus,
  );
}

let nextIp = 10;

/** Starts a sink on its own loopback address and makes it the MX of `domain` in the test DNS. */
export async function sinkFor(
  sesame: TestSesame,
  domain: string,
  options: Partial<SMTPServerOptions> = {},
): Promise<SmtpSink> {
  const ip = `127.0.0.${nextIp++}`;
  const sink = await new SmtpSink(ip, sesame.config.deliveryPort, options).start();
  sesame.dns.set(domain, { mx: [{ exchange: `mx.${domain}`, priority: 10 }] });
  sesame.dns.set(`mx.${domain}`, { a: [ip] });
  return sink;
}

/** The TXT records the test DNS serves, for the python verifier. */
function txtRecords(sesame: TestSesame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, zone] of sesame.dns.zones) if (zone.txt?.[0]) out[name] = zone.txt.join('');
  return out;
}

/** Verifies DKIM with Debian's python3-dkim (an implementation independent of Sesame's signer). */
export function dkimVerifiesWithPython(
  sesame: TestSesame,
  raw: Buffer,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/python3',
      [new URL('./dkim_verify.py', import.meta.url).pathname, JSON.stringify(txtRecords(sesame))],
      (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end(raw);
  });
}

/** Verifies DKIM with mailauth (the verifier most Node.js receivers use), resolving through the test DNS. */
export async function dkimVerifiesWithMailauth(
  sesame: TestSesame,
  raw: Buffer,
): Promise<{ status: string; domain: string }[]> {
  const result = await dkimVerify(raw, {
    resolver: async (name: string, type: string) => {
      const zone = sesame.dns.zones.get(name.toLowerCase());
      if (type === 'TXT' && zone?.txt) return zone.txt.map((t) => [t]);
      const err = new Error('not found') as Error & { code: string };
      err.code = 'ENOTFOUND';
      throw err;
    },
  });
  return result.results.map((r) => ({ status: r.status.result, domain: r.signingDomain ?? '' }));
}

/**
 * A DSN (RFC 3464) as a receiving MTA sends it to a return path: one failed entry (5.1.1, user unknown) per
 * address in `failed`.
 */
export function dsnReport(returnPath: string, failed: string[], reportingMta = 'mx.dest.test'): string {
  return [
    `From: MAILER-DAEMON@${reportingMta}`,
    `To: ${returnPath}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'The mailbox is gone.',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${reportingMta}`,
    ...failed.flatMap((r) => [
      '',
      `Final-Recipient: rfc822; ${r}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
    ]),
    '',
    '--b1--',
    '',
  ].join('\r\n');
}
