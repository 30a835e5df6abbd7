/**
 * `npm run bench`: Sesame's benchmarks, each measured beside its reference in the same run.
 *
 *   node bench/run.ts [--db sqlite|postgres] [--only a,b,c,d,e,f,g] [--quick]
 *
 * Every scenario starts its own Sesame process on a fresh data directory (SQLite, or a fresh schema in the
 * PostgreSQL at 127.0.0.1:5432 with --db postgres) and talks only to loopback. Prints a table and writes the
 * results as JSON to bench/results/. --quick runs smaller counts (for trying the harness, not for figures).
 * See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { postfixAvailable } from './lib/postfix.ts';
import { pinSelfToLoadCores, pinning } from './lib/cpus.ts';

export type Db = 'sqlite' | 'postgres';

export interface ScenarioResult {
  id: string;
  name: string;
  unit: string;
  sesame: number;
  reference: number;
  referenceName: string;
  /** Sesame ÷ reference (null where the reference is a target, not a measurement). */
  ratio: number | null;
  details: unknown;
  targets: { what: string; met: boolean }[];
  /** Each interleaved round (Sesame and its reference measured one after the other, twice). */
  runs?: { sesame: number; reference: number }[];
  /** Further references measured in the same rounds (e.g. aws-ses-v2-local beside the bare HTTP server). */
  others?: { name: string; values: number[] }[];
}

const usage = 'usage: node bench/run.ts [--db sqlite|postgres] [--only a,b,c,d,e,f,g,h] [--quick]';
const refuse = (why: string): never => {
  console.error(`${why}\n${usage}`);
  process.exit(2);
};
const parsed = (() => {
  try {
    return parseArgs({
      options: {
        db: { type: 'string', default: 'sqlite' },
        only: { type: 'string', default: 'a,b,c,d,e,f,g,h' },
        quick: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    return refuse((err as Error).message);
  }
})();
const values = parsed.values;
const db = values.db as Db;
if (db !== 'sqlite' && db !== 'postgres') refuse(`--db must be sqlite or postgres, not "${values.db}"`);
const only = new Set(values.only.split(','));
const unknown = [...only].filter((s) => !['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].includes(s));
if (unknown.length) refuse(`--only takes scenarios a to h, not ${unknown.join(', ')}`);
if (db === 'postgres') process.env.SESAME_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
else delete process.env.SESAME_TEST_DATABASE_URL;
const quick = values.quick;
const counts = quick
  ? { a: 10_000, b: 5_000, c: 1_000, d: 20_000, dSample: 5_000, e: 2_000, f: 2_000, g: 2_000, h: 6_000 }
  : {
      a: 50_000,
      b: 20_000,
      c: 20_000,
      d: 1_000_000,
      dSample: 20_000,
      e: 20_000,
      f: 20_000,
      g: 20_000,
      h: 30_000,
    };

const missing = postfixAvailable();
if (missing && ['b', 'c', 'd', 'f', 'h'].some((s) => only.has(s))) {
  console.error(`Scenarios b, c, d, f and h need Postfix's tools: ${missing}`);
  process.exit(2);
}

const log = (s: string) => console.error(s);
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  postfix: safe(() => execFileSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version']).toString().trim()),
  database: db,
  /** Cores of the server under test (Sesame or its reference) and of the load generators (taskset). */
  pinning: pinning ?? 'none (one core, or no taskset)',
};
pinSelfToLoadCores();
log(
  `Sesame benchmarks on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, ${db}${quick ? ' (quick)' : ''}`,
);

const results: ScenarioResult[] = [];
const scenarios: [string, () => Promise<ScenarioResult>][] = [
  ['a', async () => (await import('./scenarios/api-accept.ts')).apiAccept(db, counts.a)],
  ['b', async () => (await import('./scenarios/smtp-relay.ts')).smtpRelay('b', db, counts.b, 2048)],
  ['c', async () => (await import('./scenarios/smtp-relay.ts')).smtpRelay('c', db, counts.c, 100 * 1024)],
  ['d', async () => (await import('./scenarios/backlog.ts')).backlog(db, counts.d, counts.dSample, log)],
  ['e', async () => (await import('./scenarios/crash.ts')).crash(counts.e, log)],
  ['f', async () => (await import('./scenarios/inbound.ts')).inbound(db, counts.f)],
  ['g', async () => (await import('./scenarios/dev-capture.ts')).devCapture(db, counts.g)],
  ['h', async () => (await import('./scenarios/nodes.ts')).nodes(db, counts.h, counts.b, log)],
];
for (const [id, run] of scenarios) {
  if (!only.has(id)) continue;
  log(`== scenario ${id}`);
  const started = Date.now();
  const r = await run();
  log(`   done in ${Math.round((Date.now() - started) / 1000)} s`);
  results.push(r);
}

const n = (v: number) => v.toLocaleString('en');
/** Interleaved rounds print each round's figure ("4,562 / 4,610"). */
const each = (values: number[]) => values.map(n).join(' / ');
const table = [
  ['', 'scenario', 'Sesame', 'reference', 'ratio', 'targets'],
  ...results.flatMap((r) => [
    [
      r.id,
      r.name,
      `${r.runs ? each(r.runs.map((x) => x.sesame)) : n(r.sesame)} ${r.unit}`,
      `${r.runs ? each(r.runs.map((x) => x.reference)) : n(r.reference)} (${r.referenceName})`,
      r.runs
        ? r.runs.map((x) => `${(x.sesame / x.reference).toFixed(2)}×`).join(' / ')
        : r.ratio === null
          ? '—'
          : `${r.ratio.toFixed(2)}×`,
      r.targets.map((t) => `${t.met ? '✓' : '✗'} ${t.what}`).join('; '),
    ],
    ...(r.others ?? []).map((o) => [
      '',
      `  same rounds against ${o.name}`,
      '',
      `${each(o.values)} (${o.name})`,
      r.runs ? r.runs.map((x, i) => `${(x.sesame / o.values[i]!).toFixed(2)}×`).join(' / ') : '—',
      '',
    ]),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const row of table)
  console.log(
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = JSON.stringify({ at: new Date().toISOString(), machine, quick, results }, null, 2);
writeFileSync(new URL(`./results/${stamp}-${db}.json`, import.meta.url), out);
writeFileSync(new URL(`./results/latest-${db}.json`, import.meta.url), out);
log(`results: bench/results/${stamp}-${db}.json`);

function safe(fn: () => string): string {
  try {
    return fn();
  } catch {
    return 'unknown';
  }
}
