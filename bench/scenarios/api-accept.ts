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

export async function apiAccept(db: Db, requests: number): Promise<ScenarioResult> {
  const warmup = Math.min(5000, Math.ceil(requests / 10));
  // Reference: the bare HTTP server, same requests, same tool.
  const bare = await startChild(fileURLToPath(new URL('../lib/bare-http.ts', import.meta.url)));
  const bareUrl = `http://127.0.0.1:${bare.firstLine}`;
  let reference: LoadResult;
  try {
    const reqs = await signedRequests(bareUrl, {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'x'.repeat(40),
    });
    await load(bareUrl, reqs, warmup);
    reference = await load(bareUrl, reqs, requests);
  } finally {
    await stopChild(bare.child);
  }

  const node = await BenchNode.start({ db, env: { SESAME_DELIVERY_PAUSED: 'true' } });
  try {
    const reqs = await signedRequests(node.url, node.credentials);
    await load(node.url, reqs, warmup);
    const sesame = await load(node.url, reqs, requests);
    if (sesame.non2xx || sesame.errors)
      throw new Error(`API accept: ${sesame.non2xx} non-2xx answers, ${sesame.errors} errors`);
    return {
      id: 'a',
      name: 'API accept (SendEmail, SigV4, 2 KB, 64 connections)',
      unit: 'accepted/s',
      sesame: sesame.perSecond,
      reference: reference.perSecond,
      referenceName: 'bare Node.js HTTP server',
      ratio: sesame.perSecond / reference.perSecond,
      details: {
        requests,
        warmup,
        sesame: { ...sesame, rssMiB: rssMiB(node.process.pid!) },
        reference,
      },
      targets: [
        { what: '≥ 10,000 accepted/s', met: sesame.perSecond >= 10_000 },
        { what: 'p99 < 20 ms', met: sesame.p99 < 20 },
        { what: '≥ 0.2 × bare HTTP', met: sesame.perSecond >= 0.2 * reference.perSecond },
      ],
    };
  } finally {
    await node.stop();
  }
}
