/** The account-level suppression list. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, SuppressedDestinationsTable } from './schema.ts';
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
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
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

  async get(accountId: string, email: string): Promise<SuppressedDestinationRecord | null> {
    const r = await this.#db
      .selectFrom('suppressed_destinations')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('email', '=', email)
      .executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async findAmong(accountId: string, emails: string[]): Promise<SuppressedDestinationRecord[]> {
    if (emails.length === 0) return [];
    const rows = await this.#db
      .selectFrom('suppressed_destinations')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('email', 'in', emails)
      .execute();
    return rows.map(toRecord);
  }

  async delete(accountId: string, email: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('suppressed_destinations')
      .where('account_id', '=', accountId)
      .where('email', '=', email)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async count(accountId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('suppressed_destinations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(
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
    const rows = await this.#db
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
      .orderBy('email')
      .limit(o.limit + 1)
      .execute();
    const items = rows.slice(0, o.limit).map(toRecord);
    const last = items.at(-1);
    return { items, next: rows.length > o.limit && last ? `${last.lastUpdate}:${last.email}` : null };
  }
}
