/**
 * Writes the table of docs/reliability.md from what the fault suite (test/faults/) recorded in
 * .fault-results/<database>.jsonl, and prints it. The latest result of each fault and database wins.
 *
 * Run: node tools/fault-report.ts   (after `./sesamew test`, on SQLite and/or PostgreSQL)
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Result {
  promise: string;
  fault: string;
  tried: string;
  held: string;
  database: string;
}

const root = new URL('..', import.meta.url).pathname;
const dir = process.env.SESAME_FAULT_RESULTS ?? join(root, '.fault-results');
const doc = join(root, 'docs/reliability.md');
const START =
  '<!-- fault-table:start (written by tools/fault-report.ts from the fault suite; do not edit) -->';
const END = '<!-- fault-table:end -->';

const latest = new Map<string, Result>();
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [])
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Result;
    latest.set(`${r.database}|${r.fault}`, r);
  }
if (latest.size === 0) {
  console.error(`no fault results in ${dir}: run the test suite first`);
  process.exit(1);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rows = [...latest.values()].sort(
  (a, b) =>
    a.promise.localeCompare(b.promise) ||
    a.fault.localeCompare(b.fault) ||
    a.database.localeCompare(b.database),
);
const table = [
  `Last run: ${new Date().toISOString().slice(0, 10)}, ${[...new Set(rows.map((r) => r.database))].join(' and ')}.`,
  '',
  '| Promise | Fault | Database | Tried | Held |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) => `| ${cell(r.promise)} | ${cell(r.fault)} | ${r.database} | ${cell(r.tried)} | ${cell(r.held)} |`,
  ),
].join('\n');

const text = readFileSync(doc, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) throw new Error(`${doc} has no fault-table markers`);
writeFileSync(doc, `${text.slice(0, from + START.length)}\n${table}\n${text.slice(to)}`);
console.log(table);
