/**
 * The scheduled queue: ready work per destination domain in memory, deferred work in a timer heap. Nothing
 * polls the database: accepted messages arrive from the core, deferred ones come back with their due time.
 * Workers (at most `perDestination` per domain, `total` in all) take items of one domain in order and keep
 * their SMTP connection between items.
 */
import type { WorkItem } from '../delivery/deliverer.ts';

/** A FIFO with O(1) shift. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  push(v: T): void {
    this.#items.push(v);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const v = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }
  get length(): number {
    return this.#items.length - this.#head;
  }

  *items(): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

/** A binary min-heap of items by due time. */
class DueHeap {
  readonly #a: WorkItem[] = [];
  push(item: WorkItem): void {
    const a = this.#a;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.dueAt <= a[i]!.dueAt) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): WorkItem | undefined {
    return this.#a[0];
  }
  items(): readonly WorkItem[] {
    return this.#a;
  }
  pop(): WorkItem | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.dueAt < a[m]!.dueAt) m = l;
        if (r < a.length && a[r]!.dueAt < a[m]!.dueAt) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
  get length(): number {
    return this.#a.length;
  }
}

export interface SchedulerLimits {
  perDestination: number;
  total: number;
  /** Bytes of message bodies kept in memory for queued items; beyond it bodies are re-read when due. */
  payloadBudget: number;
}

/** Memory a kept payload holds: its body's backing store (a small body may share a larger one) and records. */
function payloadSize(p: NonNullable<WorkItem['payload']>): number {
  return p.body.buffer.byteLength + 2048 + 256 * p.recipients.length;
}

export type Worker = (domain: string, next: () => WorkItem | undefined) => Promise<void>;

export class Scheduler {
  readonly #limits: SchedulerLimits;
  readonly #work: Worker;
  readonly #ready = new Map<string, Fifo<WorkItem>>();
  readonly #delayed = new DueHeap();
  readonly #active = new Map<string, number>();
  #activeTotal = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #paused: boolean;
  #payloadBytes = 0;
  #stopped = false;

  constructor(limits: SchedulerLimits, work: Worker, paused = false) {
    this.#limits = limits;
    this.#work = work;
    this.#paused = paused;
  }

  add(item: WorkItem): void {
    if (item.payload) {
      // Bodies are kept for work that goes out soon; paused or over budget, they are read again when due.
      const size = payloadSize(item.payload);
      if (this.#paused || this.#payloadBytes + size > this.#limits.payloadBudget) item.payload = undefined;
      else this.#payloadBytes += size;
    }
    if (item.dueAt <= Date.now()) {
      this.#readyQueue(item.domain).push(item);
      this.#pump();
    } else {
      this.#delayed.push(item);
      this.#arm();
    }
  }

  /** Items waiting (ready and deferred) and workers running. */
  get stats(): { ready: number; delayed: number; active: number } {
    let ready = 0;
    for (const q of this.#ready.values()) ready += q.length;
    return { ready, delayed: this.#delayed.length, active: this.#activeTotal };
  }

  /** Items per destination (ready and delayed) and the smallest message id among them (the oldest accepted). */
  byDestination(): { domain: string; ready: number; delayed: number; oldestMessageId: string }[] {
    const out = new Map<
      string,
      { domain: string; ready: number; delayed: number; oldestMessageId: string }
    >();
    const at = (domain: string, id: string) => {
      let d = out.get(domain);
      if (!d) out.set(domain, (d = { domain, ready: 0, delayed: 0, oldestMessageId: id }));
      else if (id < d.oldestMessageId) d.oldestMessageId = id;
      return d;
    };
    for (const [domain, q] of this.#ready) for (const item of q.items()) at(domain, item.messageId).ready++;
    for (const item of this.#delayed.items()) at(item.domain, item.messageId).delayed++;
    return [...out.values()];
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * Keeps only the waiting items `keep` accepts (a node that may have lost its work to another node keeps what
   * the database still says is its own); returns those dropped. Items being delivered are not touched.
   */
  retain(keep: (item: WorkItem) => boolean): WorkItem[] {
    const dropped: WorkItem[] = [];
    for (const [domain, q] of this.#ready) {
      const kept = new Fifo<WorkItem>();
      for (const item of q.items()) (keep(item) ? kept : dropped).push(item);
      this.#ready.set(domain, kept);
    }
    const delayed = [...this.#delayed.items()];
    while (this.#delayed.pop());
    for (const item of delayed) (keep(item) ? this.#delayed : dropped).push(item);
    for (const item of dropped)
      if (item.payload) {
        this.#payloadBytes -= payloadSize(item.payload);
        item.payload = undefined;
      }
    this.#arm();
    return dropped;
  }

  #readyQueue(domain: string): Fifo<WorkItem> {
    let q = this.#ready.get(domain);
    if (!q) {
      q = new Fifo();
      this.#ready.set(domain, q);
    }
    return q;
  }

  #arm(): void {
    const next = this.#delayed.peek();
    if (!next || this.#stopped) return;
    if (next.dueAt >= this.#timerAt && this.#timer) return;
    clearTimeout(this.#timer);
    this.#timerAt = next.dueAt;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        const now = Date.now();
        while (this.#delayed.peek() && this.#delayed.peek()!.dueAt <= now) {
          const item = this.#delayed.pop()!;
          this.#readyQueue(item.domain).push(item);
        }
        this.#pump();
        this.#arm();
      },
      Math.max(0, next.dueAt - Date.now()),
    );
    this.#timer.unref();
  }

  #pump(): void {
    if (this.#paused || this.#stopped) return;
    for (const [domain, queue] of this.#ready) {
      if (queue.length === 0) {
        if ((this.#active.get(domain) ?? 0) === 0) this.#ready.delete(domain);
        continue;
      }
      let active = this.#active.get(domain) ?? 0;
      // One worker per queued item, up to the limits: a worker drains items one after another.
      while (
        queue.length > active &&
        active < this.#limits.perDestination &&
        this.#activeTotal < this.#limits.total
      ) {
        active++;
        this.#activeTotal++;
        this.#active.set(domain, active);
        void this.#run(domain, queue);
      }
      if (this.#activeTotal >= this.#limits.total) return;
    }
  }

  async #run(domain: string, queue: Fifo<WorkItem>): Promise<void> {
    try {
      await this.#work(domain, () => {
        if (this.#paused || this.#stopped) return undefined;
        const item = queue.shift();
        if (item?.payload) this.#payloadBytes -= payloadSize(item.payload);
        return item;
      });
    } finally {
      this.#activeTotal--;
      this.#active.set(domain, (this.#active.get(domain) ?? 1) - 1);
      this.#pump();
    }
  }
}
