import { describe, expect, it } from 'vitest';
import { AuthThrottle } from '../../src/adapters/smtp-submission/auth-throttle.ts';

/** `n` attempts that fail (never call succeeded()), all at `now`. */
function fail(t: AuthThrottle, address: string, username: string, n: number, now = 0): void {
  for (let i = 0; i < n; i++) t.begin(address, username, now);
}

describe('SMTP AUTH throttle', () => {
  it('slows down repeated failures from one address, then refuses them for a while', () => {
    const t = new AuthThrottle();
    expect(t.begin('192.0.2.1', 'u1', 0).delay).toBe(0);
    fail(t, '192.0.2.1', 'u1', 2);
    expect(t.begin('192.0.2.1', 'u2', 0).delay).toBe(1000);
    fail(t, '192.0.2.1', 'u3', 6);
    expect(t.begin('192.0.2.1', 'u4', 1000).delay).toBe(-1);
    expect(t.begin('192.0.2.2', 'u5', 1000).delay).toBe(0);
    expect(t.begin('192.0.2.1', 'u6', 16 * 60_000).delay).toBe(0);
  });

  it('counts parallel attempts as they begin, before any of them is answered', () => {
    const t = new AuthThrottle();
    // Ten attempts in flight at once: the eleventh is refused although none has failed yet.
    const inFlight = Array.from({ length: 10 }, (_, i) => t.begin('192.0.2.9', `guess${i}`, 0));
    expect(inFlight.every((a) => a.delay >= 0)).toBe(true);
    expect(t.begin('192.0.2.9', 'guess10', 0).delay).toBe(-1);
  });

  it("a good login takes back only its own attempt: it never resets another user's failures", () => {
    const t = new AuthThrottle();
    fail(t, '198.51.100.7', 'attacker', 9);
    // A tenant behind the same address logs in successfully…
    t.begin('198.51.100.7', 'tenant', 0).succeeded();
    // …and the attacker's failures still count: the next guess is delayed the most, the one after refused.
    expect(t.begin('198.51.100.7', 'attacker', 0).delay).toBe(5000);
    expect(t.begin('198.51.100.7', 'attacker', 0).delay).toBe(-1);
  });

  it('an IPv6 client counts by its /64: changing the interface id does not start a new count', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < 10; i++) t.begin(`2001:db8:1:2::${(i + 1).toString(16)}`, `g${i}`, 0);
    expect(t.begin('2001:db8:1:2:ffff:ffff:ffff:ffff', 'g', 0).delay).toBe(-1);
    expect(t.begin('2001:db8:1:3::1', 'g', 0).delay).toBe(0);
  });

  it('counts per username too: guesses at one key spread over many addresses are slowed, then refused', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < 5; i++) t.begin(`203.0.113.${i}`, 'AKIAVICTIM', 0);
    expect(t.begin('203.0.113.100', 'AKIAVICTIM', 0).delay).toBe(1000);
    for (let i = 0; i < 24; i++) t.begin(`203.0.113.${110 + i}`, 'AKIAVICTIM', 0);
    expect(t.begin('203.0.113.200', 'AKIAVICTIM', 0).delay).toBe(-1);
    expect(t.begin('203.0.113.201', 'AKIAOTHER', 0).delay).toBe(0);
  });
});
