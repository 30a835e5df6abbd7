/**
 * Receiving: receipt filters, rule sets (rules as JSON in the set's row), buckets and functions, and received
 * mail — messages, bodies and action jobs written together and group-committed, leased to workers like the
 * notification outbox (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
 */
import { sql, type Selectable } from 'kysely';
import { GroupCommit } from '../lib/group-commit.ts';
import { dimensionRows } from './metric-rows.ts';
import { notificationRow } from './notification-store.ts';
import { count, insertOrConflict, modifyOne, one } from './queries.ts';
import type {
  InboundActionsTable,
  InboundMessagesTable,
  InboundRefusalsTable,
  ReceiptRuleSetsTable,
} from './schema.ts';
import type {
  AcceptedInbound,
  BucketRecord,
  FunctionRecord,
  InboundActionRecord,
  InboundMessageRecord,
  InboundRefusalRecord,
  InboundWorkItems,
  NotificationRecord,
  Page,
  ReceiptFilterRecord,
  ReceiptRuleSetRecord,
  ReceivingStore,
} from './store.ts';
import { statement, type Statement, type StatementWriter } from './statement-writer.ts';
import type { Db, WriteTransactions } from './transactions.ts';

/** A message's progress through its actions, with the notifications its actions queued. */
interface Progress {
  message: InboundMessageRecord;
  actions: InboundActionRecord[];
  notifications: NotificationRecord[];
}

function ruleSet(r: Selectable<ReceiptRuleSetsTable>): ReceiptRuleSetRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    createdAt: Number(r.created_at),
    active: r.active !== 0,
    rules: JSON.parse(r.rules) as ReceiptRuleSetRecord['rules'],
  };
}

function messageRow(m: InboundMessageRecord): InboundMessagesTable {
  return {
    id: m.id,
    account_id: m.accountId,
    received_at: m.receivedAt,
    expires_at: m.expiresAt,
    status: m.status,
    client_ip: m.clientIp,
    helo: m.helo,
    mail_from: m.mailFrom,
    tls: m.tls ? 1 : 0,
    size: m.size,
    recipients: JSON.stringify(m.recipients),
    mail: JSON.stringify(m.mail),
    receipt: m.receipt ? JSON.stringify(m.receipt) : null,
    state: JSON.stringify(m.state),
    cursor: m.cursor,
    next_attempt_at: m.nextAttemptAt,
    lease_until: m.leaseUntil,
    lease_owner: null,
    updated_at: m.updatedAt,
  };
}

function message(r: Selectable<InboundMessagesTable>): InboundMessageRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    receivedAt: Number(r.received_at),
    expiresAt: Number(r.expires_at),
    status: r.status as InboundMessageRecord['status'],
    clientIp: r.client_ip,
    helo: r.helo,
    mailFrom: r.mail_from,
    tls: r.tls !== 0,
    size: r.size,
    recipients: JSON.parse(r.recipients) as string[],
    mail: JSON.parse(r.mail) as Record<string, unknown>,
    receipt: r.receipt ? (JSON.parse(r.receipt) as InboundMessageRecord['receipt']) : null,
    state: JSON.parse(r.state) as InboundMessageRecord['state'],
    cursor: r.cursor,
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    updatedAt: Number(r.updated_at),
  };
}

function actionRow(a: InboundActionRecord): InboundActionsTable {
  return {
    message_id: a.messageId,
    account_id: a.accountId,
    seq: a.seq,
    rule_name: a.ruleName,
    recipients: JSON.stringify(a.recipients),
    action: JSON.stringify(a.action),
    status: a.status,
    attempts: a.attempts,
    last_error: a.lastError,
    result: a.result ? JSON.stringify(a.result) : null,
    updated_at: a.updatedAt,
  };
}

function actionRecord(r: Selectable<InboundActionsTable>): InboundActionRecord {
  return {
    messageId: r.message_id,
    accountId: r.account_id,
    seq: r.seq,
    ruleName: r.rule_name,
    recipients: JSON.parse(r.recipients) as string[],
    action: JSON.parse(r.action) as InboundActionRecord['action'],
    status: r.status as InboundActionRecord['status'],
    attempts: r.attempts,
    lastError: r.last_error,
    result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
    updatedAt: Number(r.updated_at),
  };
}

function refusal(r: Selectable<InboundRefusalsTable>): InboundRefusalRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    at: Number(r.at),
    clientIp: r.client_ip,
    mailFrom: r.mail_from,
    recipient: r.recipient,
    stage: r.stage as InboundRefusalRecord['stage'],
    reason: r.reason,
    reply: r.reply,
  };
}

/** Rule-set pages are ordered by (creation time, name): the cursor holds both. */
const ruleSetCursor = (s: ReceiptRuleSetRecord) => `${s.createdAt}:${s.name}`;

export class KyselyReceiving implements ReceivingStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;
  readonly #dialect: 'sqlite' | 'postgres';
  /** Received mail is committed in groups: one transaction (one fsync) for every message that arrived meanwhile. */
  readonly #accepts: GroupCommit<AcceptedInbound>;
  /** Progress of running actions, group-committed the same way. */
  readonly #progress: GroupCommit<Progress>;
  readonly #writer: StatementWriter;

  constructor(db: Db, tx: WriteTransactions, dialect: 'sqlite' | 'postgres', writer: StatementWriter) {
    this.#db = db;
    this.#tx = tx;
    this.#dialect = dialect;
    this.#writer = writer;
    // On SQLite the next batch waits in the writer thread's queue while one commits (messages are independent).
    this.#accepts = new GroupCommit(
      async (batch) => void (await writer.run(this.#acceptStatements(batch))),
      200,
      dialect === 'sqlite' ? 2 : 1,
    );
    this.#progress = new GroupCommit(
      async (batch) => void (await writer.run(batch.flatMap((p) => this.#progressStatements(p)))),
      500,
    );
  }

  createFilter(f: ReceiptFilterRecord): Promise<void> {
    return insertOrConflict(`receipt filter ${f.name}`, () =>
      this.#db
        .insertInto('receipt_filters')
        .values({
          account_id: f.accountId,
          name: f.name,
          policy: f.policy,
          cidr: f.cidr,
          created_at: f.createdAt,
        })
        .execute(),
    );
  }

  async deleteFilter(accountId: string, name: string): Promise<void> {
    await this.#db
      .deleteFrom('receipt_filters')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .execute();
  }

  async listFilters(accountId: string): Promise<ReceiptFilterRecord[]> {
    return this.filtersOf([accountId]);
  }

  countFilters(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('receipt_filters').where('account_id', '=', accountId));
  }

  async filtersOf(accountIds: string[]): Promise<ReceiptFilterRecord[]> {
    if (accountIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('receipt_filters')
      .selectAll()
      .where('account_id', 'in', accountIds)
      .orderBy('account_id')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      name: r.name,
      policy: r.policy as ReceiptFilterRecord['policy'],
      cidr: r.cidr,
      createdAt: Number(r.created_at),
    }));
  }

  createRuleSet(s: ReceiptRuleSetRecord): Promise<void> {
    return insertOrConflict(`receipt rule set ${s.name}`, () =>
      this.#db
        .insertInto('receipt_rule_sets')
        .values({
          account_id: s.accountId,
          name: s.name,
          created_at: s.createdAt,
          active: s.active ? 1 : 0,
          rules: JSON.stringify(s.rules),
        })
        .execute(),
    );
  }

  getRuleSet(accountId: string, name: string): Promise<ReceiptRuleSetRecord | null> {
    return one(
      this.#db
        .selectFrom('receipt_rule_sets')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name', '=', name),
      ruleSet,
    );
  }

  async listRuleSets(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ReceiptRuleSetRecord>> {
    const colon = options.after?.indexOf(':') ?? -1;
    const afterAt = colon > 0 ? Number(options.after!.slice(0, colon)) : undefined;
    const afterName = colon > 0 ? options.after!.slice(colon + 1) : undefined;
    const rows = await this.#db
      .selectFrom('receipt_rule_sets')
      .selectAll()
      .where('account_id', '=', accountId)
      .$if(afterAt !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('created_at', '>', afterAt!),
            eb.and([eb('created_at', '=', afterAt!), eb('name', '>', afterName!)]),
          ]),
        ),
      )
      .orderBy('created_at')
      .orderBy('name')
      .limit(options.limit + 1)
      .execute();
    const items = rows.slice(0, options.limit).map(ruleSet);
    const last = items.at(-1);
    return { items, next: rows.length > options.limit && last ? ruleSetCursor(last) : null };
  }

  countRuleSets(accountId: string): Promise<number> {
    return count(this.#db.selectFrom('receipt_rule_sets').where('account_id', '=', accountId));
  }

  modifyRuleSet(
    accountId: string,
    name: string,
    change: (set: ReceiptRuleSetRecord) => ReceiptRuleSetRecord,
  ): Promise<ReceiptRuleSetRecord | null> {
    return modifyOne(
      this.#tx,
      (trx, lock) =>
        trx
          .selectFrom('receipt_rule_sets')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .$if(lock, (q) => q.forUpdate())
          .executeTakeFirst(),
      ruleSet,
      change,
      (trx, next) =>
        trx
          .updateTable('receipt_rule_sets')
          .set({ rules: JSON.stringify(next.rules) })
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .execute(),
    );
  }

  deleteRuleSet(accountId: string, name: string): Promise<'deleted' | 'active' | 'gone'> {
    return this.#tx.run(async (trx) => {
      const row = await trx
        .selectFrom('receipt_rule_sets')
        .select('active')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .$if(this.#tx.lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return 'gone';
      if (row.active !== 0) return 'active';
      await trx
        .deleteFrom('receipt_rule_sets')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .execute();
      return 'deleted';
    });
  }

  setActiveRuleSet(accountId: string, name: string | null): Promise<boolean> {
    return this.#tx.run(async (trx) => {
      if (name !== null) {
        const exists = await trx
          .selectFrom('receipt_rule_sets')
          .select('name')
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .$if(this.#tx.lockRows, (q) => q.forUpdate())
          .executeTakeFirst();
        if (!exists) return false;
      }
      await trx
        .updateTable('receipt_rule_sets')
        .set({ active: 0 })
        .where('account_id', '=', accountId)
        .where('active', '=', 1)
        .execute();
      if (name !== null)
        await trx
          .updateTable('receipt_rule_sets')
          .set({ active: 1 })
          .where('account_id', '=', accountId)
          .where('name', '=', name)
          .execute();
      return true;
    });
  }

  activeRuleSet(accountId: string): Promise<ReceiptRuleSetRecord | null> {
    return one(
      this.#db
        .selectFrom('receipt_rule_sets')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('active', '=', 1),
      ruleSet,
    );
  }

  createBucket(b: BucketRecord): Promise<void> {
    return insertOrConflict(`bucket ${b.name}`, () =>
      this.#db
        .insertInto('buckets')
        .values({
          name: b.name,
          account_id: b.accountId,
          created_at: b.createdAt,
          endpoint: b.endpoint,
          sealed_config: b.sealedConfig,
        })
        .execute(),
    );
  }

  getBucket(name: string): Promise<BucketRecord | null> {
    return one(this.#db.selectFrom('buckets').selectAll().where('name', '=', name), bucket);
  }

  async listBuckets(accountId: string | null): Promise<BucketRecord[]> {
    const rows = await this.#db
      .selectFrom('buckets')
      .selectAll()
      .$if(accountId !== null, (q) => q.where('account_id', '=', accountId!))
      .orderBy('name')
      .execute();
    return rows.map(bucket);
  }

  async deleteBucket(name: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('buckets').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async putFunction(f: FunctionRecord): Promise<void> {
    await this.#tx.run(async (trx) => {
      await trx
        .deleteFrom('functions')
        .where('account_id', '=', f.accountId)
        .where('arn', '=', f.arn)
        .execute();
      await trx
        .insertInto('functions')
        .values({
          account_id: f.accountId,
          arn: f.arn,
          url: f.url,
          sealed_secret: f.sealedSecret,
          created_at: f.createdAt,
        })
        .execute();
    });
  }

  getFunction(accountId: string, arn: string): Promise<FunctionRecord | null> {
    return one(
      this.#db.selectFrom('functions').selectAll().where('account_id', '=', accountId).where('arn', '=', arn),
      fn,
    );
  }

  async listFunctions(accountId: string | null): Promise<FunctionRecord[]> {
    const rows = await this.#db
      .selectFrom('functions')
      .selectAll()
      .$if(accountId !== null, (q) => q.where('account_id', '=', accountId!))
      .orderBy('account_id')
      .orderBy('arn')
      .execute();
    return rows.map(fn);
  }

  async deleteFunction(accountId: string, arn: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('functions')
      .where('account_id', '=', accountId)
      .where('arn', '=', arn)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  accept(accepted: AcceptedInbound): Promise<void> {
    return this.#accepts.submit(accepted);
  }

  #acceptStatements(batch: AcceptedInbound[]): Statement[] {
    const messages = batch.flatMap((b) => b.messages.map(messageRow));
    const actions = batch.flatMap((b) => b.actions.map(actionRow));
    const out: Statement[] = [];
    // Several statements: PostgreSQL binds at most 65,535 parameters per statement.
    for (let i = 0; i < messages.length; i += 500)
      out.push(statement(this.#db.insertInto('inbound_messages').values(messages.slice(i, i + 500))));
    for (const b of batch)
      out.push(
        statement(this.#db.insertInto('inbound_bodies').values({ id: b.messages[0]!.id, body: b.body })),
      );
    for (let i = 0; i < actions.length; i += 500)
      out.push(statement(this.#db.insertInto('inbound_actions').values(actions.slice(i, i + 500))));
    return out;
  }

  getMessage(id: string, accountId: string): Promise<InboundMessageRecord | null> {
    return one(
      this.#db
        .selectFrom('inbound_messages')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', accountId),
      message,
    );
  }

  async messagesWithId(id: string): Promise<InboundMessageRecord[]> {
    const rows = await this.#db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', '=', id)
      .orderBy('account_id')
      .execute();
    return rows.map(message);
  }

  async body(id: string): Promise<Buffer | null> {
    const r = await this.#db
      .selectFrom('inbound_bodies')
      .select('body')
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? Buffer.from(r.body) : null;
  }

  async actions(id: string, accountId: string): Promise<InboundActionRecord[]> {
    const rows = await this.#db
      .selectFrom('inbound_actions')
      .selectAll()
      .where('message_id', '=', id)
      .where('account_id', '=', accountId)
      .orderBy('seq')
      .execute();
    return rows.map(actionRecord);
  }

  async listMessages(
    accountId: string | null,
    options: { before?: number | undefined; limit: number },
  ): Promise<InboundMessageRecord[]> {
    const rows = await this.#db
      .selectFrom('inbound_messages')
      .selectAll()
      .$if(accountId !== null, (q) => q.where('account_id', '=', accountId!))
      .$if(options.before !== undefined, (q) => q.where('received_at', '<', options.before!))
      .orderBy('received_at', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(message);
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.#db
      .updateTable('inbound_messages')
      .set({ lease_until: null, lease_owner: null })
      .where('lease_owner', '=', owner)
      .where('status', '=', 'processing')
      .execute();
  }

  async claimDue(
    now: number,
    leaseUntil: number,
    limit: number,
    owner: string,
  ): Promise<InboundMessageRecord[]> {
    if (this.#dialect === 'postgres') {
      const rows = await sql<Selectable<InboundMessagesTable>>`
        update inbound_messages set lease_until = ${leaseUntil}, lease_owner = ${owner}
        where (id, account_id) in (
          select id, account_id from inbound_messages
          where status = 'processing' and next_attempt_at <= ${now}
            and (lease_until is null or lease_until < ${now})
          order by next_attempt_at limit ${limit} for update skip locked)
        returning *`.execute(this.#db);
      return rows.rows.map(message);
    }
    // SQLite: one statement (a claim cannot be overtaken), run by the writer like every other write.
    const [rows] = await this.#writer.run([
      {
        sql: `update inbound_messages set lease_until = ?, lease_owner = ?
          where (id, account_id) in (
            select id, account_id from inbound_messages
            where status = 'processing' and next_attempt_at <= ? and (lease_until is null or lease_until < ?)
            order by next_attempt_at limit ?)
          returning *`,
        parameters: [leaseUntil, owner, now, now, limit],
      },
    ]);
    return (rows as Selectable<InboundMessagesTable>[])
      .map(message)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async workOf(messages: InboundMessageRecord[]): Promise<InboundWorkItems> {
    const bodies = new Map<string, Buffer>();
    const actions = new Map<string, InboundActionRecord[]>();
    if (messages.length === 0) return { bodies, actions };
    const ids = [...new Set(messages.map((m) => m.id))];
    const bodyRows = await this.#db.selectFrom('inbound_bodies').selectAll().where('id', 'in', ids).execute();
    for (const r of bodyRows) bodies.set(r.id, Buffer.from(r.body));
    const actionRows = await this.#db
      .selectFrom('inbound_actions')
      .selectAll()
      .where('message_id', 'in', ids)
      .orderBy('seq')
      .execute();
    const wanted = new Set(messages.map((m) => `${m.accountId}\n${m.id}`));
    for (const r of actionRows) {
      const key = `${r.account_id}\n${r.message_id}`;
      if (!wanted.has(key)) continue;
      let list = actions.get(key);
      if (!list) actions.set(key, (list = []));
      list.push(actionRecord(r));
    }
    return { bodies, actions };
  }

  recordProgress(
    message: InboundMessageRecord,
    actions: InboundActionRecord[],
    notifications: NotificationRecord[] = [],
  ): Promise<void> {
    // A copy: the caller goes on changing its record while the batch waits.
    return this.#progress.submit({
      message: { ...message, state: structuredClone(message.state) },
      actions: actions.map((a) => ({ ...a })),
      notifications,
    });
  }

  #progressStatements(p: Progress): Statement[] {
    const row = messageRow(p.message);
    const out: Statement[] = [
      statement(
        this.#db
          .updateTable('inbound_messages')
          .set({
            status: row.status,
            receipt: row.receipt,
            state: row.state,
            cursor: row.cursor,
            next_attempt_at: row.next_attempt_at,
            lease_until: row.lease_until,
            updated_at: row.updated_at,
          })
          .where('id', '=', p.message.id)
          .where('account_id', '=', p.message.accountId),
      ),
    ];
    for (const a of p.actions) {
      const r = actionRow(a);
      out.push(
        statement(
          this.#db
            .updateTable('inbound_actions')
            .set({
              status: r.status,
              attempts: r.attempts,
              last_error: r.last_error,
              result: r.result,
              updated_at: r.updated_at,
            })
            .where('message_id', '=', a.messageId)
            .where('account_id', '=', a.accountId)
            .where('seq', '=', a.seq),
        ),
      );
    }
    if (p.notifications.length)
      out.push(
        statement(
          this.#db.insertInto('notification_deliveries').values(p.notifications.map(notificationRow)),
        ),
      );
    // Receiving's metrics (PublishFailure, PublishExpired) move in the commit that ends the action.
    const ended = dimensionRows(
      p.actions
        .filter((a) => a.status === 'failed' || a.status === 'expired')
        .map((a) => ({
          accountId: a.accountId,
          at: a.updatedAt,
          metric: a.status === 'failed' ? 'PublishFailure' : 'PublishExpired',
          dimensions: '',
          count: 1,
        })),
    );
    if (ended.length)
      out.push(
        statement(
          this.#db
            .insertInto('metric_dimension_counts')
            .values(ended)
            .onConflict((oc) =>
              oc
                .columns(['account_id', 'metric', 'dimensions', 'span', 'bucket'])
                .doUpdateSet({ count: sql`metric_dimension_counts.count + excluded.count` }),
            ),
        ),
      );
    return out;
  }

  async nextDue(): Promise<number | null> {
    const r = await this.#db
      .selectFrom('inbound_messages')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      .where('status', '=', 'processing')
      .executeTakeFirst();
    return r?.due === null || r?.due === undefined ? null : Number(r.due);
  }

  async refuse(r: InboundRefusalRecord): Promise<void> {
    await this.#db
      .insertInto('inbound_refusals')
      .values({
        id: r.id,
        account_id: r.accountId,
        at: r.at,
        client_ip: r.clientIp,
        mail_from: r.mailFrom,
        recipient: r.recipient,
        stage: r.stage,
        reason: r.reason,
        reply: r.reply,
      })
      .execute();
  }

  async listRefusals(
    accountId: string | null,
    options: { before?: number | undefined; limit: number },
  ): Promise<InboundRefusalRecord[]> {
    const rows = await this.#db
      .selectFrom('inbound_refusals')
      .selectAll()
      .$if(accountId !== null, (q) => q.where('account_id', '=', accountId!))
      .$if(options.before !== undefined, (q) => q.where('at', '<', options.before!))
      .orderBy('at', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(refusal);
  }

  async purge(now: number, refusalsBefore: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const expired = await trx
        .selectFrom('inbound_messages')
        .select(['id', 'account_id'])
        .where('expires_at', '<', now)
        .where('status', '=', 'done')
        .limit(1000)
        .execute();
      for (const e of expired) {
        await trx
          .deleteFrom('inbound_actions')
          .where('message_id', '=', e.id)
          .where('account_id', '=', e.account_id)
          .execute();
        await trx
          .deleteFrom('inbound_messages')
          .where('id', '=', e.id)
          .where('account_id', '=', e.account_id)
          .execute();
      }
      const ids = [...new Set(expired.map((e) => e.id))];
      for (const id of ids) {
        const still = await trx
          .selectFrom('inbound_messages')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!still) await trx.deleteFrom('inbound_bodies').where('id', '=', id).execute();
      }
      await trx.deleteFrom('inbound_refusals').where('at', '<', refusalsBefore).execute();
      return expired.length;
    });
  }
}

function bucket(r: {
  name: string;
  account_id: string;
  created_at: number;
  endpoint: string | null;
  sealed_config: string | null;
}): BucketRecord {
  return {
    name: r.name,
    accountId: r.account_id,
    createdAt: Number(r.created_at),
    endpoint: r.endpoint,
    sealedConfig: r.sealed_config,
  };
}

function fn(r: {
  account_id: string;
  arn: string;
  url: string;
  sealed_secret: string;
  created_at: number;
}): FunctionRecord {
  return {
    accountId: r.account_id,
    arn: r.arn,
    url: r.url,
    sealedSecret: r.sealed_secret,
    createdAt: Number(r.created_at),
  };
}
