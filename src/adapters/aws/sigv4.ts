/**
 * AWS Signature Version 4 verification, exactly as the SDKs sign (ses-spec.md §3.1): the raw path normalised
 * and URI-encoded again, the canonical query, the signed headers as listed, and the payload hash of the raw
 * body (or `x-amz-content-sha256`). Works on the request bytes as received, never on decoded values.
 */
import { type KeyObject, createHmac, createSecretKey, hash, timingSafeEqual } from 'node:crypto';

export const MAX_SKEW_MS = 15 * 60_000;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedRequest {
  method: string;
  /** The request target as received (`/path?query`), not decoded. */
  rawUrl: string;
  /** Node's rawHeaders: name, value, name, value … */
  rawHeaders: string[];
  body: Buffer;
  /**
   * Whether `x-amz-content-sha256: UNSIGNED-PAYLOAD` is honoured (the body left out of the signature). Only S3
   * does that; SES and SNS always sign the body, so elsewhere the body's own hash is used and such a request
   * fails the signature check.
   */
  unsignedPayloadAllowed?: boolean;
}

export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface ParsedSignature {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  /** `X-Amz-Date` (or `Date`) value as sent. */
  amzDate: string;
  time: number;
}

export type AuthFailureKind =
  'missing' | 'incomplete' | 'expired' | 'signature' | 'unknown-key' | 'region' | 'service';

export class AuthFailure extends Error {
  readonly kind: AuthFailureKind;
  constructor(kind: AuthFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

export function headerValues(rawHeaders: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === name) out.push(rawHeaders[i + 1]!);
  return out;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

/** Parses and checks the Authorization header and the request time (not the signature itself). */
export function parseSignature(req: SignedRequest, now: number): ParsedSignature {
  const auth = headerValues(req.rawHeaders, 'authorization')[0];
  if (!auth) throw new AuthFailure('missing', 'Missing Authentication Token');
  if (auth.startsWith('AWS4-ECDSA-P256-SHA256'))
    throw new AuthFailure(
      'incomplete',
      'Sesame does not support SigV4a (multi-region endpoints); sign with AWS4-HMAC-SHA256.',
    );
  const m = AUTH_RE.exec(auth.trim());
  if (!m)
    throw new AuthFailure(
      'incomplete',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters for AWS4-HMAC-SHA256. Authorization=${auth.split(' ')[0]}`,
    );
  const parts = m[1]!.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request')
    throw new AuthFailure('incomplete', `Credential should be scoped to a valid terminator: 'aws4_request'.`);
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  const signedHeaders = m[2]!.split(';');
  const amzDate = headerValues(req.rawHeaders, 'x-amz-date')[0] ?? headerValues(req.rawHeaders, 'date')[0];
  if (!amzDate)
    throw new AuthFailure(
      'incomplete',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time))
    throw new AuthFailure('incomplete', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  if (Math.abs(now - time) > MAX_SKEW_MS) {
    const fmt = (t: number) =>
      new Date(t)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    throw new AuthFailure(
      'expired',
      now > time
        ? `Signature expired: ${amzDate} is now earlier than ${fmt(now - MAX_SKEW_MS)} (${fmt(now)} - 15 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${fmt(now + MAX_SKEW_MS)} (${fmt(now)} + 15 min.)`,
    );
  }
  if (!amzDate.startsWith(date))
    throw new AuthFailure(
      'signature',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  if (!signedHeaders.includes('host'))
    throw new AuthFailure('signature', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  return {
    credential: { accessKeyId, date, region, service },
    signedHeaders,
    signature: m[3]!,
    amzDate,
    time,
  };
}

function parseAmzDate(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Date.parse(v);
}

/** Encodes as RFC 3986 (smithy `escapeUri`): everything but A–Z a–z 0–9 - _ . ~ is %XX. */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const path = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(path).replace(/%2F/g, '/');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = escapeUri(safeDecode(eq < 0 ? part : part.slice(0, eq)));
    if (key === 'X-Amz-Signature') continue;
    pairs.push([key, escapeUri(safeDecode(eq < 0 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

const sha256hex = (data: string | Buffer): string => hash('sha256', data, 'hex');

export function payloadHash(req: SignedRequest): string {
  const declared = headerValues(req.rawHeaders, 'x-amz-content-sha256')[0];
  const actual = req.body.length === 0 ? EMPTY_SHA256 : sha256hex(req.body);
  if (declared === 'UNSIGNED-PAYLOAD') return req.unsignedPayloadAllowed ? declared : actual;
  if (declared && declared !== actual)
    throw new AuthFailure(
      'signature',
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  return actual;
}

/**
 * The canonical request. S3 is the exception to the path rule: its canonical URI is the path as sent (encoded
 * once, no `.`/`..` normalisation), where every other service normalises it and encodes it again.
 */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[], service = ''): string {
  const q = req.rawUrl.indexOf('?');
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : req.rawUrl.slice(q + 1);
  const headers = signedHeaders
    .map(
      (name) =>
        `${name}:${headerValues(req.rawHeaders, name)
          .map((v) => v.trim().replace(/\s+/g, ' '))
          .join(',')}\n`,
    )
    .join('');
  return [
    req.method,
    service === 's3' ? rawPath || '/' : canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headers,
    signedHeaders.join(';'),
    payloadHash(req),
  ].join('\n');
}

const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** Kept as KeyObjects: an HMAC keyed with a Buffer converts the key on every call (~10× the cost of the HMAC). */
const signingKeys = new Map<string, KeyObject>();

function signingKey(secret: string, c: Credential): KeyObject {
  const cacheKey = `${secret}\n${c.date}\n${c.region}\n${c.service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = createSecretKey(
      hmac(hmac(hmac(hmac(`AWS4${secret}`, c.date), c.region), c.service), 'aws4_request'),
    );
    if (signingKeys.size > 10_000) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

export function computeSignature(req: SignedRequest, parsed: ParsedSignature, secret: string): string {
  const c = parsed.credential;
  const scope = `${c.date}/${c.region}/${c.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    parsed.amzDate,
    scope,
    sha256hex(canonicalRequest(req, parsed.signedHeaders, c.service)),
  ].join('\n');
  return createHmac('sha256', signingKey(secret, c)).update(stringToSign, 'utf8').digest('hex');
}

/** Throws AuthFailure('signature') unless the request carries a valid signature for `secret`. */
export function verifySignature(req: SignedRequest, parsed: ParsedSignature, secret: string): void {
  const expected = Buffer.from(computeSignature(req, parsed, secret), 'utf8');
  const given = Buffer.from(parsed.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new AuthFailure(
      'signature',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
}
