/**
 * The HTTP listener against slow and hostile clients: a request body sent slowly is cut off, a connection
 * flood meets a cap, the process running out of file descriptors keeps serving what it can, an unsigned
 * payload is not taken on the SES and SNS APIs, and bad input gets an AWS-shaped 4xx, never a 5xx.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListEmailIdentitiesCommand } from '@aws-sdk/client-sesv2';
import { signedFetch } from '../support/signed-fetch.ts';
import { startNodeFixture } from '../support/node-fixture.ts';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { recordFault } from './results.ts';

let sesame: TestSesame;
let acct: TestAccount;
const figures: [tried: string, held: string][] = [];

beforeAll(async () => {
  sesame = await startSesame({ httpRequestTimeoutSeconds: 1, httpMaxConnections: 20 });
  acct = await sesame.createAccount();
});
afterAll(async () => sesame?.close());

const port = () => Number(new URL(sesame.url).port);

function rawConnection(p: number): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(p, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, text: () => text, closed }));
    socket.once('error', reject);
  });
}

describe('slow and many HTTP clients', () => {
  it('a body sent one byte at a time is answered 408 RequestTimeoutException when the request timeout passes', async () => {
    const c = await rawConnection(port());
    c.socket.write(
      'POST /v2/email/outbound-emails HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
    );
    const started = Date.now();
    const trickle = setInterval(() => c.socket.writable && c.socket.write('a'), 100);
    await c.closed;
    clearInterval(trickle);
    const seconds = (Date.now() - started) / 1000;
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(c.text()).toMatch(/x-amzn-ErrorType: RequestTimeoutException/i);
    expect(seconds).toBeLessThan(4);
    // And the server serves the next client.
    expect((await acct.v2.send(new ListEmailIdentitiesCommand({}))).EmailIdentities).toEqual([]);
    figures.push(['a body sent 1 byte per 100 ms', `408 after ${seconds.toFixed(1)} s (timeout 1 s)`]);
  });

  it('past the connection cap new connections are closed, logged once, and served again once some end', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => rawConnection(port())));
    const dropped = [];
    for (let i = 0; i < 10; i++) {
      const c = await rawConnection(port());
      c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.closed;
      dropped.push(c.text());
    }
    expect(dropped.every((t) => t === '')).toBe(true);
    expect(sesame.logs().match(/HTTP connection cap reached/g)).toHaveLength(1);
    for (const c of held) c.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${sesame.url}/health`)).status).toBe(200);
    figures.push(['30 connections, cap 20', '10 closed at once, 1 log line, served again after']);
  });
});

describe('SigV4 payload', () => {
  it('x-amz-content-sha256: UNSIGNED-PAYLOAD is not taken: the body must be signed', async () => {
    const body = JSON.stringify({ EmailIdentity: 'unsigned.test' });
    const res = await signedFetch(sesame.url, {
      path: '/v2/email/identities',
      body,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      credentials: acct,
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const listed = await acct.v2.send(new ListEmailIdentitiesCommand({}));
    expect(listed.EmailIdentities).toEqual([]);
    // The same over the Query API (SNS and SES v1 share POST /).
    const query = await signedFetch(sesame.url, {
      path: '/',
      body: 'Action=ListTopics&Version=2010-03-31',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      service: 'sns',
      credentials: acct,
    });
    expect(query.status).toBe(403);
    expect(await query.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    figures.push([
      'UNSIGNED-PAYLOAD on SES v2 and SNS',
      '403 InvalidSignatureException / SignatureDoesNotMatch',
    ]);
  });
});

describe('bad input gets an AWS-shaped 4xx', () => {
  const cases: {
    name: string;
    path: string;
    method?: string;
    query?: Record<string, string>;
    service?: string;
    body?: string;
  }[] = [
    {
      name: 'PageSize beyond 64 bits',
      path: '/v2/email/identities',
      method: 'GET',
      query: { PageSize: '100000000000000000000' },
    },
    {
      name: 'PageSize beyond 32 bits',
      path: '/v2/email/identities',
      method: 'GET',
      query: { PageSize: '4294967296' },
    },
    {
      name: 'negative PageSize',
      path: '/v2/email/configuration-sets',
      method: 'GET',
      query: { PageSize: '-1' },
    },
    {
      name: 'PageSize too large for ListSuppressedDestinations',
      path: '/v2/email/suppression/addresses',
      method: 'GET',
      query: { PageSize: '1000000' },
    },
    { name: 'a NUL in a path label', path: '/v2/email/identities/a%00b', method: 'GET' },
    {
      name: 'a NUL in a JSON string',
      path: '/v2/email/identities',
      body: JSON.stringify({ EmailIdentity: 'a\u0000b.test' }),
    },
    {
      name: 'v1 MaxItems beyond 64 bits',
      path: '/',
      body: 'Action=ListIdentities&MaxItems=100000000000000000000',
    },
    { name: 'v1 MaxItems out of range', path: '/', body: 'Action=ListConfigurationSets&MaxItems=5000' },
  ];
  it.each(cases)('$name', async (c) => {
    const res = await signedFetch(sesame.url, {
      method: c.method ?? 'POST',
      path: c.path,
      ...(c.query ? { query: c.query } : {}),
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.path === '/' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      credentials: acct,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (c.path === '/') expect(await res.text()).toMatch(/<ErrorResponse[^>]*>[\s\S]*<Code>\w+<\/Code>/);
    else expect(res.headers.get('x-amzn-errortype')).toMatch(/^\w+$/);
  });

  it('malformed percent-encoding in the URL: 400 with x-amzn-ErrorType', async () => {
    for (const path of ['/v2/email/identities/%E0%A4%A', '/v2/email/identities/%zz', '/unsubscribe/%']) {
      const res = await fetch(`${sesame.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('x-amzn-errortype'), path).toBe('BadRequestException');
      expect(JSON.parse(await res.text())).toHaveProperty('message');
    }
    figures.push([`${cases.length + 3} malformed inputs`, 'all 4xx with an AWS error shape']);
  });
});

describe('out of file descriptors', () => {
  it('the node keeps its connections, logs once, and accepts again when descriptors are free', async () => {
    const fixture = await startNodeFixture({ wrapper: ['prlimit', '--nofile=300:300'] });
    try {
      const held: Socket[] = [];
      for (let i = 0; i < 400; i++) {
        const c = await rawConnection(fixture.ports.http).catch(() => undefined);
        if (c) held.push(c.socket);
      }
      // The node checks its descriptors every 2 s: while they are held, the episode is logged.
      const logged = () =>
        fixture.node.output.split('\n').filter((l) => l.includes('out of file descriptors'));
      for (let i = 0; i < 50 && logged().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(fixture.node.pid).toBeDefined();
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 500));
      expect((await fetch(`${fixture.node.url}/health`)).status).toBe(200);
      expect(logged()).toHaveLength(1);
      figures.push(['400 connections at a 300-descriptor limit', 'node up, 1 log line, served again after']);
      recordFault({
        promise: 'the node keeps serving under hostile HTTP clients',
        fault: 'slow bodies, connection floods, descriptor exhaustion, unsigned payloads, malformed input',
        tried: figures.map(([t]) => t).join('; '),
        held: figures.map(([, h]) => h).join('; '),
      });
    } finally {
      await fixture.close();
    }
  }, 60_000);
});
