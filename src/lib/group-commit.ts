/**
 * Group commit: callers submit items and wait; items that arrive while writes are in flight are gathered and
 * written together by the next one. Under load a single write (one transaction, one fsync) carries many
 * items; when idle an item is written at once. Every caller is answered only after its write finished.
 *
 * `maxInFlight` > 1 lets the next batch be handed to the writer before the current one has been answered, so
 * a writer that queues its work (the SQLite writer thread) starts it the moment the previous commit ends,
 * instead of after a round trip through this thread's event loop. Only for items whose writes do not depend
 * on each other's order across batches: with a connection pool they may commit in any order.
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void> | void;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(write: (items: T[]) => Promise<void> | void, maxBatch = 1000, maxInFlight = 1) {
    this.#write = write;
    this.#maxBatch = maxBatch;
    this.#maxInFlight = maxInFlight;
  }

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#scheduled && this.#inFlight < this.#maxInFlight) {
        this.#scheduled = true;
        // Let the I/O that is already waiting (other requests) add its items before the write starts.
        setImmediate(() => {
          this.#scheduled = false;
          this.#startWrites();
        });
      }
    });
  }

  /** Items waiting for the next write. */
  get backlog(): number {
    return this.#pending.length;
  }

  #startWrites(): void {
    while (this.#pending.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#run(batch);
    }
  }

  async #run(batch: { item: T; resolve: () => void; reject: (err: unknown) => void }[]): Promise<void> {
    try {
      await this.#write(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
    this.#inFlight--;
    this.#startWrites();
  }
}
