/**
 * The sending quotas shared by every node of one database: the rolling 24-hour count (minute buckets of
 * `send_counts`) and the send-rate token bucket (`rate_buckets`). Each call is one write transaction that holds
 * the account's lock, so nodes never count past the quota together.
 */

/** Where the shared send-rate buckets live: the database (QuotaStore) or Redis (store/redis-rate-limits.ts). */
export interface RateLimitStore {
  /**
   * The account's shared token bucket: refilled at `rate` per second up to `capacity`; while it holds at least
   * one token, takes at least `units` (it may go below zero: a send of several recipients uses them all) and
   * at most `want` of what it holds. Returns the tokens taken (0: none left now).
   */
  takeRate(
    accountId: string,
    units: number,
    want: number,
    rate: number,
    capacity: number,
    now: number,
  ): Promise<number>;
  close?(): Promise<void>;
}

export interface QuotaStore extends RateLimitStore {
  /**
   * Counts units into the account's bucket of `now` if fewer than `max` were counted in the 24 hours before:
   * at least `units` (SES accepts a send while any quota remains, and it uses all its recipients), at most
   * `want`, never more than what is left unless `units` alone is. Returns the units counted (0: quota used up).
   */
  reserveDaily(accountId: string, units: number, want: number, max: number, now: number): Promise<number>;
  /** Takes back units counted by `reserveDaily` into the bucket of `at` that no send used. */
  releaseDaily(accountId: string, at: number, units: number): Promise<void>;
}
