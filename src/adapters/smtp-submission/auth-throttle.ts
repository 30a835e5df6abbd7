/**
 * Slows down and then refuses SMTP AUTH attempts that keep failing, counted per client address (an IPv6
 * client by its /64) and per username. Every attempt counts the moment it begins (so parallel attempts see one
 * another); an attempt that succeeds takes back only its own count — a good login from the same address or
 * of another user never resets anyone's failures. After a few failures each reply is delayed; after many,
 * the address (or username) is refused for a while with SES's temporary auth failure (454).
 */
import { createHash } from 'node:crypto';
import { clientKey } from '../smtp-common/index.ts';

const WINDOW_MS = 10 * 60_000;
const BLOCK_MS = 15 * 60_000;
/** Per address: delay after SLOW_AFTER failures, refuse after BLOCK_AFTER. */
const ADDRESS = { slowAfter: 3, blockAfter: 10 };
/**
 * Per username: a guessing attack on one key spread over many addresses. Higher, because a block here also
 * refuses the key's owner until it ends.
 */
const USERNAME = { slowAfter: 5, blockAfter: 30 };
const MAX_TRACKED = 100_000;

interface Counter {
  failures: number;
  first: number;
  blockedUntil: number;
}

export interface AuthAttempt {
  /** Milliseconds to wait before answering, or -1 if the attempt is refused (454) without checking. */
  readonly delay: number;
  /** The attempt succeeded: its own count is taken back. */
  succeeded(): void;
}

export class AuthThrottle {
  readonly #counters = new Map<string, Counter>();

  /** Counts an attempt from `address` for `username` now, before the credentials are checked. */
  begin(address: string, username: string, now = Date.now()): AuthAttempt {
    const keys: [string, typeof ADDRESS][] = [
      [`a:${clientKey(address)}`, ADDRESS],
      // Not the username itself: a client that swapped username and password would keep the password here.
      [`u:${createHash('sha256').update(username).digest('base64url').slice(0, 22)}`, USERNAME],
    ];
    let delay = 0;
    for (const [key, limits] of keys) {
      const c = this.#counter(key, now);
      // Failures include the attempts still being checked: ten in parallel are ten, not one.
      if (c.blockedUntil <= now && c.failures >= limits.blockAfter) c.blockedUntil = now + BLOCK_MS;
      if (c.blockedUntil > now) delay = -1;
      else if (delay >= 0 && c.failures >= limits.slowAfter)
        delay = Math.max(delay, Math.min(5000, (c.failures - limits.slowAfter + 1) * 1000));
    }
    if (delay < 0) return { delay, succeeded: () => undefined };
    for (const [key] of keys) this.#counter(key, now).failures++;
    let taken = false;
    return {
      delay,
      succeeded: () => {
        if (taken) return;
        taken = true;
        for (const [key] of keys) {
          const c = this.#counters.get(key);
          if (c && c.failures > 0) c.failures--;
        }
      },
    };
  }

  #counter(key: string, now: number): Counter {
    let c = this.#counters.get(key);
    if (!c || (now - c.first > WINDOW_MS && c.blockedUntil <= now)) {
      if (!c && this.#counters.size >= MAX_TRACKED) this.#evict(now);
      c = { failures: 0, first: now, blockedUntil: 0 };
      this.#counters.set(key, c);
    }
    return c;
  }

  /** Drops expired counters; if that frees nothing, the oldest half (an address flood must not grow memory). */
  #evict(now: number): void {
    for (const [k, c] of this.#counters)
      if (now - c.first > WINDOW_MS && c.blockedUntil <= now) this.#counters.delete(k);
    if (this.#counters.size < MAX_TRACKED) return;
    let n = 0;
    for (const k of this.#counters.keys()) {
      if (n++ >= MAX_TRACKED / 2) break;
      this.#counters.delete(k);
    }
  }
}
