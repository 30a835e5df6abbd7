/**
 * The account-level suppression list: addresses Sesame does not send to (a send to one is accepted and answered
 * with a Bounce event, Permanent/OnAccountSuppressionList). Hard bounces and complaints add addresses
 * automatically (feedback/auto-suppression); operators and API callers add and remove them here.
 */
import { parseEmailAddress } from '../identities/names.ts';
import type { Page, Store, SuppressedDestinationRecord, SuppressionReason } from '../../store/store.ts';
import type { AccountService } from '../accounts/account-service.ts';
import { badRequest, notFound } from '../errors.ts';

export class SuppressionService {
  readonly #store: Store;
  readonly #accounts: AccountService;
  readonly #now: () => number;

  constructor(deps: { store: Store; accounts: AccountService; now: () => number }) {
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#now = deps.now;
  }

  async put(
    accountId: string,
    email: string,
    reason: SuppressionReason,
    options: { sandboxAllowed?: boolean } = {},
  ): Promise<void> {
    const account = await this.#accounts.get(accountId);
    // As in SES: an account in the sandbox cannot add addresses to its list itself.
    if (!account.productionAccess && !options.sandboxAllowed)
      throw badRequest('PutSuppressedDestination is not allowed while the account is in the sandbox.');
    await this.#store.suppression.put({
      accountId,
      email: normalize(email),
      reason,
      lastUpdate: this.#now(),
      messageId: null,
      feedbackId: null,
    });
  }

  /**
   * Which of the given lowercase addresses are on the account's list. Asked on every send, never cached: an
   * address added by any node (API, CLI import, a bounce) is honoured by the very next send everywhere.
   */
  suppressedAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]> {
    return this.#store.suppression.findAmong(accountId, emails);
  }

  /** Adds an address because of a hard bounce or a complaint of one of the account's messages. */
  suppressFromFeedback(record: SuppressedDestinationRecord): Promise<void> {
    return this.#store.suppression.put(record);
  }

  async get(accountId: string, email: string): Promise<SuppressedDestinationRecord> {
    const r = await this.#store.suppression.get(accountId, normalize(email));
    if (!r)
      throw notFound(
        'SuppressedDestination',
        `Email address ${email} does not exist on your suppression list.`,
      );
    return r;
  }

  async delete(accountId: string, email: string): Promise<void> {
    if (!(await this.#store.suppression.delete(accountId, normalize(email))))
      throw notFound(
        'SuppressedDestination',
        `Email address ${email} does not exist on your suppression list.`,
      );
  }

  async list(
    accountId: string,
    o: {
      reasons?: SuppressionReason[] | undefined;
      start?: number | undefined;
      end?: number | undefined;
      /** The cursor of the previous page (the adapter decodes NextToken). */
      after?: string | undefined;
      pageSize: number;
    },
  ): Promise<Page<SuppressedDestinationRecord>> {
    return this.#store.suppression.list(accountId, {
      reasons: o.reasons,
      start: o.start,
      end: o.end,
      after: o.after,
      limit: o.pageSize,
    });
  }

  /** Bulk import (operator CLI): valid rows are stored, the others are reported back with their line. */
  async importRows(
    accountId: string,
    rows: { line: number; email: string; reason: string }[],
  ): Promise<{ line: number; error: string }[]> {
    await this.#accounts.get(accountId);
    const errors: { line: number; error: string }[] = [];
    for (const row of rows) {
      const reason = row.reason.trim().toUpperCase();
      if (reason !== 'BOUNCE' && reason !== 'COMPLAINT') {
        errors.push({ line: row.line, error: `reason must be BOUNCE or COMPLAINT, not "${row.reason}"` });
        continue;
      }
      try {
        await this.#store.suppression.put({
          accountId,
          email: normalize(row.email),
          reason,
          lastUpdate: this.#now(),
          messageId: null,
          feedbackId: null,
        });
      } catch (err) {
        errors.push({ line: row.line, error: (err as Error).message });
      }
    }
    return errors;
  }
}

function normalize(email: string): string {
  const parsed = parseEmailAddress(email);
  if (!parsed && !/^[^@\s]+@[^@\s]+$/.test(email.trim())) throw badRequest(`Invalid email address ${email}.`);
  return email.trim().toLowerCase();
}
