/** The account-level suppression list. */
import type { Page } from './common.ts';

export type SuppressionReason = 'BOUNCE' | 'COMPLAINT';

export interface SuppressedDestinationRecord {
  accountId: string;
  /** Lowercase address. */
  email: string;
  reason: SuppressionReason;
  lastUpdate: number;
  messageId: string | null;
  feedbackId: string | null;
}

export interface SuppressionStore {
  /** Adds or updates (reason, time, cause) an address on the account's suppression list. */
  put(record: SuppressedDestinationRecord): Promise<void>;
  get(accountId: string, email: string): Promise<SuppressedDestinationRecord | null>;
  /** Which of the given lowercase addresses are suppressed. */
  findAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]>;
  delete(accountId: string, email: string): Promise<boolean>;
  count(accountId: string): Promise<number>;
  /** Newest first, optionally filtered; `after` is the cursor of the previous page. */
  list(
    accountId: string,
    options: {
      reasons?: SuppressionReason[] | undefined;
      start?: number | undefined;
      end?: number | undefined;
      after?: string | undefined;
      limit: number;
    },
  ): Promise<Page<SuppressedDestinationRecord>>;
}
