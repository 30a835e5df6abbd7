/**
 * The SQLite write path of messages on its own thread. Accepting messages and recording delivery outcomes are
 * the heaviest writes Sesame makes (rows, indexes, the fsync of every commit); on the main thread they would
 * stop the event loop for each group commit. A worker thread with its own connection to the same WAL
 * database runs them in parallel with request handling, on another core. A batch's promise settles when its
 * transaction is committed (or rolled back) there, so "answered after the commit" still holds.
 */
import { WorkerRequests } from '../../lib/worker-requests.ts';
import type { WriterRequest } from './sqlite-writer-worker.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class SqliteWriterThread {
  readonly #thread: WorkerRequests;

  constructor(file: string) {
    this.#thread = new WorkerRequests(
      new URL('./sqlite-writer-worker.ts', import.meta.url),
      { sqliteWriter: file },
      'SQLite writer',
    );
  }

  run(request: DistributiveOmit<WriterRequest, 'id'>): Promise<unknown> {
    return this.#thread.call(request);
  }

  /** Waits for the writes in flight, then ends the thread. */
  close(): Promise<void> {
    return this.#thread.close();
  }
}
