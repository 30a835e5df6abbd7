/**
 * Scenario h — several nodes and several workers (issue 19's "scenario f"; f was taken by receiving):
 * - API accept (SendEmail, SigV4, 2 KB, delivery paused) on PostgreSQL with 1, 2 and 3 nodes on one schema,
 *   the 64 connections split over the nodes;
 * - API accept with `--workers 1` and `--workers 2` on one node, on the run's database;
 * - SMTP relay end to end (as scenario b) with 1, 2 and 3 nodes on PostgreSQL, and with `--workers 1` and
 *   `--workers 2`.
 * Same run, same load tool. On a 2-core machine the load generator, PostgreSQL and the nodes share the cores,
 * so each row also says how many CPU-seconds each component used; docs/performance.md works the per-core
 * figures out from them.
 */
import { execFileSync } from 'node:child_process';
import { BenchNode } from '../lib/node.ts';
import { cpuOf } from '../lib/measure.ts';
import { load, signedRequests } from './api-accept.ts';
import { sesameRelay } from './smtp-relay.ts';
import { startCluster } from '../../test/support/cluster.ts';
import { freePort } from '../../test/support/sesame.ts';
import { SmtpSinkProcess, smtpSource } from '../lib/postfix.ts';
import type { Db, ScenarioResult } from '../run.ts';

const postgresPids = () => {
  try {
    return execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

interface Row {
  setup: string;
  perSecond: number;
  p99: number;
  /** CPU-seconds per 1,000 messages: the Sesame processes, PostgreSQL, the load generator. */
  cpuPer1000: { sesame: number; postgres: number; load: number };
}

/** Runs `work` while counting the CPU the given Sesame processes, PostgreSQL and this process use. */
async function measured(
  sesamePids: number[],
  messages: number,
  work: () => Promise<{ perSecond: number; p99: number }>,
): Promise<Omit<Row, 'setup'>> {
  const pg = postgresPids();
  const before = {
    sesame: sesamePids.reduce((n, p) => n + cpuOf(p), 0),
    postgres: pg.reduce((n, p) => n + cpuOf(p), 0),
    load: process.cpuUsage(),
  };
  const r = await work();
  const load = process.cpuUsage(before.load);
  const per = (s: number) => Math.round((s / messages) * 1000 * 1000) / 1000;
  return {
    perSecond: r.perSecond,
    p99: r.p99,
    cpuPer1000: {
      sesame: per(sesamePids.reduce((n, p) => n + cpuOf(p), 0) - before.sesame),
      postgres: per(pg.reduce((n, p) => n + cpuOf(p), 0) - before.postgres),
      load: per((load.user + load.system) / 1e6),
    },
  };
}

async function apiOnCluster(count: number, requests: number): Promise<Row> {
  const cluster = await startCluster(count, { SESAME_DELIVERY_PAUSED: 'true' });
  try {
    const urls = cluster.nodes.map((n) => n.process.url);
    const reqs = await Promise.all(urls.map((u) => signedRequests(u, cluster.creds, 'bench@sender.test')));
    const connections = Math.floor(64 / count);
    const each = Math.floor(requests / count);
    await Promise.all(urls.map((u, i) => load(u, reqs[i]!, Math.ceil(each / 10), connections)));
    const r = await measured(
      cluster.nodes.map((n) => n.process.pid!),
      each * count,
      async () => {
        const started = Date.now();
        const runs = await Promise.all(urls.map((u, i) => load(u, reqs[i]!, each, connections)));
        if (runs.some((x) => x.non2xx || x.errors)) throw new Error(`nodes: ${JSON.stringify(runs)}`);
        return {
          perSecond: Math.round((each * count) / ((Date.now() - started) / 1000)),
          p99: Math.max(...runs.map((x) => x.p99)),
        };
      },
    );
    return { setup: `${count} node${count > 1 ? 's' : ''} on PostgreSQL`, ...r };
  } finally {
    await cluster.close();
  }
}

/** SMTP relay end to end (as scenario b, 2 KB, 20 sessions split over the nodes) on `count` nodes. */
async function relayOnCluster(count: number, messages: number): Promise<Row> {
  const sinkPort = await freePort();
  const cluster = await startCluster(count, { SESAME_DELIVERY_PORT: String(sinkPort) }, { trusted: true });
  cluster.dns.set('sink.bench', { mx: [{ exchange: 'mx.sink.bench', priority: 10 }] });
  cluster.dns.set('mx.sink.bench', { a: ['127.0.0.1'] });
  const each = Math.floor(messages / count);
  const sink = new SmtpSinkProcess(sinkPort, each * count);
  try {
    const r = await measured(
      cluster.nodes.map((n) => n.process.pid!),
      each * count,
      async () => {
        const started = Date.now();
        await Promise.all(
          cluster.nodes.map((n) =>
            smtpSource({
              port: n.ports.trusted,
              messages: each,
              sessions: Math.ceil(20 / count),
              size: 2048,
              from: 'bench@sender.test',
              to: 'r@sink.bench',
            }),
          ),
        );
        await sink.done;
        return { perSecond: Math.round((each * count) / ((Date.now() - started) / 1000)), p99: 0 };
      },
    );
    return { setup: `SMTP relay, ${count} node${count > 1 ? 's' : ''} on PostgreSQL`, ...r };
  } finally {
    sink.stop();
    await cluster.close();
  }
}

async function apiWithWorkers(db: Db, workers: number, requests: number): Promise<Row> {
  const node = await BenchNode.start({
    db,
    env: { SESAME_DELIVERY_PAUSED: 'true', SESAME_WORKERS: String(workers) },
  });
  try {
    const reqs = await signedRequests(node.url, node.credentials);
    await load(node.url, reqs, Math.ceil(requests / 10));
    const r = await measured([node.process.pid!], requests, async () => {
      const x = await load(node.url, reqs, requests);
      if (x.non2xx || x.errors) throw new Error(`workers: ${JSON.stringify(x)}`);
      return x;
    });
    return { setup: `--workers ${workers} on ${db}`, ...r };
  } finally {
    await node.stop();
  }
}

export async function nodes(db: Db, requests: number, relayMessages: number, log: (s: string) => void) {
  const api: Row[] = [];
  if (db === 'postgres')
    for (const n of [1, 2, 3]) {
      api.push(await apiOnCluster(n, requests));
      log(`   API, ${api.at(-1)!.setup}: ${api.at(-1)!.perSecond}/s`);
    }
  for (const w of [1, 2]) {
    api.push(await apiWithWorkers(db, w, requests));
    log(`   API, ${api.at(-1)!.setup}: ${api.at(-1)!.perSecond}/s`);
  }
  const relay: Row[] = [];
  if (db === 'postgres')
    for (const n of [1, 2, 3]) {
      relay.push(await relayOnCluster(n, relayMessages));
      log(`   ${relay.at(-1)!.setup}: ${relay.at(-1)!.perSecond}/s`);
    }
  for (const w of [1, 2]) {
    const r = await sesameRelay(db, relayMessages, 2048, { SESAME_WORKERS: String(w) });
    relay.push({
      setup: `SMTP relay, --workers ${w} on ${db}`,
      perSecond: r.messagesPerSecond,
      p99: 0,
      cpuPer1000: { sesame: 0, postgres: 0, load: 0 },
    });
    log(`   ${relay.at(-1)!.setup}: ${r.messagesPerSecond}/s`);
  }
  const one =
    api.find((r) => r.setup.startsWith('1 node')) ?? api.find((r) => r.setup.startsWith('--workers 1'))!;
  const best = api.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const result: ScenarioResult = {
    id: 'h',
    name: 'several nodes and workers (API accept and SMTP relay)',
    unit: 'accepted/s (best setup)',
    sesame: best.perSecond,
    reference: one.perSecond,
    referenceName: one.setup,
    ratio: best.perSecond / one.perSecond,
    details: { requests, relayMessages, api, relay },
    targets: [],
  };
  return result;
}
