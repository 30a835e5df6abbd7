/**
 * When a deferred delivery is tried again: exponential backoff from the retry base (SESAME_RETRY_BASE_SECONDS),
 * doubling per attempt up to an hour, with ±20 % jitter so that recipients deferred together do not come back
 * together. Past the message's maximum age the deliverer gives up instead (a soft bounce).
 */
const MAX_BACKOFF_MS = 3600_000;

/** The time of the next attempt after `attempts` attempts (1 after the first). */
export function nextAttemptAt(retryBaseMs: number, attempts: number, now = Date.now()): number {
  const backoff = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** Math.min(30, attempts - 1));
  return Math.round(now + backoff * (0.8 + Math.random() * 0.4));
}
