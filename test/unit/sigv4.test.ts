import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  AuthFailure,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  computeSignature,
  parseSignature,
  verifySignature,
} from '../../src/adapters/aws/sigv4.ts';

const vanilla = {
  method: 'GET',
  rawUrl: '/',
  rawHeaders: [
    'Host',
    'example.amazonaws.com',
    'X-Amz-Date',
    '20150830T123600Z',
    'Authorization',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  ],
  body: Buffer.alloc(0),
};
const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const at = Date.UTC(2015, 7, 30, 12, 36, 0);

describe('SigV4 verification', () => {
  it('reproduces the AWS test suite case get-vanilla', () => {
    const cr = canonicalRequest(vanilla, ['host', 'x-amz-date']);
    expect(createHash('sha256').update(cr).digest('hex')).toBe(
      'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
    const parsed = parseSignature(vanilla, at);
    expect(computeSignature(vanilla, parsed, secret)).toBe(
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(() => verifySignature(vanilla, parsed, secret)).not.toThrow();
  });

  it('rejects a wrong secret and a tampered body', () => {
    const parsed = parseSignature(vanilla, at);
    expect(() => verifySignature(vanilla, parsed, 'x' + secret.slice(1))).toThrow(AuthFailure);
    expect(() => verifySignature({ ...vanilla, body: Buffer.from('x') }, parsed, secret)).toThrow(
      /signature/,
    );
  });

  it('double-encodes the raw path as non-S3 services do', () => {
    expect(canonicalUri('/v2/email/identities/user%40example.com')).toBe(
      '/v2/email/identities/user%2540example.com',
    );
    expect(canonicalUri('/a/./b/../c/')).toBe('/a/c/');
    expect(canonicalUri('')).toBe('/');
  });

  it('canonicalises the query string', () => {
    expect(canonicalQuery('b=2&a=1&a=0&Reason=BOUNCE&x=a%20b&y=a+b')).toBe(
      'Reason=BOUNCE&a=0&a=1&b=2&x=a%20b&y=a%2Bb',
    );
  });

  it('refuses requests outside the 15-minute window', () => {
    expect(() => parseSignature(vanilla, at + 16 * 60_000)).toThrow(/Signature expired/);
    expect(() => parseSignature(vanilla, at - 16 * 60_000)).toThrow(/not yet current/);
  });

  it('reports a missing Authorization header', () => {
    try {
      parseSignature({ ...vanilla, rawHeaders: vanilla.rawHeaders.slice(0, 4) }, at);
      expect.fail('no error');
    } catch (err) {
      expect((err as AuthFailure).kind).toBe('missing');
    }
  });
});
