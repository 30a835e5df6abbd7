/**
 * DKIM signing (RFC 6376): rsa-sha256, relaxed/relaxed, the usual header set. The body hash is computed once
 * per message; the RSA signature runs on libuv's thread pool (async `crypto.sign`), off the event loop.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const signAsync = promisify(sign);

/** Headers signed when present, in this order (From is always there). */
export const SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Feedback-ID',
];

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: KeyObject;
}

const keyCache = new Map<string, KeyObject>();

/** Parses (and caches) a PEM private key. */
export function dkimKey(domain: string, selector: string, pem: string): DkimKey {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(pem, key);
  }
  return { domain, selector, privateKey: key };
}

/** Relaxed body canonicalization (RFC 6376 §3.4.4), hashed with SHA-256, base64. */
export function relaxedBodyHash(body: Buffer): string {
  // Most bodies have no whitespace that relaxed canonicalisation changes: hash their bytes as they are
  // (native scans, no 100 KB string copies and regular expressions).
  const rewrite = body.includes(9) || body.includes('  ') || body.includes(' \r\n') || body.at(-1) === 32;
  if (!rewrite) {
    let end = body.length;
    while (end >= 2 && body[end - 2] === 13 && body[end - 1] === 10) end -= 2;
    const hash = createHash('sha256');
    if (end > 0) hash.update(body.subarray(0, end)).update('\r\n');
    return hash.digest('base64');
  }
  let s = body.toString('latin1');
  if (/[ \t]/.test(s))
    s = s
      .replace(/[ \t]+/g, ' ')
      .replace(/ \r\n/g, '\r\n')
      .replace(/ $/, '');
  let end = s.length;
  while (end >= 2 && s.charCodeAt(end - 2) === 13 && s.charCodeAt(end - 1) === 10) end -= 2;
  s = s.slice(0, end);
  const hash = createHash('sha256');
  if (s.length > 0) hash.update(s, 'latin1').update('\r\n');
  return hash.digest('base64');
}

/** Relaxed header canonicalization of one field given as `Name: value` (possibly folded). */
export function relaxedHeader(name: string, rawValue: string): string {
  const value = rawValue
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name.toLowerCase()}:${value}`;
}

interface RawField {
  name: string;
  value: string;
}

function headerFields(head: string): RawField[] {
  const fields: RawField[] = [];
  for (const line of head.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      fields[fields.length - 1]!.value += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1) });
  }
  return fields;
}

/**
 * Returns the message with a DKIM-Signature header prepended. The message must use CRLF line endings
 * (Sesame normalises every message at acceptance).
 */
export async function dkimSign(message: Buffer, key: DkimKey, now: number = Date.now()): Promise<Buffer> {
  let split = message.indexOf('\r\n\r\n');
  const bodyOffset = split < 0 ? message.length : split + 4;
  if (split < 0) split = message.length;
  const fields = headerFields(message.subarray(0, split).toString('latin1'));
  const bh = relaxedBodyHash(message.subarray(bodyOffset));

  // Each listed name signs the last instance of that field (bottom-up), per RFC 6376 §5.4.2.
  const signed: string[] = [];
  const canon: string[] = [];
  for (const name of SIGNED_HEADERS) {
    const lower = name.toLowerCase();
    for (let i = fields.length - 1; i >= 0; i--) {
      if (fields[i]!.name.toLowerCase() !== lower) continue;
      signed.push(name);
      canon.push(relaxedHeader(fields[i]!.name, fields[i]!.value));
      break;
    }
  }
  const tags = `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${key.domain}; s=${key.selector}; t=${Math.floor(now / 1000)}; h=${signed.join(':')}; bh=${bh}; b=`;
  const data = `${canon.join('\r\n')}\r\n${relaxedHeader('DKIM-Signature', ` ${tags}`)}`;
  const signature = (await signAsync('sha256', Buffer.from(data, 'latin1'), key.privateKey)).toString(
    'base64',
  );
  // Fold at "; " (canonicalisation turns the fold back into the single space that was signed).
  const folded =
    ` ${tags}`.replace(/; (h=|bh=|b=)/g, ';\r\n\t$1') +
    signature.replace(/(.{72})/g, '$1\r\n\t').replace(/\r\n\t$/, '');
  return Buffer.concat([Buffer.from(`DKIM-Signature:${folded}\r\n`, 'latin1'), message]);
}
