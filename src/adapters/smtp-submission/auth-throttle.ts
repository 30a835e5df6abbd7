/**
 * Slows down and then refuses clients that keep failing SMTP AUTH from one address: after a few failures each
 * reply is delayed, after many the address is refused for a while (454, as SES's temporary auth failure).
 */
const WINDOW_MS = 10 * 60_000;
const SLOW_AFTER = 3;
const BLOCK_AFTER = 10;
const BLOCK_MS = 15 * 60_000;

interface Record {
  failures: number;
  first: number;
  blockedUntil: number;
}

export class AuthThrottle {
  readonly #byAddress = new Map<string, Record>();

  /** Milliseconds to wait before answering this address, or -1 if it is blocked. */
  delayFor(address: string, now = Date.now()): number {
    const r = this.#byAddress.get(address);
    if (!r) return 0;
    if (r.blockedUntil > now) return -1;
    if (now - r.first > WINDOW_MS) {
      this.#byAddress.delete(address);
      return 0;
    }
    return r.failures >= SLOW_AFTER ? Math.min(5000, (r.failures - SLOW_AFTER + 1) * 1000) : 0;
  }

  failed(address: string, now = Date.now()): void {
    let r = this.#byAddress.get(address);
    if (!r || now - r.first > WINDOW_MS) {
      r = { failures: 0, first: now, blockedUntil: 0 };
      this.#byAddress.set(address, r);
    }
    r.failures++;
    if (r.failures >= BLOCK_AFTER) r.blockedUntil = now + BLOCK_MS;
    if (this.#byAddress.size > 100_000) this.#byAddress.clear();
  }

  succeeded(address: string): void {
    this.#byAddress.delete(address);
  }
}
