/**
 * Requests to a worker thread, each answered once: the caller's promise settles with the thread's `result`
 * or its `error` (message and code). The thread ending fails every request in flight and every later one.
 * Idle, the thread does not keep the process alive; close() waits for the requests in flight, then ends it.
 */
import { Worker } from 'node:worker_threads';

/** What a worker thread answers to the request with `id`. */
export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: { message: string; code?: string | undefined };
}

export class WorkerRequests {
  readonly #worker: Worker;
  readonly #name: string;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  #next = 0;
  #failed: Error | undefined;

  /** `onEvent` gets what the thread posts without being asked (a message with no `id`). */
  constructor(entry: URL, workerData: unknown, name: string, onEvent?: (event: never) => void) {
    this.#name = name;
    this.#worker = new Worker(entry, { workerData });
    this.#worker.on('message', (m: WorkerReply) => {
      if (typeof m.id !== 'number') return onEvent?.(m as never);
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (!m.error) return p.resolve(m.result);
      p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    });
    this.#worker.on('error', (err: Error) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the ${name} thread exited (${code})`)));
    this.#worker.unref();
  }

  /** Posts `request` with a fresh `id`; resolves with the thread's result. */
  call(request: object): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  /** The thread has ended (every call fails from now on). */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  async close(): Promise<void> {
    while (this.#pending.size > 0 && !this.#failed) await new Promise((r) => setTimeout(r, 5));
    this.#failed ??= new Error(`the ${this.#name} thread is closed`);
    await this.#worker.terminate();
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
