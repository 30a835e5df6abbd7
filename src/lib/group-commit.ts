/**
 * Group commit: callers submit items and wait; items that arrive while a write is in flight are gathered and
 * written together by the next one. Under load a single write (one transaction, one fsync) carries many
 * items; when idle an item is written at once. Every caller is answered only after its write finished.
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void> | void;
  readonly #maxBatch: number;
  #pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #writing = false;

  constructor(write: (items: T[]) => Promise<void> | void, maxBatch = 1000) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        // Let the I/O that is already waiting (other requests) add its items before the write starts.
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Items waiting for the next write. */
  get backlog(): number {
    return this.#pending.length;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        await this.#write(batch.map((p) => p.item));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.#writing = false;
  }
}
