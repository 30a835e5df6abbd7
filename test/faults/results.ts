/**
 * What each fault experiment tried and what held, collected while the fault suite runs and turned into the
 * table of docs/reliability.md by tools/fault-report.ts (one file per database, appended to as tests finish).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onPostgres } from '../support/database.ts';

export const RESULTS_DIR = process.env.SESAME_FAULT_RESULTS ?? join(process.cwd(), '.fault-results');

export interface FaultResult {
  /** Which promise of docs/reliability.md the experiment tests. */
  promise: string;
  /** The fault, as a reader of the table would name it. */
  fault: string;
  /** What was done, counted (e.g. "3 rounds of pg_terminate_backend under 600 sends"). */
  tried: string;
  /** What held, counted (e.g. "600/600 accepted, 0 lost, node up"). */
  held: string;
}

export function recordFault(result: FaultResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const database = onPostgres ? 'postgres' : 'sqlite';
  appendFileSync(join(RESULTS_DIR, `${database}.jsonl`), `${JSON.stringify({ ...result, database })}\n`);
}
