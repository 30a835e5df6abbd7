/** Identities: verification state as columns; DKIM, MAIL FROM and notification settings as JSON. */
import type { Selectable } from 'kysely';
import type { IdentitiesTable } from './schema.ts';
import { count, insertOrConflict, modifyOne, one, page } from './queries.ts';
import type { IdentityRecord, IdentityStore, Page } from './store.ts';
import type { Db, WriteTransactions } from './transactions.ts';

const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

function toRow(i: IdentityRecord): IdentitiesTable {
  return {
    account_id: i.accountId,
    name: i.name,
    type: i.type,
    created_at: i.createdAt,
    verification_status: i.verificationStatus,
    verification_started_at: i.verificationStartedAt,
    email_token: i.emailToken,
    domain_token: i.domainToken,
    last_checked_at: i.lastCheckedAt,
    last_success_at: i.lastSuccessAt,
    next_check_at: i.nextCheckAt,
    check_count: i.checkCount,
    error_type: i.errorType,
    dkim_signing_enabled: i.dkimSigningEnabled ? 1 : 0,
    dkim: i.dkim ? JSON.stringify(i.dkim) : null,
    mail_from: i.mailFrom ? JSON.stringify(i.mailFrom) : null,
    feedback_forwarding: i.feedbackForwarding ? 1 : 0,
    configuration_set_name: i.configurationSetName,
    notifications: i.notifications ? JSON.stringify(i.notifications) : null,
  };
}

function toRecord(r: Selectable<IdentitiesTable>): IdentityRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    type: r.type as IdentityRecord['type'],
    createdAt: r.created_at,
    verificationStatus: r.verification_status as IdentityRecord['verificationStatus'],
    verificationStartedAt: r.verification_started_at,
    emailToken: r.email_token,
    domainToken: r.domain_token,
    lastCheckedAt: r.last_checked_at,
    lastSuccessAt: r.last_success_at,
    nextCheckAt: r.next_check_at,
    checkCount: r.check_count,
    errorType: r.error_type,
    dkimSigningEnabled: r.dkim_signing_enabled !== 0,
    dkim: json(r.dkim),
    mailFrom: json(r.mail_from),
    feedbackForwarding: r.feedback_forwarding !== 0,
    configurationSetName: r.configuration_set_name,
    notifications: json(r.notifications),
  };
}

export class KyselyIdentities implements IdentityStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;

  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  create(identity: IdentityRecord): Promise<void> {
    return insertOrConflict(`identity ${identity.name}`, () =>
      this.#db.insertInto('identities').values(toRow(identity)).execute(),
    );
  }

  get(accountId: string, name: string): Promise<IdentityRecord | null> {
    return one(
      this.#db
        .selectFrom('identities')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name),
      toRecord,
    );
  }

  list(
    accountId: string,
    options: { after?: string | undefined; limit: number; type?: IdentityRecord['type'] | undefined },
  ): Promise<Page<IdentityRecord>> {
    return page(
      this.#db
        .selectFrom('identities')
        .selectAll()
        .where('account_id', '=', accountId)
        .$if(options.after !== undefined, (q) => q.where('name', '>', options.after!))
        .$if(options.type !== undefined, (q) => q.where('type', '=', options.type!))
        .orderBy('name'),
      options.limit,
      toRecord,
      (i) => i.name,
    );
  }

  count(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('identities').where('account_id', '=', accountId));
  }

  modify(
    accountId: string,
    name: string,
    change: (identity: IdentityRecord) => IdentityRecord,
  ): Promise<IdentityRecord | null> {
    return modifyOne(
      this.#tx,
      (trx, lock) =>
        trx
          .selectFrom('identities')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .$if(lock, (q) => q.forUpdate())
          .executeTakeFirst(),
      toRecord,
      change,
      async (trx, next) => {
        const { account_id: _a, name: _n, ...values } = toRow(next);
        await trx
          .updateTable('identities')
          .set(values)
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .execute();
      },
    );
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    const res = await this.#db
      .deleteFrom('identities')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async listDueForCheck(now: number, limit: number): Promise<IdentityRecord[]> {
    const rows = await this.#db
      .selectFrom('identities')
      .selectAll()
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  findByEmailToken(token: string): Promise<IdentityRecord | null> {
    return one(this.#db.selectFrom('identities').selectAll().where('email_token', '=', token), toRecord);
  }

  async allVerifiedDomains(): Promise<{ accountId: string; name: string }[]> {
    const rows = await this.#db
      .selectFrom('identities')
      .select(['account_id', 'name'])
      .where('type', '=', 'DOMAIN')
      .where('verification_status', '=', 'SUCCESS')
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, name: r.name }));
  }

  async nextCheckAt(): Promise<number | null> {
    const r = await this.#db
      .selectFrom('identities')
      .select((eb) => eb.fn.min<number>('next_check_at').as('t'))
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }
}
