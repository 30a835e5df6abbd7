/**
 * The body spool of a SQLite file (store/body-spool.ts): bodies in segment files beside the database, the
 * rows saying where; a failed batch leaves no bytes behind; start-up reconciliation cuts what a dead process
 * left past the committed end, deletes orphan segments and emptied ones, and reports bodies the disk lost.
 * (PostgreSQL keeps bodies in the database: docs/capabilities/storage.md says why.)
 */
import Database from 'better-sqlite3';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolReport } from '../../src/store/body-spool.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import type { Store } from '../../src/store/store.ts';
import { accepted, ids } from './harness.ts';

const dirs: string[] = [];
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openAt(dir: string): Promise<{ store: Store; report: SpoolReport | undefined }> {
  let report: SpoolReport | undefined;
  const store = await openStore({ url: `sqlite:${dir}/sesame.db`, onSpool: (r) => (report = r) });
  await store.migrate();
  open.push(store);
  return { store, report };
}

async function reopen(dir: string, store: Store) {
  await store.close();
  open.splice(open.indexOf(store), 1);
  return openAt(dir);
}

const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-spool-'));
  dirs.push(dir);
  return dir;
};

const segments = (dir: string) =>
  readdirSync(`${dir}/sesame.db-spool`)
    .filter((f) => f.endsWith('.seg'))
    .map((f) => ({ name: f, size: statSync(`${dir}/sesame.db-spool/${f}`).size }));

/** The rows, read with a separate connection (as an operator would). */
function rows(dir: string) {
  const db = new Database(`${dir}/sesame.db`, { readonly: true });
  try {
    return {
      segments: db.prepare('select * from spool_segments order by id').all() as {
        id: string;
        committed_end: number;
        live: number;
        sealed: number;
      }[],
      inTable: (db.prepare('select count(*) from message_bodies').pluck().get() as number) ?? 0,
    };
  } finally {
    db.close();
  }
}

/** A process id no process has (so its segments count as a dead writer's). */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid++)
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
}

describe('the body spool of a SQLite file', () => {
  it('keeps bodies in one segment, not in the database; the segment ends where the last commit did', async () => {
    const dir = fresh();
    const { store } = await openAt(dir);
    const a = ids.account();
    const batch = Array.from({ length: 20 }, (_, i) =>
      accepted(a, { body: Buffer.from(`Subject: ${i}\r\n\r\n${'x'.repeat(1000 * i)}\r\n`) }),
    );
    await Promise.all(batch.map((m) => store.messages.accept(m)));
    for (const m of batch) expect(await store.messages.body(m.message.id)).toEqual(m.body);
    const total = batch.reduce((n, m) => n + m.body.byteLength, 0);
    const r = rows(dir);
    expect(r.inTable).toBe(0);
    expect(r.segments).toHaveLength(1);
    expect(r.segments[0]).toMatchObject({ committed_end: total, live: 20, sealed: 0 });
    expect(segments(dir)).toEqual([{ name: `${r.segments[0]!.id}.seg`, size: total }]);
  });

  it('a batch whose transaction fails leaves no bytes in the spool', async () => {
    const dir = fresh();
    const { store } = await openAt(dir);
    const a = ids.account();
    const first = accepted(a, { body: Buffer.from('Subject: one\r\n\r\nfirst\r\n') });
    await store.messages.accept(first);
    // A duplicate message id fails the whole call after its bodies were appended.
    await expect(
      store.messages.acceptAll([
        accepted(a, { body: Buffer.alloc(50_000, 'y') }),
        accepted(a, { id: first.message.id }),
      ]),
    ).rejects.toThrow();
    expect(segments(dir)).toEqual([expect.objectContaining({ size: first.body.byteLength })]);
    const after = accepted(a, { body: Buffer.from('Subject: two\r\n\r\nafter\r\n') });
    await store.messages.accept(after);
    expect(await store.messages.body(after.message.id)).toEqual(after.body);
    expect(await store.messages.body(first.message.id)).toEqual(first.body);
  });

  it('reconciles at start-up: a dead writer’s uncommitted tail is cut, orphan segments go, and nothing committed is touched', async () => {
    const dir = fresh();
    let { store } = await openAt(dir);
    const a = ids.account();
    const kept = accepted(a, { body: Buffer.alloc(10_000, 'k') });
    await store.messages.accept(kept);
    await store.close();
    open.splice(open.indexOf(store), 1);
    const [seg] = segments(dir);
    // What a kill -9 leaves: bytes appended (and even synced) whose transaction never committed …
    appendFileSync(`${dir}/sesame.db-spool/${seg!.name}`, Buffer.alloc(4096, 'z'));
    // … and a segment created by a process that died before its first commit.
    const orphan = `${deadPid()}-${Date.now()}-0`;
    writeFileSync(`${dir}/sesame.db-spool/${orphan}.seg`, Buffer.alloc(100, 'o'));
    const reopened = await openAt(dir);
    store = reopened.store;
    const report = reopened.report;
    expect(report?.truncated).toEqual([{ segment: seg!.name.slice(0, -4), from: 10_000 + 4096, to: 10_000 }]);
    expect(report?.orphans).toEqual([orphan]);
    expect(report?.damaged).toEqual([]);
    expect(segments(dir)).toEqual([{ name: seg!.name, size: 10_000 }]);
    expect(rows(dir).segments).toEqual([expect.objectContaining({ committed_end: 10_000, sealed: 1 })]);
    expect(await store.messages.body(kept.message.id)).toEqual(kept.body);
    // New bodies go to a new segment; the sealed one is never appended to again.
    const next = accepted(a, { body: Buffer.from('Subject: n\r\n\r\nnext\r\n') });
    await store.messages.accept(next);
    expect(segments(dir)).toHaveLength(2);
    expect(await store.messages.body(next.message.id)).toEqual(next.body);
  });

  it('a segment whose messages are all deleted (a development reset) is deleted once sealed', async () => {
    const dir = fresh();
    let { store } = await openAt(dir);
    const [a, b] = [ids.account(), ids.account()];
    await store.messages.acceptAll([accepted(a, { body: Buffer.alloc(2000, 'a') })]);
    ({ store } = await reopen(dir, store));
    const other = accepted(b, { body: Buffer.alloc(3000, 'b') });
    await store.messages.acceptAll([accepted(a, { body: Buffer.alloc(2000, 'a') }), other]);
    expect(segments(dir)).toHaveLength(2);
    await store.development.resetAccountData(a);
    // The first segment held only a's message: gone. The second still holds b's.
    const left = segments(dir);
    expect(left).toHaveLength(1);
    expect(rows(dir).segments).toEqual([expect.objectContaining({ live: 1 })]);
    expect(await store.messages.body(other.message.id)).toEqual(other.body);
  });

  it('bodies the disk lost are reported at start-up and refused when read, never taken for a missing message', async () => {
    const dir = fresh();
    let { store } = await openAt(dir);
    const m = accepted(ids.account(), { body: Buffer.alloc(5000, 'm') });
    await store.messages.accept(m);
    await store.close();
    open.splice(open.indexOf(store), 1);
    const [seg] = segments(dir);
    rmSync(`${dir}/sesame.db-spool/${seg!.name}`);
    const reopened = await openAt(dir);
    store = reopened.store;
    const report = reopened.report;
    expect(report?.damaged).toEqual([
      { segment: seg!.name.slice(0, -4), size: 0, committedEnd: 5000, messages: 1 },
    ]);
    await expect(store.messages.body(m.message.id)).rejects.toThrow(
      /spool segment .* is missing: the message's body is lost/,
    );
    expect(existsSync(`${dir}/sesame.db`)).toBe(true);
  });
});
