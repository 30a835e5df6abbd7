import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, dkimKey, relaxedBodyHash } from '../../src/lib/dkim-signer.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const p = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const dns = JSON.stringify({ 'sel._domainkey.example.com': `v=DKIM1; k=rsa; p=${p}` });

/** python3-dkim (dkimpy), independent of the signer under test. */
function pythonVerifies(message: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/python3',
      [new URL('../support/dkim_verify.py', import.meta.url).pathname, dns],
      (err) => resolve(!err),
    );
    child.stdin!.end(message);
  });
}

const sign = (m: string) =>
  dkimSign(Buffer.from(m, 'utf8'), dkimKey('example.com', 'sel', pem), 1_700_000_000_000);

describe('DKIM signer', () => {
  it('hashes the body with relaxed canonicalization (RFC 6376 §3.4.4)', () => {
    // Trailing whitespace, inner whitespace runs and trailing empty lines do not change the hash.
    expect(relaxedBodyHash(Buffer.from('Hi  there \t\r\nbye\r\n\r\n\r\n'))).toBe(
      relaxedBodyHash(Buffer.from('Hi there\r\nbye\r\n')),
    );
    expect(relaxedBodyHash(Buffer.from('Hi there\r\nbye'))).toBe(
      relaxedBodyHash(Buffer.from('Hi there\r\nbye\r\n')),
    );
    // sha256("Hi there\r\nbye\r\n"), as python3 computes it; a body without whitespace to reduce is hashed as is.
    expect(relaxedBodyHash(Buffer.from('Hi there\r\nbye\r\n\r\n'))).toBe(
      '1GGHND/w7E2MgWBg+8h04Acwo1A4HJcbyP7dAfQ70eg=',
    );
    // An empty body hashes as empty under relaxed.
    expect(relaxedBodyHash(Buffer.alloc(0))).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(relaxedBodyHash(Buffer.from('\r\n\r\n'))).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('signatures verify with python3-dkim across awkward messages', async () => {
    const cases = [
      'From: a@example.com\r\nTo: b@example.org\r\nSubject: plain\r\n\r\nHello\r\n',
      'From: "A  B" <a@example.com>\r\nSubject:   spaced   out   \r\nTo: b@example.org,\r\n\t c@example.org\r\n\r\nLine with trailing space   \r\n\r\n\r\n',
      'From: a@example.com\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n',
      'From: a@example.com\r\nSubject: empty body\r\n\r\n',
      'From: a@example.com\r\nSubject: first\r\nSubject: second\r\n\r\nTwo subjects: the last one is signed.\r\n',
    ];
    for (const c of cases) {
      const signed = await sign(c);
      expect(signed.toString('latin1')).toMatch(
        /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com; s=sel; t=1700000000;\r\n\th=From:/,
      );
      expect(await pythonVerifies(signed), c).toBe(true);
    }
  });

  it('a changed body or signed header breaks the signature', async () => {
    const signed = (await sign('From: a@example.com\r\nSubject: original\r\n\r\nbody\r\n')).toString(
      'latin1',
    );
    expect(await pythonVerifies(Buffer.from(signed.replace('body', 'BODY'), 'latin1'))).toBe(false);
    expect(
      await pythonVerifies(Buffer.from(signed.replace('Subject: original', 'Subject: changed'), 'latin1')),
    ).toBe(false);
  });
});
