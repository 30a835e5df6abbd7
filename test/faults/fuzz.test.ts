/**
 * A fuzz corpus of malformed input, generated from a fixed seed so every run sends the same cases: SES v2
 * requests built from the model with wrong types, odd path labels and broken bodies; SES v1 and SNS Query
 * requests with junk parameters; raw HTTP the parser refuses; SMTP sessions of malformed commands. Every case
 * must get a clear answer (an AWS-shaped 4xx, or an SMTP reply), the server must keep serving, and nothing may
 * reach the log as an internal or unexpected error.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesModel } from '../../src/adapters/aws/model/ses.generated.ts';
import { sesv2Model } from '../../src/adapters/aws/model/sesv2.generated.ts';
import { snsModel } from '../../src/adapters/aws/model/sns.generated.ts';
import type { ServiceModel } from '../../src/adapters/aws/model/types.ts';
import { signedFetch } from '../support/signed-fetch.ts';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { recordFault } from './results.ts';

let sesame: TestSesame;
let acct: TestAccount;

beforeAll(async () => {
  sesame = await startSesame({ logLevel: 'info' });
  acct = await sesame.createAccount({ production: true });
});
afterAll(async () => sesame?.close());

/** mulberry32: a small seeded PRNG (the corpus is the same on every run). */
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const ODD_STRINGS = [
  '',
  'x',
  'a'.repeat(3000),
  '\u0000',
  'a\u0000b',
  '../../etc/passwd',
  '%00',
  '<script>',
  "'; drop table messages; --",
  'ü@例え.テスト',
  '\ud800',
  ' ',
  'x@y',
  '@',
  'a@b.c'.repeat(100),
  '{"a":1}',
];
const ODD_NUMBERS = [-1, 0, 1, 2 ** 31, 2 ** 53 + 1, 1e20, -1e20, 0.5, 1e308];
/** Path labels as sent (the signer needs valid percent-encoding; the raw-HTTP cases send broken encodings). */
const ODD_LABELS = [
  'x',
  'a%00b',
  'a%2Fb',
  '..',
  '%2e%2e',
  '%C3%BC',
  'a'.repeat(3000),
  '%20',
  '%7B%7D',
  '%FF',
];

/** A value for a shape: often of the right type, sometimes not, never too deep. */
function valueFor(model: ServiceModel, shapeName: string, r: Rng, depth = 0): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || depth > 4 || r.chance(0.15))
    return r.pick<unknown>([null, true, 'str', 42, [], {}, ODD_STRINGS[r.int(ODD_STRINGS.length)]]);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, m] of Object.entries(shape.members))
        if (!m.location && r.chance(0.6)) out[name] = valueFor(model, m.shape, r, depth + 1);
      return out;
    }
    case 'list':
      return Array.from({ length: r.int(4) }, () => valueFor(model, shape.member, r, depth + 1));
    case 'map':
      return { [r.pick(ODD_STRINGS)]: valueFor(model, shape.value, r, depth + 1) };
    case 'string':
      return shape.enum && r.chance(0.5) ? r.pick(shape.enum) : r.pick(ODD_STRINGS);
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return r.pick(ODD_NUMBERS);
    case 'boolean':
      return r.chance(0.5);
    case 'timestamp':
      return r.pick<unknown>([0, -1, 1e15, 'yesterday', '2026-13-45T99:99:99Z']);
    case 'blob':
      return r.pick(['', '!!!not base64!!!', Buffer.from('From: a@b\r\n\r\nx').toString('base64')]);
  }
}

const BROKEN_BODIES = [
  '{',
  '[]',
  'null',
  '"str"',
  '{"a":',
  '\u0000',
  '[['.repeat(5000),
  '{"EmailIdentity":1e400}',
];

interface HttpCase {
  method: string;
  path: string;
  body?: string;
  query?: Record<string, string>;
  service?: string;
  form?: boolean;
}

function v2Cases(n: number, r: Rng): HttpCase[] {
  const ops = Object.values(sesv2Model.operations);
  return Array.from({ length: n }, () => {
    const op = r.pick(ops);
    const path = op.uri.split('?')[0]!.replace(/\{[^}]+\}/g, () => r.pick(ODD_LABELS));
    const body = r.chance(0.2)
      ? r.pick(BROKEN_BODIES)
      : op.input
        ? JSON.stringify(valueFor(sesv2Model, op.input, r))
        : undefined;
    return {
      method: op.method,
      path,
      ...(body !== undefined && op.method !== 'GET' ? { body } : {}),
      ...(r.chance(0.3)
        ? {
            query: {
              PageSize: String(r.pick(ODD_NUMBERS)),
              NextToken: r.pick(ODD_STRINGS.filter((x) => x.isWellFormed())),
            },
          }
        : {}),
    };
  });
}

function queryCases(model: ServiceModel, service: string, n: number, r: Rng): HttpCase[] {
  const actions = Object.keys(model.operations);
  return Array.from({ length: n }, () => {
    const params = new URLSearchParams({ Action: r.chance(0.9) ? r.pick(actions) : r.pick(ODD_STRINGS) });
    for (let i = 0; i < 1 + r.int(5); i++)
      params.append(
        r.pick([
          'Identity',
          'Destination.ToAddresses.member.1',
          'Destinations.member.9',
          'MaxItems',
          'Message.Subject.Data',
          'RawMessage.Data',
          'Tags.member.1.Name',
          'Attributes.entry.1.key',
          'TopicArn',
          r.pick(ODD_STRINGS),
        ]),
        String(r.chance(0.5) ? r.pick(ODD_STRINGS.filter((x) => x.isWellFormed())) : r.pick(ODD_NUMBERS)),
      );
    return { method: 'POST', path: '/', body: params.toString(), service, form: true };
  });
}

const unexpected = () =>
  sesame
    .logs()
    .split('\n')
    .filter((l) => /internal error|unhandled|failed unexpectedly|uncaught/i.test(l));

const counts = { http: 0, raw: 0, smtp: 0 };

describe('fuzz corpus', () => {
  it('SES v2, SES v1 and SNS requests: every one an AWS-shaped 4xx (or a success), never a 5xx', async () => {
    const r = prng(20261201);
    const cases = [
      ...v2Cases(240, r),
      ...queryCases(sesModel, 'ses', 80, r),
      ...queryCases(snsModel, 'sns', 40, r),
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const res = await signedFetch(sesame.url, {
        method: c.method,
        path: c.path,
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.query ? { query: c.query } : {}),
        ...(c.service ? { service: c.service } : {}),
        ...(c.form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
        credentials: acct,
      }).catch((e: Error) => e);
      counts.http++;
      if (res instanceof Error) {
        failures.push(`${c.method} ${c.path.slice(0, 80)}: ${res.message}`);
        continue;
      }
      const text = await res.text();
      const shaped = c.form
        ? /<ErrorResponse[^>]*>[\s\S]*<Code>[^<]+<\/Code>/.test(text)
        : /^\w+$/.test(res.headers.get('x-amzn-errortype') ?? '');
      if (res.status >= 500 || (res.status >= 400 && !shaped) || res.status < 200)
        failures.push(
          `${c.method} ${c.path.slice(0, 80)} ${c.body?.slice(0, 80) ?? ''} → ${res.status} ${text.slice(0, 200)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(unexpected()).toEqual([]);
  }, 120_000);

  it('raw HTTP the parser refuses: a 4xx, and the server serves the next request', async () => {
    const junk = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`,
      'POST /v2/email/identities HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /v2/email/identities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v2/email/identities/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /v2/email/templates/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET / HTTP/1.1\r\nHost x\r\n\r\n',
      '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
    ];
    const port = Number(new URL(sesame.url).port);
    for (const request of junk) {
      const reply = await new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString('latin1')));
        s.on('error', () => undefined);
        s.on('close', () => resolve(text));
        s.on('connect', () => s.write(request, 'latin1'));
        setTimeout(() => s.destroy(), 3000);
      });
      counts.raw++;
      expect(reply, JSON.stringify(request.slice(0, 60))).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(reply).toMatch(/x-amzn-ErrorType: \w+/i);
    }
    expect((await fetch(`${sesame.url}/health`)).status).toBe(200);
  });

  it('SMTP sessions of malformed commands: every line answered with a reply code, the listeners keep serving', async () => {
    const r = prng(7);
    const lines = [
      'EHLO',
      `HELO ${'a'.repeat(2000)}`,
      'MAIL FROM:<',
      'MAIL FROM:<a@b> SIZE=99999999999999999999',
      'MAIL FROM:<a@b> BODY=9BIT',
      'RCPT TO:<>',
      'RCPT TO:<postmaster>',
      'RCPT TO:<b-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0-aaaaaaaa@mx.sesame.test>',
      'DATA',
      'BDAT 10 LAST',
      'AUTH PLAIN !!!!',
      'AUTH PLAIN AGZvbwBiYXI=',
      'AUTH XOAUTH2 abc',
      'AUTH LOGIN',
      'VRFY root',
      'EXPN staff',
      'NOOP',
      'RSET',
      'HELP',
      'XCLIENT ADDR=1.2.3.4',
      'GET / HTTP/1.1',
      '\u0000\u00ff\u00fe',
      'a'.repeat(5000),
      '',
    ];
    const ports = [sesame.smtp.mx, sesame.smtp.starttls];
    const bad: string[] = [];
    const sessions = Array.from({ length: 120 }, () => ({
      port: r.pick(ports),
      sent: ['EHLO fuzz.test', ...Array.from({ length: 1 + r.int(6) }, () => r.pick(lines))],
    }));
    const run = async ({ port, sent }: (typeof sessions)[number]) => {
      const replies = await new Promise<string[]>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString('latin1')));
        s.on('error', () => undefined);
        const done = () => resolve(text.split('\r\n').filter(Boolean));
        s.on('close', done);
        s.on('connect', () => {
          for (const l of sent) s.write(`${l}\r\n`, 'latin1');
          setTimeout(() => s.end('QUIT\r\n'), 150);
        });
        setTimeout(() => s.destroy(), 3000);
      });
      counts.smtp++;
      if (replies.length === 0 || !replies.every((l) => /^\d{3}[ -]/.test(l)))
        bad.push(`${JSON.stringify(sent)} → ${JSON.stringify(replies.slice(0, 5))}`);
    };
    for (let i = 0; i < sessions.length; i += 8) await Promise.all(sessions.slice(i, i + 8).map(run));
    expect(bad).toEqual([]);
    for (const port of ports) {
      const greeting = await new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('data', (d: Buffer) => {
          resolve(d.toString());
          s.destroy();
        });
      });
      expect(greeting).toMatch(/^220 /);
    }
    expect(unexpected()).toEqual([]);
    recordFault({
      promise: 'every refusal is clear; the node keeps serving',
      fault:
        'fuzz corpus (seeded): model-driven SES v2 requests, SES v1/SNS Query junk, raw HTTP, SMTP command junk',
      tried: `${counts.http} API requests, ${counts.raw} raw HTTP requests, ${counts.smtp} SMTP sessions`,
      held: 'every API answer a success or an AWS-shaped 4xx, 0 × 5xx; every raw request a 4xx with x-amzn-ErrorType; every SMTP line answered with a reply code; listeners serving after; 0 internal errors logged',
    });
  }, 120_000);
});
