/**
 * The SQLite write path of messages on its own thread. Accepting messages and recording delivery outcomes are
 * the heaviest writes Sesame makes (rows, indexes, the fsync of every commit); on the main thread they would
 * stop the event loop for each group commit. A worker thread with its own connection to the same WAL
 * database runs them in parallel with request handling, on another core. A batch's promise settles when its
 * transaction is committed (or rolled back) there, so "answered after the commit" still holds.
 */
import { Worker } from 'node:worker_threads';
import type { WriterRequest } from './sqlite-writer-worker.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class SqliteWriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;

  constructor(file: string) {
    this.#worker = new Worker(new URL('./sqlite-writer-worker.ts', import.meta.url), {
      workerData: { sqliteWriter: file },
    });
    this.#worker.on(
      'message',
      (m: { id: number; result?: unknown; error?: { message: string; code?: string } }) => {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (!m.error) return p.resolve(m.result);
        p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      },
    );
    this.#worker.on('error', (err: Error) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the SQLite writer thread exited (${code})`)));
    // Idle, it must not keep the process alive; close() ends it.
    this.#worker.unref();
  }

  run(request: DistributiveOmit<WriterRequest, 'id'>): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const message = { ...request, id };
      this.#worker.postMessage(message);
    });
  }

  /** Waits for the writes in flight, then ends the thread. */
  async close(): Promise<void> {
    while (this.#pending.size > 0 && !this.#failed) await new Promise((r) => setTimeout(r, 5));
    this.#failed ??= new Error('the SQLite writer thread is closed');
    await this.#worker.terminate();
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
