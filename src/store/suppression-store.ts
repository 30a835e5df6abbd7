/** The account-level suppression list. */
import type { CompiledQuery, Selectable } from 'kysely';
import { count, one, page } from './queries.ts';
import type { SuppressedDestinationsTable } from './schema.ts';
import type { Db } from './transactions.ts';
import type { Page, SuppressedDestinationRecord, SuppressionStore } from './store.ts';

function toRecord(r: Selectable<SuppressedDestinationsTable>): SuppressedDestinationRecord {
  return {
    accountId: r.account_id,
    email: r.email,
    reason: r.reason as SuppressedDestinationRecord['reason'],
    lastUpdate: r.last_update,
    messageId: r.message_id,
    feedbackId: r.feedback_id,
  };
}

/** Cursor: `<last_update>:<email>` of the last row of a page (newest first, then by address). */
function parseCursor(after: string | undefined): { t: number; email: string } | undefined {
  if (!after) return undefined;
  const i = after.indexOf(':');
  return i < 0 ? undefined : { t: Number(after.slice(0, i)), email: after.slice(i + 1) };
}

export class KyselySuppressionStore implements SuppressionStore {
  readonly #db: Db;
  readonly #findAmongQueries = new Map<number, CompiledQuery>();
  constructor(db: Db) {
    this.#db = db;
  }

  async put(r: SuppressedDestinationRecord): Promise<void> {
    const row = {
      account_id: r.accountId,
      email: r.email,
      reason: r.reason,
      last_update: r.lastUpdate,
      message_id: r.messageId,
      feedback_id: r.feedbackId,
    };
    await this.#db
      .insertInto('suppressed_destinations')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['account_id', 'email']).doUpdateSet({
          reason: r.reason,
          last_update: r.lastUpdate,
          message_id: r.messageId,
          feedback_id: r.feedbackId,
        }),
      )
      .execute();
  }

  get(accountId: string, email: string): Promise<SuppressedDestinationRecord | null> {
    return one(
      this.#db
        .selectFrom('suppressed_destinations')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email', '=', email),
      toRecord,
    );
  }

  async findAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]> {
    if (emails.length === 0) return [];
    const { rows } = await this.#db.executeQuery<Selectable<SuppressedDestinationsTable>>({
      ...this.#findAmongQuery(emails.length),
      parameters: [accountId, ...emails],
    });
    return rows.map(toRecord);
  }

  /**
   * findAmong's statement for n addresses, built and compiled once: every send asks, and building the query
   * cost more than running it.
   */
  #findAmongQuery(n: number): CompiledQuery {
    let query = this.#findAmongQueries.get(n);
    if (!query) {
      query = this.#db
        .selectFrom('suppressed_destinations')
        .selectAll()
        .where('account_id', '=', '')
        .where(
          'email',
          'in',
          Array.from({ length: n }, () => ''),
        )
        .compile();
      if (n <= 50) this.#findAmongQueries.set(n, query);
    }
    return query;
  }

  async delete(accountId: string, email: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('suppressed_destinations')
      .where('account_id', '=', accountId)
      .where('email', '=', email)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  count(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('suppressed_destinations').where('account_id', '=', accountId));
  }

  list(
    accountId: string,
    o: {
      reasons?: SuppressedDestinationRecord['reason'][] | undefined;
      start?: number | undefined;
      end?: number | undefined;
      after?: string | undefined;
      limit: number;
    },
  ): Promise<Page<SuppressedDestinationRecord>> {
    const cursor = parseCursor(o.after);
    return page(
      this.#db
        .selectFrom('suppressed_destinations')
        .selectAll()
        .where('account_id', '=', accountId)
        .$if(!!o.reasons?.length, (q) => q.where('reason', 'in', o.reasons!))
        .$if(o.start !== undefined, (q) => q.where('last_update', '>=', o.start!))
        .$if(o.end !== undefined, (q) => q.where('last_update', '<=', o.end!))
        .$if(cursor !== undefined, (q) =>
          q.where((eb) =>
            eb.or([
              eb('last_update', '<', cursor!.t),
              eb.and([eb('last_update', '=', cursor!.t), eb('email', '>', cursor!.email)]),
            ]),
          ),
        )
        .orderBy('last_update', 'desc')
        .orderBy('email'),
      o.limit,
      toRecord,
      (last) => `${last.lastUpdate}:${last.email}`,
    );
  }
}
