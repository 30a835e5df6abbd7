/**
 * A/B of the API accept path (scenario a's requests) between this checkout and another one — how issue 21's
 * "each step measured A/B in the same run" is done:
 *
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node bench/ab-accept.ts /tmp/before [--rounds 4] [--requests 30000] [--db sqlite|postgres]
 *
 * Rounds alternate (B, A, B, A, …), each on a fresh node and data directory, pinned as the other scenarios.
 * Besides accepted/s (which moves with the machine's speed from minute to minute) each round reports the
 * server's CPU time per accepted request (user + system of every thread, from /proc): the figure that says
 * whether a change removed work, and the one to compare when the rates of a pair are within their noise.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pinSelfToLoadCores, pinning } from './lib/cpus.ts';
import { cpuOf } from './lib/measure.ts';
import { BenchNode } from './lib/node.ts';
import { load, signedRequests } from './scenarios/api-accept.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '4' },
    requests: { type: 'string', default: '30000' },
    db: { type: 'string', default: 'sqlite' },
  },
});
const other = positionals[0];
if (!other) {
  process.stderr.write(
    'usage: node bench/ab-accept.ts <other checkout> [--rounds N] [--requests N] [--db D]\n',
  );
  process.exit(2);
}
const db = values.db === 'postgres' ? 'postgres' : 'sqlite';
const requests = Number(values.requests);
const warmup = Math.min(5000, Math.ceil(requests / 5));
const sides = [
  { name: 'B', bin: resolve(other, 'bin/sesame.js') },
  { name: 'A', bin: undefined },
] as const;

/** Accept transactions committed so far and their seconds (the node's histogram of commit durations). */
async function acceptCommits(url: string): Promise<{ count: number; seconds: number }> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer ab-accept' } });
  const text = await res.text();
  const read = (what: string) =>
    Number(
      new RegExp(
        `^sesame_database_commit_duration_seconds_${what}\\{[^}]*kind="accept"[^}]*\\} ([\\d.e+-]+)`,
        'm',
      ).exec(text)?.[1] ?? NaN,
    );
  return { count: read('count'), seconds: read('sum') };
}

pinSelfToLoadCores();
process.stderr.write(
  `pinning: ${pinning ? JSON.stringify(pinning) : 'none'}; B = ${other}, A = this checkout\n`,
);
const results: { side: string; perSecond: number; p99: number; cpuMicros: number }[] = [];
for (let round = 0; round < Number(values.rounds); round++)
  for (const side of sides) {
    const node = await BenchNode.start({
      db,
      env: { SESAME_DELIVERY_PAUSED: 'true', SESAME_METRICS_TOKEN: 'ab-accept' },
      ...(side.bin ? { bin: side.bin } : {}),
    });
    try {
      const reqs = await signedRequests(node.url, node.credentials);
      await load(node.url, reqs, warmup);
      const pid = node.process.pid!;
      const before = cpuOf(pid);
      const commitsBefore = await acceptCommits(node.url);
      const r = await load(node.url, reqs, requests);
      const cpu = cpuOf(pid) - before;
      const commitsAfter = await acceptCommits(node.url);
      const commits = commitsAfter.count - commitsBefore.count;
      if (r.non2xx || r.errors) throw new Error(`${side.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const row = {
        side: side.name,
        perSecond: r.perSecond,
        p99: r.p99,
        cpuMicros: Math.round((cpu * 1e6) / requests),
        // How many messages each group commit carried (one transaction and its fsyncs).
        perCommit: Math.round((requests / commits) * 10) / 10,
        commitMs: Math.round(((commitsAfter.seconds - commitsBefore.seconds) / commits) * 1e4) / 10,
      };
      results.push(row);
      process.stderr.write(`round ${round + 1} ${JSON.stringify(row)}\n`);
    } finally {
      await node.stop();
    }
  }

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
for (const side of ['A', 'B']) {
  const rows = results.filter((r) => r.side === side);
  process.stdout.write(
    `${side}: accepted/s ${rows.map((r) => r.perSecond).join(' / ')} (median ${median(rows.map((r) => r.perSecond))}), ` +
      `CPU µs per request ${rows.map((r) => r.cpuMicros).join(' / ')} (median ${median(rows.map((r) => r.cpuMicros))})\n`,
  );
}
