/**
 * The body spool of a SQLite database: message bodies in append-only segment files beside the database
 * (`<file>-spool/`), rows keeping only where each body is (segment, offset, length). A body written through
 * the SQLite WAL is written twice (the log, then the checkpoint into the database file); here it is written
 * once, and a batch of bodies costs one append and one fdatasync before the transaction that references it.
 *
 * Invariants (kept by the writer thread, which alone appends, and by `reconcileSpool` at its start):
 * - A segment's bytes up to its row's `committed_end` are referenced by committed messages; the row is
 *   written in the same transaction as the messages, after the bytes are on disk (fdatasync first).
 * - Bytes past `committed_end` belong to a batch that never committed: the writer truncates them when its
 *   transaction fails, and reconciliation truncates what a killed process left. A file with no row is an
 *   orphan and is deleted.
 * - A segment's `live` counts the messages that reference it; a sealed segment (no writer appends to it any
 *   more) with none is deleted.
 * Segment names carry the writer's process id, so that a process (a `--workers` sibling, the CLI) never
 * reconciles a segment another live process is still appending to.
 */
import type { Kysely } from 'kysely';
import type { Database as Schema } from './schema.ts';
import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  truncateSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a body is: the rows of `messages` carry these three columns. */
export interface BodyRef {
  segment: string;
  offset: number;
  length: number;
}

/** Segments grow to about this size before the writer starts a new one (a batch is never split). */
const SEGMENT_BYTES = 64 * 1024 * 1024;

export const spoolDirOf = (databaseFile: string): string => `${databaseFile}-spool`;

const segmentFile = (dir: string, segment: string) => join(dir, `${segment}.seg`);

/** The process that wrote a segment, from its name (`<pid>-<ms>-<n>`). */
const writerPid = (segment: string) => Number(segment.split('-', 1)[0]);

/**
 * Test-only fault points (`SESAME_FAULT_SPOOL=<stage>[:<batch>]`): kill -9 the process at one stage of the
 * n-th accepted batch, so the crash test can stop it exactly there. Unset in production.
 */
export type SpoolFaultStage = 'mid-write' | 'after-sync' | 'after-commit';

export function spoolFault(setting: string | undefined): ((stage: SpoolFaultStage) => void) | undefined {
  const [stage, nth] = (setting ?? '').split(':');
  if (!stage) return undefined;
  const at = Number(nth ?? 1);
  let batches = 0;
  return (s) => {
    if (s === 'mid-write') batches++;
    if (s === stage && batches >= at) process.kill(process.pid, 'SIGKILL');
  };
}

/** The writer thread's side: appends batches to its current segment, synchronously. */
export class SpoolAppender {
  readonly #dir: string;
  readonly #fault: (stage: SpoolFaultStage) => void;
  readonly #torn: boolean;
  #serial = 0;
  #current: { segment: string; fd: number; size: number } | undefined;

  constructor(dir: string, fault: ((stage: SpoolFaultStage) => void) | undefined) {
    this.#dir = dir;
    this.#fault = fault ?? (() => undefined);
    this.#torn = fault !== undefined;
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Appends the bodies as one write, then fdatasync: on disk before the transaction that references them.
   * Returns each body's reference, the segment's new end, and the segment this append retired, if any.
   */
  append(bodies: Uint8Array[]): { refs: BodyRef[]; end: number; start: number; sealed: string | undefined } {
    let sealed: string | undefined;
    if (this.#current && this.#current.size >= SEGMENT_BYTES) {
      sealed = this.#current.segment;
      closeSync(this.#current.fd);
      this.#current = undefined;
    }
    const seg = (this.#current ??= this.#open());
    const start = seg.size;
    const refs: BodyRef[] = [];
    let offset = start;
    for (const b of bodies) {
      refs.push({ segment: seg.segment, offset, length: b.byteLength });
      offset += b.byteLength;
    }
    try {
      if (this.#torn) {
        // The fault point inside an append: half the batch's bytes reach the file, then the process dies.
        const all = Buffer.concat(bodies);
        const half = Math.ceil(all.byteLength / 2);
        writeAll(seg.fd, [all.subarray(0, half)], start);
        this.#fault('mid-write');
        writeAll(seg.fd, [all.subarray(half)], start + half);
      } else writeAll(seg.fd, bodies, start);
      fdatasyncSync(seg.fd);
    } catch (err) {
      this.undo(start);
      throw err;
    }
    seg.size = offset;
    this.#fault('after-sync');
    return { refs, end: offset, start, sealed };
  }

  /** The batch's transaction failed: its bytes go (nothing references them). */
  undo(start: number): void {
    const seg = this.#current;
    if (!seg) return;
    try {
      ftruncateSync(seg.fd, start);
      seg.size = start;
    } catch {
      // The segment could not be cut back (e.g. the disk went away): retire it; reconciliation cuts it.
      closeSync(seg.fd);
      this.#current = undefined;
    }
  }

  committed(): void {
    this.#fault('after-commit');
  }

  #open(): { segment: string; fd: number; size: number } {
    const segment = `${process.pid}-${Date.now()}-${this.#serial++}`;
    const fd = openSync(segmentFile(this.#dir, segment), 'wx');
    return { segment, fd, size: 0 };
  }
}

function writeAll(fd: number, bodies: Uint8Array[], position: number): void {
  let pending = bodies;
  let at = position;
  // writev writes at most IOV_MAX buffers and may write fewer bytes than asked.
  while (pending.length) {
    const chunk = pending.slice(0, 512);
    const total = chunk.reduce((n, b) => n + b.byteLength, 0);
    let written = writevSync(fd, chunk, at);
    at += written;
    if (written === total) {
      pending = pending.slice(chunk.length);
      continue;
    }
    const rest: Uint8Array[] = [];
    for (const b of pending) {
      if (written >= b.byteLength) written -= b.byteLength;
      else {
        rest.push(written ? b.subarray(written) : b);
        written = 0;
      }
    }
    pending = rest;
  }
}

/** What reconciliation did, for the log. */
export interface SpoolReport {
  truncated: { segment: string; from: number; to: number }[];
  orphans: string[];
  deleted: string[];
  /** Segments shorter than their committed bodies, or missing while messages reference them. */
  damaged: { segment: string; size: number; committedEnd: number; messages: number }[];
}

/**
 * Makes the spool agree with the rows, for every segment no live process is writing: a tail past the
 * committed end is cut, a file no row names is deleted, a dead writer's segment is sealed, and sealed
 * segments no message references are deleted. Damage it cannot repair (bodies the rows reference but the
 * disk lost) is reported, never hidden. Runs at start-up, after the migrations.
 */
export async function reconcileSpool(db: Kysely<Schema>, dir: string): Promise<SpoolReport> {
  mkdirSync(dir, { recursive: true });
  const report: SpoolReport = { truncated: [], orphans: [], deleted: [], damaged: [] };
  const rows = new Map(
    (await db.selectFrom('spool_segments').selectAll().execute()).map((r) => [
      r.id,
      { ...r, committed_end: Number(r.committed_end) },
    ]),
  );
  const writing = (segment: string) => {
    const pid = writerPid(segment);
    if (pid === process.pid) return false; // a previous process that had our pid, or this one before opening
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const seal = (id: string) =>
    db.updateTable('spool_segments').set({ sealed: 1 }).where('id', '=', id).execute();
  const files = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.seg')) continue;
    const segment = name.slice(0, -'.seg'.length);
    files.add(segment);
    if (writing(segment)) continue;
    const file = segmentFile(dir, segment);
    const row = rows.get(segment);
    if (!row) {
      if (removeSegment(dir, segment)) report.orphans.push(segment);
      continue;
    }
    const size = sizeOf(file);
    if (size === undefined) continue; // another process reconciled it meanwhile
    if (size > row.committed_end) {
      truncateSync(file, row.committed_end);
      report.truncated.push({ segment, from: size, to: row.committed_end });
    } else if (size < row.committed_end) {
      report.damaged.push({ segment, size, committedEnd: row.committed_end, messages: row.live });
    }
  }
  for (const row of rows.values()) {
    if (writing(row.id)) continue;
    if (!files.has(row.id) && row.live > 0)
      report.damaged.push({ segment: row.id, size: 0, committedEnd: row.committed_end, messages: row.live });
    if (!row.sealed) await seal(row.id);
  }
  report.deleted.push(...(await sweepSegments(db, dir)));
  return report;
}

/** Deletes sealed segments that no message references any more (after messages were deleted). */
export async function sweepSegments(db: Kysely<Schema>, dir: string): Promise<string[]> {
  const dead = await db
    .selectFrom('spool_segments')
    .select('id')
    .where('sealed', '=', 1)
    .where('live', '<=', 0)
    .execute();
  for (const { id } of dead) {
    removeSegment(dir, id);
    await db.deleteFrom('spool_segments').where('id', '=', id).execute();
  }
  return dead.map((d) => d.id);
}

/** Deletes a segment's file; false when it was already gone. */
export function removeSegment(dir: string, segment: string): boolean {
  try {
    unlinkSync(segmentFile(dir, segment));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads one body (any thread; the bytes are immutable once committed). */
export async function readSpooled(dir: string, ref: BodyRef): Promise<Buffer> {
  const file = await open(segmentFile(dir, ref.segment), 'r').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? damaged(`spool segment ${ref.segment} is missing`) : err;
  });
  try {
    const body = Buffer.allocUnsafe(ref.length);
    let got = 0;
    while (got < ref.length) {
      const { bytesRead } = await file.read(body, got, ref.length - got, ref.offset + got);
      if (bytesRead === 0)
        throw damaged(
          `spool segment ${ref.segment} ends at ${ref.offset + got} bytes, inside a committed body (${ref.offset}+${ref.length})`,
        );
      got += bytesRead;
    }
    return body;
  } finally {
    await file.close();
  }
}

/** A committed body the spool no longer holds (the disk lost data after it was synced). */
const damaged = (message: string) =>
  Object.assign(new Error(`${message}: the message's body is lost`), { code: 'SPOOL_DAMAGED' });
