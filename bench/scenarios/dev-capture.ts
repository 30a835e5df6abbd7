/**
 * Scenario g — development mode: the same signed SendEmail requests as scenario a against a node in
 * development mode with delivery running, so every accepted message is also captured (DKIM-signed, committed
 * to the captured-mail table) instead of delivered. Measures the accept rate and the end-to-end rate until the
 * last message is in the inbox (`total` of the JSON API). The reference is the accept rate of the same run.
 */
import { BenchNode } from '../lib/node.ts';
import { rssMiB } from '../lib/measure.ts';
import type { Db, ScenarioResult } from '../run.ts';
import { load, signedRequests } from './api-accept.ts';

async function capturedTotal(url: string): Promise<number> {
  const res = await fetch(`${url}/api/dev/messages?limit=1`);
  return ((await res.json()) as { total: number }).total;
}

export async function devCapture(db: Db, requests: number): Promise<ScenarioResult> {
  const node = await BenchNode.start({ db, env: { SESAME_DEV: 'true' } });
  try {
    const reqs = await signedRequests(node.url, node.credentials);
    const started = performance.now();
    const accepted = await load(node.url, reqs, requests);
    if (accepted.non2xx || accepted.errors)
      throw new Error(`development mode: ${accepted.non2xx} non-2xx answers, ${accepted.errors} errors`);
    const deadline = Date.now() + 600_000;
    let total = 0;
    while ((total = await capturedTotal(node.url)) < requests) {
      if (Date.now() > deadline) throw new Error(`only ${total} of ${requests} messages were captured`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const captured = Math.round(requests / seconds);
    return {
      id: 'g',
      name: 'Development mode: SendEmail accepted and captured (SigV4, 2 KB, 64 connections)',
      unit: 'captured/s',
      sesame: captured,
      reference: accepted.perSecond,
      referenceName: 'accepted/s of the same run',
      ratio: captured / accepted.perSecond,
      details: { requests, seconds, accepted, captured: total, rssMiB: rssMiB(node.process.pid!) },
      targets: [{ what: 'every accepted message captured', met: total === requests }],
    };
  } finally {
    await node.stop();
  }
}
