/**
 * Named leases shared by every node of one database: singleton work (the identity verifier's background
 * checks, the monitoring round, the purge of received mail) runs on the node holding its lease. Rows, not
 * session advisory locks, so they hold behind a transaction-mode connection pooler.
 */
export interface LeaseStore {
  /** Takes or renews the lease until `now + ttlMs` if it is free, expired or already `owner`'s. */
  acquire(name: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up now (a node stopping), if `owner` holds it. */
  release(name: string, owner: string): Promise<void>;
  list(): Promise<{ name: string; owner: string; until: number }[]>;
}
