/**
 * Failures that belong to the service's state, not to the request: the database cannot be reached, its storage
 * is full, the process is out of file descriptors. Every adapter asks `failure(err)` when something failed
 * unexpectedly; for these it answers a retryable error (HTTP 503 ServiceUnavailable, SMTP 451/452/454) instead
 * of an internal failure, and each kind is logged once per episode (lib/episodes.ts), not once per request.
 */
import { EpisodeLog } from '../../lib/episodes.ts';
import type { Logger } from '../../lib/logger.ts';
import { storeFailure } from '../../store/store.ts';

export type ServiceFailure = 'database-unavailable' | 'storage-full' | 'out-of-descriptors';

const TEXTS: Record<ServiceFailure, { began: string; ended: string }> = {
  'database-unavailable': {
    began:
      'database unavailable: requests are answered with retryable errors (HTTP 503, SMTP 451) and background work retries until it is back',
    ended: 'database failures stopped; serving normally',
  },
  'storage-full': {
    began:
      'storage full: the database cannot write; requests are answered with retryable errors (HTTP 503, SMTP 452) until space is freed',
    ended: 'storage-full failures stopped; serving normally',
  },
  'out-of-descriptors': {
    began:
      'out of file descriptors: new connections are refused until some close; raise the limit (ulimit -n, systemd LimitNOFILE) or lower the connection caps',
    ended: 'file descriptors available again',
  },
};

export class ServiceHealth {
  readonly #episodes: EpisodeLog<ServiceFailure>;

  constructor(deps: { logger: Logger; quietMs?: number }) {
    this.#episodes = new EpisodeLog(deps.logger, TEXTS, deps.quietMs);
  }

  /**
   * The kind of service failure `err` is, recorded for the episode log; undefined for any other error (a bug,
   * a bad request), which the caller handles as before.
   */
  failure(err: unknown, context?: Record<string, unknown>): ServiceFailure | undefined {
    const kind = classify(err);
    if (kind) this.#episodes.report(kind, err, context);
    return kind;
  }

  /** Whether the database is known to be failing now (background work backs off). */
  get degraded(): boolean {
    return this.#episodes.isOpen('database-unavailable') || this.#episodes.isOpen('storage-full');
  }

  stop(): void {
    this.#episodes.stop();
  }
}

function classify(err: unknown): ServiceFailure | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EMFILE' || code === 'ENFILE') return 'out-of-descriptors';
  const store = storeFailure(err);
  if (store === 'full') return 'storage-full';
  if (store === 'unavailable') return 'database-unavailable';
  return undefined;
}
