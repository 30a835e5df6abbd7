/**
 * Warm-up of a dedicated IP: the share of its pool's traffic a new address takes grows over 45 days along a
 * geometric curve, from 0.1 % on its first day to 100 % (×10 every 15 days); the rest of the traffic goes
 * through the pool's warm addresses, or the shared pool when there are none. Setting a percentage moves the
 * curve's start so the address continues from there.
 */
import type { WarmupRecord } from '../../store/store.ts';

export const WARMUP_DAYS = 45;
const DAY_MS = 86_400_000;
const START_PERCENT = 0.1;
const GROWTH = 100 / START_PERCENT;

/** The share (0.1–100 %) an address warming since `startedAt` may take at `now`. */
export function warmupPercent(w: WarmupRecord, now: number): number {
  if (w.done) return 100;
  const days = Math.max(0, (now - w.startedAt) / DAY_MS);
  return Math.min(100, START_PERCENT * GROWTH ** (days / WARMUP_DAYS));
}

/** The curve's start that puts an address at `percent` now (0: the start of warm-up; 100: done). */
export function warmupAt(percent: number, now: number): WarmupRecord {
  if (percent >= 100) return { startedAt: now - WARMUP_DAYS * DAY_MS, done: true };
  if (percent <= START_PERCENT) return { startedAt: now, done: false };
  const days = (WARMUP_DAYS * Math.log(percent / START_PERCENT)) / Math.log(GROWTH);
  return { startedAt: now - days * DAY_MS, done: false };
}

/** The curve as a table for the docs: day → percent. */
export function warmupTable(step = 5): { day: number; percent: number }[] {
  const rows: { day: number; percent: number }[] = [];
  for (let day = 0; day <= WARMUP_DAYS; day += step)
    rows.push({ day, percent: warmupPercent({ startedAt: 0, done: false }, day * DAY_MS) });
  return rows;
}

/** One address a message may leave from, with its current share. */
export interface SourceCandidate {
  ip: string;
  ehlo: string | null;
  percent: number;
}

/**
 * Chooses the address of each message of a pool, deterministically: a warming address earns `percent/100`
 * of a message per message of its pool and takes one when it has earned it (so 10 % is every tenth
 * message, not 10 % on average); the others go round-robin over the warm addresses, else to the shared pool.
 */
export class SourceChooser {
  readonly #credit = new Map<string, number>();
  readonly #turn = new Map<string, number>();

  choose(pool: string, candidates: SourceCandidate[]): SourceCandidate | null {
    const warming = candidates.filter((c) => c.percent < 100);
    const warm = candidates.filter((c) => c.percent >= 100);
    let pick: SourceCandidate | null = null;
    for (const c of warming) {
      const credit = (this.#credit.get(c.ip) ?? 0) + c.percent / 100;
      // (The epsilon keeps float sums like ten times 0.1 from missing the whole message they add up to.)
      if (!pick && credit >= 1 - 1e-9) {
        pick = c;
        this.#credit.set(c.ip, credit - 1);
      } else this.#credit.set(c.ip, Math.min(credit, 1));
    }
    if (pick) return pick;
    if (warm.length === 0) return null;
    const turn = this.#turn.get(pool) ?? 0;
    this.#turn.set(pool, turn + 1);
    return warm[turn % warm.length]!;
  }
}

/** What a managed pool's address may send to one provider per day once warm (SES: 50,000 within 45 days). */
export const MANAGED_DAILY_CAPACITY = 50_000;

export interface ManagedCandidate {
  ip: string;
  ehlo: string | null;
  /** When this address started warming up towards the provider (null: it has not sent to it yet). */
  startedAt: number | null;
  /** Messages it sent to the provider today (on this node). */
  sentToday: number;
}

/**
 * A managed pool adapts to volume, per mailbox provider: it keeps using the addresses already warming
 * towards the provider (oldest first) while each has capacity left today (the daily capacity times its
 * warm-up percentage for that provider), and brings in the next address only when they are full — so a
 * small volume stays on few, well-warmed addresses and a growing one spreads as far as it needs. When
 * every address is full the one with the most room relative to its capacity takes the message.
 */
export function chooseManaged(
  candidates: ManagedCandidate[],
  now: number,
): { pick: ManagedCandidate; starts: boolean } | null {
  if (candidates.length === 0) return null;
  const capacity = (c: ManagedCandidate) =>
    c.startedAt === null
      ? 0
      : (MANAGED_DAILY_CAPACITY * warmupPercent({ startedAt: c.startedAt, done: false }, now)) / 100;
  const warming = candidates
    .filter((c) => c.startedAt !== null)
    .sort((a, b) => a.startedAt! - b.startedAt! || a.ip.localeCompare(b.ip));
  const withRoom = warming.find((c) => c.sentToday < capacity(c));
  if (withRoom) return { pick: withRoom, starts: false };
  const fresh = candidates.filter((c) => c.startedAt === null).sort((a, b) => a.ip.localeCompare(b.ip))[0];
  if (fresh) return { pick: fresh, starts: true };
  const leastLoaded = [...warming].sort(
    (a, b) => a.sentToday / Math.max(1, capacity(a)) - b.sentToday / Math.max(1, capacity(b)),
  )[0]!;
  return { pick: leastLoaded, starts: false };
}
