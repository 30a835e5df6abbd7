/** Recognising database errors that mean something to the domain, on SQLite and PostgreSQL alike. */

/** A primary-key or unique constraint refused the row (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_*). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return (
    code === '23505' ||
    code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY') ||
    code.startsWith('SQLITE_CONSTRAINT_UNIQUE')
  );
}

/**
 * Why a store operation failed, when the failure is the database's state rather than the request: `unavailable`
 * (the connection was lost or refused, the server is shutting down or restarting, the SQLite file is locked or
 * cannot be read) or `full` (the disk or the database is full). Both pass; the caller answers a retryable error.
 */
export type StoreFailure = 'unavailable' | 'full';

/** SQLSTATEs of PostgreSQL that mean "try again later" (class 08: connection exception). */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
const PG_FULL = new Set(['53100']);
const NODE_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** pg reports a lost or unobtainable connection with these messages and no code. */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed and is not queryable|Connection is not open)/;

export function storeFailure(err: unknown): StoreFailure | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (PG_FULL.has(code) || code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT')
        return 'full';
      if (
        PG_UNAVAILABLE.has(code) ||
        code.startsWith('08') ||
        NODE_UNAVAILABLE.has(code) ||
        code.startsWith('SQLITE_BUSY') ||
        code.startsWith('SQLITE_IOERR') ||
        code === 'SQLITE_CANTOPEN' ||
        code === 'SQLITE_PROTOCOL'
      )
        return 'unavailable';
    }
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return 'unavailable';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
