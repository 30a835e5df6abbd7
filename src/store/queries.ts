/**
 * The query shapes every repository repeats, written once: a create whose key collision becomes
 * StoreConflictError, one row or null, a cursor page (`limit + 1` rows tell whether there is a next page), a
 * count, an atomic read–change–write of one row. Each takes the Kysely queries the repository built, so the SQL
 * stays typed.
 */
import type { SelectQueryBuilder } from 'kysely';
import { isUniqueViolation } from './sql-errors.ts';
import { StoreConflictError, type Page } from './store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

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

/**
 * Read–change–write of one row in a write transaction: `read` selects it (with `FOR UPDATE` when `lock`),
 * `write` stores the changed record. Null when there is no such row; a `change` that throws changes nothing.
 */
export function modifyOne<R, T>(
  tx: WriteTransactions,
  read: (trx: Db, lock: boolean) => Promise<R | undefined>,
  toRecord: (row: R) => T,
  change: (record: T) => T,
  write: (trx: Db, next: T) => Promise<unknown>,
): Promise<T | null> {
  return tx.run(async (trx) => {
    const row = await read(trx, tx.lockRows);
    if (!row) return null;
    const next = change(toRecord(row));
    await write(trx, next);
    return next;
  });
}
