/**
 * The query shapes every repository repeats, written once: a create whose key collision becomes
 * StoreConflictError, one row or null, a cursor page (`limit + 1` rows tell whether there is a next page), a
 * count. Each takes a Kysely query the repository built, so the SQL stays typed.
 */
import type { SelectQueryBuilder } from 'kysely';
import { isUniqueViolation } from './sql-errors.ts';
import { StoreConflictError, type Page } from './store.ts';

/** Runs an insert; a primary-key or unique collision becomes {@link StoreConflictError} for `what`. */
export async function insertOrConflict(what: string, insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreConflictError(what);
    throw err;
  }
}

/** The first row of a query as a record, or null. */
export async function one<R, T>(
  query: { executeTakeFirst(): Promise<R | undefined> },
  toRecord: (row: R) => T,
): Promise<T | null> {
  const row = await query.executeTakeFirst();
  return row === undefined ? null : toRecord(row);
}

/**
 * A page from the rows of a query limited to `limit + 1`: the first `limit` as records, and the cursor of the
 * last of them when a further row exists.
 */
export async function page<R, T>(
  query: { limit(n: number): { execute(): Promise<R[]> } },
  limit: number,
  toRecord: (row: R) => T,
  cursorOf: (record: T) => string,
): Promise<Page<T>> {
  const rows = await query.limit(limit + 1).execute();
  const items = rows.slice(0, limit).map(toRecord);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** The number of rows a query selects. */
export async function count<DB, TB extends keyof DB>(
  query: SelectQueryBuilder<DB, TB, object>,
): Promise<number> {
  const r = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number((r as { n: unknown }).n);
}
