/**
 * SES SMTP credentials: the password is derived from an access key's secret with AWS's version-4 algorithm
 * (ses-spec.md §3.2), scoped to one region; the legacy version-2 form is region-independent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

export function smtpPasswordV4(secretAccessKey: string, region: string): string {
  let sig = hmac(`AWS4${secretAccessKey}`, '11111111');
  sig = hmac(sig, region);
  sig = hmac(sig, 'ses');
  sig = hmac(sig, 'aws4_request');
  sig = hmac(sig, 'SendRawEmail');
  return Buffer.concat([Buffer.from([0x04]), sig]).toString('base64');
}

export function smtpPasswordV2(secretAccessKey: string): string {
  return Buffer.concat([Buffer.from([0x02]), hmac(secretAccessKey, 'SendRawEmail')]).toString('base64');
}

/** Constant-time check of a presented SMTP password against the secret (v4 for the region, or legacy v2). */
export function smtpPasswordMatches(presented: string, secretAccessKey: string, region: string): boolean {
  const given = Buffer.from(presented, 'utf8');
  for (const expected of [smtpPasswordV4(secretAccessKey, region), smtpPasswordV2(secretAccessKey)]) {
    const e = Buffer.from(expected, 'utf8');
    if (e.length === given.length && timingSafeEqual(e, given)) return true;
  }
  return false;
}
