/**
 * Connections kept open for a short while after their destination's queue ran dry, as Postfix's connection
 * cache (scache) does: the next message to that destination — usually within milliseconds under steady load —
 * reuses one instead of paying for a new TCP connection, greeting, EHLO (and STARTTLS) and a QUIT. A parked
 * connection is checked again before use (still open, right host, TLS when required).
 */
import type { SmtpSession } from './session.ts';

export class IdleSessions {
  readonly #idleMs: number;
  readonly #maxPerDomain: number;
  readonly #parked = new Map<string, { session: SmtpSession; timer: NodeJS.Timeout }[]>();

  constructor(idleMs: number, maxPerDomain: number) {
    this.#idleMs = idleMs;
    this.#maxPerDomain = maxPerDomain;
  }

  /** A parked connection to the domain that is still open, if any. */
  take(domain: string): SmtpSession | undefined {
    const list = this.#parked.get(domain);
    while (list?.length) {
      const { session, timer } = list.pop()!;
      clearTimeout(timer);
      if (session.usable) return session;
      session.close();
    }
    this.#parked.delete(domain);
    return undefined;
  }

  /** Keeps the connection for the idle time (then QUITs it); closes it at once when there is no room. */
  park(domain: string, session: SmtpSession): void {
    if (this.#idleMs <= 0 || !session.usable) return session.close();
    const list = this.#parked.get(domain) ?? [];
    if (list.length >= this.#maxPerDomain) return session.close();
    const entry = {
      session,
      timer: setTimeout(() => {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0 && this.#parked.get(domain) === list) this.#parked.delete(domain);
        session.close();
      }, this.#idleMs),
    };
    entry.timer.unref();
    list.push(entry);
    this.#parked.set(domain, list);
  }

  get size(): number {
    let n = 0;
    for (const list of this.#parked.values()) n += list.length;
    return n;
  }

  closeAll(): void {
    for (const list of this.#parked.values())
      for (const { session, timer } of list) {
        clearTimeout(timer);
        session.close();
      }
    this.#parked.clear();
  }
}
