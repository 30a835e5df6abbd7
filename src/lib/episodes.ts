/**
 * Logs a recurring failure once per episode: the first occurrence with its cause, then nothing while it goes
 * on; once it has not recurred for `quietMs` the end of the episode is logged with how many times it occurred.
 * A database that is down fails every request and every background tick: one line says so, not thousands.
 */
import type { Logger } from './logger.ts';

export interface EpisodeTexts {
  /** Logged (error) at the first occurrence, with the cause. */
  began: string;
  /** Logged (warn) when the failure has not recurred for the quiet period. */
  ended: string;
}

interface Episode {
  since: number;
  last: number;
  count: number;
  timer: NodeJS.Timeout;
}

export class EpisodeLog<K extends string> {
  readonly #log: Logger;
  readonly #texts: Record<K, EpisodeTexts>;
  readonly #quietMs: number;
  readonly #open = new Map<K, Episode>();

  constructor(log: Logger, texts: Record<K, EpisodeTexts>, quietMs = 10_000) {
    this.#log = log;
    this.#texts = texts;
    this.#quietMs = quietMs;
  }

  report(kind: K, err: unknown, context: Record<string, unknown> = {}): void {
    const now = Date.now();
    const open = this.#open.get(kind);
    if (open) {
      open.last = now;
      open.count++;
      return;
    }
    // Not under `err`: pino's error serializer would turn this summary back into a stack-less object.
    this.#log.error({ ...context, cause: causeOf(err) }, this.#texts[kind].began);
    const timer = setInterval(() => this.#check(kind), Math.max(100, this.#quietMs / 4));
    timer.unref();
    this.#open.set(kind, { since: now, last: now, count: 1, timer });
  }

  /** Whether an episode of this kind is going on. */
  isOpen(kind: K): boolean {
    return this.#open.has(kind);
  }

  stop(): void {
    for (const e of this.#open.values()) clearInterval(e.timer);
    this.#open.clear();
  }

  #check(kind: K): void {
    const e = this.#open.get(kind);
    if (!e || Date.now() - e.last < this.#quietMs) return;
    clearInterval(e.timer);
    this.#open.delete(kind);
    this.#log.warn(
      { failures: e.count, durationSeconds: Math.round((e.last - e.since) / 100) / 10 },
      this.#texts[kind].ended,
    );
  }
}

/** The error as logged: its code and message (and its cause's), without the stack of a routine failure. */
function causeOf(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  return {
    type: e.name,
    message: e.message,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.syscall !== undefined ? { syscall: e.syscall } : {}),
    ...(e.cause !== undefined ? { cause: causeOf(e.cause) } : {}),
  };
}
