/**
 * The embedded object store's writer thread (see object-store.ts): each object is written to a temporary file,
 * fdatasynced and renamed over its key; the directories of a batch are then synced once each, and only then is
 * every write of the batch answered. On the main thread the same took five thread-pool round trips per object,
 * a fifth of the event loop under receiving load.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { WorkerReply } from './worker-requests.ts';

export interface ObjectWrite {
  id: number;
  temp: string;
  path: string;
  body: Uint8Array;
}

function writeFile(temp: string, body: Uint8Array): void {
  const fd = openSync(temp, 'w', 0o600);
  try {
    for (let off = 0; off < body.length;) off += writeSync(fd, body, off);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a batch; a failed write is answered with its error, the others still complete. */
export function writeObjects(batch: ObjectWrite[], known: Set<string>): WorkerReply[] {
  const results: WorkerReply[] = [];
  const dirs = new Set<string>();
  for (const w of batch) {
    const dir = dirname(w.path);
    try {
      if (!known.has(dir)) {
        mkdirSync(dir, { recursive: true });
        known.add(dir);
      }
      try {
        writeFile(w.temp, w.body);
      } catch (err) {
        // The directory was removed behind our back (a deleted bucket): make it again.
        if ((err as { code?: string }).code !== 'ENOENT') throw err;
        mkdirSync(dir, { recursive: true });
        writeFile(w.temp, w.body);
      }
      renameSync(w.temp, w.path);
      dirs.add(dir);
      // The result is the object's ETag (its MD5, as S3's for a single-part object).
      results.push({ id: w.id, result: createHash('md5').update(w.body).digest('hex') });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      known.delete(dir);
      results.push({ id: w.id, error: { message: e.message ?? String(err), code: e.code } });
    }
  }
  // The renames are durable once their directories are synced: one sync per directory for the whole batch.
  for (const dir of dirs)
    try {
      syncDirectory(dir);
    } catch (err) {
      const e = err as { message?: string; code?: string };
      for (const r of results)
        if (!r.error && dirname(batch.find((w) => w.id === r.id)!.path) === dir) {
          delete r.result;
          r.error = { message: e.message ?? String(err), code: e.code };
        }
    }
  return results;
}

if (!isMainThread && (workerData as { objectWriter?: boolean } | null)?.objectWriter) {
  const known = new Set<string>();
  let pending: ObjectWrite[] = [];
  let scheduled = false;
  parentPort!.on('message', (w: ObjectWrite) => {
    pending.push(w);
    if (scheduled) return;
    scheduled = true;
    // Let the writes already waiting in the port join this batch.
    setImmediate(() => {
      scheduled = false;
      const batch = pending;
      pending = [];
      for (const r of writeObjects(batch, known)) parentPort!.postMessage(r);
    });
  });
}
