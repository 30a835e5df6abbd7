/**
 * Holding the bench still: the server under test (Sesame, or the reference it is compared with) runs on one
 * set of cores and the load generators (this process with autocannon and the DNS server, smtp-source,
 * smtp-sink) on the other, with `taskset`, so neither steals the other's CPU and both sides of a pair get the
 * same cores. On one core, or without taskset, nothing is pinned (and the results say so).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

export interface Pinning {
  /** Cores of the server under test, as taskset's list (e.g. "0"). */
  server: string;
  /** Cores of the load generators (e.g. "1"). */
  load: string;
}

function plan(): Pinning | null {
  const n = cpus().length;
  // SESAME_BENCH_UNPINNED=1: every process may use every core (how threads beyond the main one pay off).
  if (n < 2 || !existsSync('/usr/bin/taskset') || process.env.SESAME_BENCH_UNPINNED === '1') return null;
  const half = Math.floor(n / 2);
  const range = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);
  return { server: range(0, half - 1), load: range(half, n - 1) };
}

export const pinning: Pinning | null = plan();

/** Pins this process (every thread) to the load cores; what it spawns inherits them unless wrapped. */
export function pinSelfToLoadCores(): void {
  if (!pinning) return;
  execFileSync('/usr/bin/taskset', ['-a', '-p', '-c', pinning.load, String(process.pid)], {
    stdio: 'ignore',
  });
}

/** The prefix that starts a server under test on the server cores (empty when nothing is pinned). */
export const onServerCores = (): string[] => (pinning ? ['/usr/bin/taskset', '-c', pinning.server] : []);
