/**
 * Scenario a — API accept: SES v2 SendEmail with real SigV4 signatures. Requests are signed once (1,000
 * distinct recipients) and replayed by autocannon over 64 connections; 2 KB messages. Delivery is paused on the
 * node so the figure is the accept path alone (API, checks, MIME, durable commit). Reference: a bare Node.js
 * HTTP server answering the same requests with the same load tool.
 */
import autocannon from 'autocannon';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { fileURLToPath } from 'node:url';
import { BenchNode } from '../lib/node.ts';
import { rssMiB, startChild, stopChild } from '../lib/measure.ts';
import { freePort } from '../../test/support/sesame.ts';
import type { Db, ScenarioResult } from '../run.ts';

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function signedRequests(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  from = 'bench@sender.bench',
) {
  const u = new URL(url);
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 'ses',
    sha256: Hash.bind(null, 'sha256'),
  });
  const text = 'x'.repeat(2048);
  const requests = [];
  for (let i = 0; i < 1000; i++) {
    const body = JSON.stringify({
      FromEmailAddress: from,
      Destination: { ToAddresses: [`r${i}@sink.bench`] },
      Content: { Simple: { Subject: { Data: `Bench ${i}` }, Body: { Text: { Data: text } } } },
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/v2/email/outbound-emails',
        headers: { host: u.host, 'content-type': 'application/json' },
        body,
      }),
    );
    requests.push({
      method: 'POST',
      path: '/v2/email/outbound-emails',
      headers: { ...signed.headers } as Record<string, string>,
      body,
    });
  }
  return requests;
}

export async function load(
  url: string,
  requests: unknown[],
  amount: number,
  connections = 64,
): Promise<LoadResult> {
  const r = await autocannon({ url, connections, amount, requests });
  return {
    perSecond: Math.round(r.requests.total / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** The bare HTTP server: same requests, same tool. */
async function measureBare(requests: number, warmup: number): Promise<LoadResult> {
  const bare = await startChild(fileURLToPath(new URL('../lib/bare-http.ts', import.meta.url)));
  const bareUrl = `http://127.0.0.1:${bare.firstLine}`;
  try {
    const reqs = await signedRequests(bareUrl, {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'x'.repeat(40),
    });
    await load(bareUrl, reqs, warmup);
    return await load(bareUrl, reqs, requests);
  } finally {
    await stopChild(bare.child);
  }
}

/**
 * aws-ses-v2-local (npm), the SES emulator a user choosing one for CI compares with: it keeps mail in memory
 * and delivers nothing (it checks no signature). The same signed requests.
 */
async function measureAwsSesV2Local(requests: number, warmup: number): Promise<LoadResult> {
  const port = await freePort();
  const cli = fileURLToPath(new URL('../../node_modules/aws-ses-v2-local/dist/cli.js', import.meta.url));
  const local = await startChild(cli, ['--host', '127.0.0.1', '--port', String(port)], /server running/);
  const url = `http://127.0.0.1:${port}`;
  try {
    const reqs = await signedRequests(url, {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'x'.repeat(40),
    });
    await load(url, reqs, warmup);
    const r = await load(url, reqs, requests);
    if (r.non2xx || r.errors)
      throw new Error(`aws-ses-v2-local: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return r;
  } finally {
    await stopChild(local.child);
  }
}

async function measureSesame(
  db: Db,
  requests: number,
  warmup: number,
): Promise<LoadResult & { rssMiB: number }> {
  const node = await BenchNode.start({ db, env: { SESAME_DELIVERY_PAUSED: 'true' } });
  try {
    const reqs = await signedRequests(node.url, node.credentials);
    await load(node.url, reqs, warmup);
    const r = await load(node.url, reqs, requests);
    if (r.non2xx || r.errors) throw new Error(`API accept: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return { ...r, rssMiB: rssMiB(node.process.pid!) };
  } finally {
    await node.stop();
  }
}

/** Two interleaved rounds (reference, Sesame, aws-ses-v2-local; then again), each on a fresh process. */
export async function apiAccept(db: Db, requests: number): Promise<ScenarioResult> {
  const warmup = Math.min(5000, Math.ceil(requests / 10));
  const rounds: { reference: LoadResult; sesame: LoadResult & { rssMiB: number }; local: LoadResult }[] = [];
  for (let round = 0; round < 2; round++)
    rounds.push({
      reference: await measureBare(requests, warmup),
      sesame: await measureSesame(db, requests, warmup),
      local: await measureAwsSesV2Local(requests, warmup),
    });
  const mean = (f: (r: (typeof rounds)[number]) => number) =>
    Math.round(rounds.reduce((t, r) => t + f(r), 0) / rounds.length);
  const sesame = mean((r) => r.sesame.perSecond);
  const reference = mean((r) => r.reference.perSecond);
  const worstP99 = Math.max(...rounds.map((r) => r.sesame.p99));
  return {
    id: 'a',
    name: 'API accept (SendEmail, SigV4, 2 KB, 64 connections)',
    unit: 'accepted/s',
    sesame,
    reference,
    referenceName: 'bare Node.js HTTP server',
    ratio: sesame / reference,
    details: { requests, warmup, rounds },
    runs: rounds.map((r) => ({ sesame: r.sesame.perSecond, reference: r.reference.perSecond })),
    others: [{ name: 'aws-ses-v2-local', values: rounds.map((r) => r.local.perSecond) }],
    targets: [
      { what: '≥ 10,000 accepted/s', met: sesame >= 10_000 },
      { what: 'p99 < 20 ms', met: worstP99 < 20 },
      { what: '≥ 0.2 × bare HTTP', met: sesame >= 0.2 * reference },
    ],
  };
}
