/**
 * Dedicated IP warm-up with an injected clock (no sleeping): the documented 45-day curve, setting and
 * resetting the percentage, and the share of a pool a warming address takes over a simulated day.
 */
import { describe, expect, it } from 'vitest';
import {
  SourceChooser,
  chooseManaged,
  warmupAt,
  warmupPercent,
  warmupTable,
} from '../../src/core/dedicated-ips/warmup.ts';

const DAY = 86_400_000;

describe('the warm-up curve', () => {
  it('goes from 0.1 % to 100 % in 45 days, ×10 every 15 days (docs/capabilities/dedicated-ips.md)', () => {
    const start = { startedAt: 0, done: false };
    expect(warmupPercent(start, 0)).toBeCloseTo(0.1);
    expect(warmupPercent(start, 15 * DAY)).toBeCloseTo(1);
    expect(warmupPercent(start, 30 * DAY)).toBeCloseTo(10);
    expect(warmupPercent(start, 45 * DAY)).toBe(100);
    expect(warmupPercent(start, 60 * DAY)).toBe(100);
    expect(warmupTable(15).map((r) => Number(r.percent.toFixed(1)))).toEqual([0.1, 1, 10, 100]);
  });

  it('setting a percentage continues the curve from there; 100 completes it, 0 restarts it', () => {
    const now = 100 * DAY;
    const at10 = warmupAt(10, now);
    expect(warmupPercent(at10, now)).toBeCloseTo(10);
    expect(warmupPercent(at10, now + 15 * DAY)).toBeCloseTo(100);
    expect(warmupAt(100, now)).toMatchObject({ done: true });
    expect(warmupPercent(warmupAt(100, now), now)).toBe(100);
    expect(warmupPercent(warmupAt(0, now), now)).toBeCloseTo(0.1);
  });
});

describe('the share of a pool a warming address takes', () => {
  const pool = (fresh: number) => [
    { ip: '127.0.0.102', ehlo: null, percent: 100 },
    { ip: '127.0.0.103', ehlo: null, percent: fresh },
  ];

  it('exactly its percentage (every tenth message at 10 %), the rest on the warm address', () => {
    const chooser = new SourceChooser();
    const picks = Array.from({ length: 1000 }, () => chooser.choose('p', pool(10))!.ip);
    expect(picks.filter((ip) => ip === '127.0.0.103')).toHaveLength(100);
  });

  it('over a simulated day from 10 %: one message a minute, the share following the curve', () => {
    const chooser = new SourceChooser();
    const warmup = warmupAt(10, 0);
    let fresh = 0;
    for (let minute = 0; minute < 24 * 60; minute++) {
      const percent = warmupPercent(warmup, minute * 60_000);
      if (chooser.choose('p', pool(percent))!.ip === '127.0.0.103') fresh++;
    }
    // The curve's mean over the day, ±1 message.
    let expected = 0;
    for (let minute = 0; minute < 24 * 60; minute++) expected += warmupPercent(warmup, minute * 60_000) / 100;
    expect(Math.abs(fresh - expected)).toBeLessThanOrEqual(1);
    expect(warmupPercent(warmup, DAY)).toBeCloseTo(10 * 1000 ** (1 / 45), 5);
  });

  it('with no warm address, what the new one does not take goes to the shared pool (null)', () => {
    const chooser = new SourceChooser();
    const picks = Array.from({ length: 100 }, () =>
      chooser.choose('q', [{ ip: 'x', ehlo: null, percent: 20 }]),
    );
    expect(picks.filter((p) => p === null)).toHaveLength(80);
  });
});

describe('a managed pool adapts to volume, per provider', () => {
  const pool = (state: Record<string, { startedAt: number | null; sentToday: number }>) =>
    Object.entries(state).map(([ip, s]) => ({ ip, ehlo: null, ...s }));

  it('a small volume stays on one address; a growing one brings in the next only when the first is full', () => {
    const now = 0;
    // Day 0 of warm-up: 0.1 % of 50,000 = 50 messages a day per address and provider.
    const state: Record<string, { startedAt: number | null; sentToday: number }> = {
      a: { startedAt: null, sentToday: 0 },
      b: { startedAt: null, sentToday: 0 },
      c: { startedAt: null, sentToday: 0 },
    };
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 120; i++) {
      const { pick, starts } = chooseManaged(pool(state), now)!;
      if (starts) state[pick.ip]!.startedAt = now;
      state[pick.ip]!.sentToday++;
      counts[pick.ip]!++;
    }
    expect(counts).toEqual({ a: 50, b: 50, c: 20 });
  });

  it('a warmer address carries more: thirty days in, 10 % of 50,000 a day', () => {
    const now = 30 * DAY;
    const c = chooseManaged(
      pool({ a: { startedAt: 0, sentToday: 4_999 }, b: { startedAt: null, sentToday: 0 } }),
      now,
    )!;
    expect(c.pick.ip).toBe('a');
    const full = chooseManaged(
      pool({ a: { startedAt: 0, sentToday: 5_000 }, b: { startedAt: null, sentToday: 0 } }),
      now,
    )!;
    expect(full).toMatchObject({ pick: { ip: 'b' }, starts: true });
  });
});
