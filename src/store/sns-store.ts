/** SNS-compatible topics and their subscriptions. */
import type { Kysely, Selectable } from 'kysely';
import { one, page } from './queries.ts';
import type { Database, SnsSubscriptionsTable, SnsTopicsTable } from './schema.ts';
import type { Page, SnsStore, SnsSubscriptionRecord, SnsTopicRecord } from './store.ts';

const topic = (r: Selectable<SnsTopicsTable>): SnsTopicRecord => ({
  arn: r.arn,
  accountId: r.account_id,
  name: r.name,
  createdAt: r.created_at,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
});

const subscription = (r: Selectable<SnsSubscriptionsTable>): SnsSubscriptionRecord => ({
  arn: r.arn,
  topicArn: r.topic_arn,
  accountId: r.account_id,
  protocol: r.protocol,
  endpoint: r.endpoint,
  status: r.status as SnsSubscriptionRecord['status'],
  token: r.token,
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
});

export class KyselySns implements SnsStore {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createTopic(t: SnsTopicRecord): Promise<SnsTopicRecord> {
    await this.#db
      .insertInto('sns_topics')
      .values({
        arn: t.arn,
        account_id: t.accountId,
        name: t.name,
        created_at: t.createdAt,
        attributes: JSON.stringify(t.attributes),
      })
      .onConflict((oc) => oc.column('arn').doNothing())
      .execute();
    return (await this.getTopic(t.arn))!;
  }

  getTopic(arn: string): Promise<SnsTopicRecord | null> {
    return one(this.#db.selectFrom('sns_topics').selectAll().where('arn', '=', arn), topic);
  }

  listTopics(
    accountId: string,
    o: { after?: string | undefined; limit: number },
  ): Promise<Page<SnsTopicRecord>> {
    return page(
      this.#db
        .selectFrom('sns_topics')
        .selectAll()
        .where('account_id', '=', accountId)
        .$if(o.after !== undefined, (q) => q.where('arn', '>', o.after!))
        .orderBy('arn'),
      o.limit,
      topic,
      (t) => t.arn,
    );
  }

  async setTopicAttributes(arn: string, attributes: Record<string, string>): Promise<boolean> {
    const res = await this.#db
      .updateTable('sns_topics')
      .set({ attributes: JSON.stringify(attributes) })
      .where('arn', '=', arn)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteTopic(arn: string): Promise<boolean> {
    await this.#db.deleteFrom('sns_subscriptions').where('topic_arn', '=', arn).execute();
    const res = await this.#db.deleteFrom('sns_topics').where('arn', '=', arn).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async createSubscription(s: SnsSubscriptionRecord): Promise<void> {
    await this.#db
      .insertInto('sns_subscriptions')
      .values({
        arn: s.arn,
        topic_arn: s.topicArn,
        account_id: s.accountId,
        protocol: s.protocol,
        endpoint: s.endpoint,
        status: s.status,
        token: s.token,
        created_at: s.createdAt,
        confirmed_at: s.confirmedAt,
      })
      .execute();
  }

  getSubscription(arn: string): Promise<SnsSubscriptionRecord | null> {
    return one(this.#db.selectFrom('sns_subscriptions').selectAll().where('arn', '=', arn), subscription);
  }

  findSubscriptionByToken(topicArn: string, token: string): Promise<SnsSubscriptionRecord | null> {
    return one(
      this.#db
        .selectFrom('sns_subscriptions')
        .selectAll()
        .where('topic_arn', '=', topicArn)
        .where('token', '=', token),
      subscription,
    );
  }

  listSubscriptions(
    topicArn: string,
    o: { after?: string | undefined; limit: number },
  ): Promise<Page<SnsSubscriptionRecord>> {
    return page(
      this.#db
        .selectFrom('sns_subscriptions')
        .selectAll()
        .where('topic_arn', '=', topicArn)
        .$if(o.after !== undefined, (q) => q.where('arn', '>', o.after!))
        .orderBy('arn'),
      o.limit,
      subscription,
      (x) => x.arn,
    );
  }

  async confirmedSubscriptions(topicArn: string): Promise<SnsSubscriptionRecord[]> {
    const rows = await this.#db
      .selectFrom('sns_subscriptions')
      .selectAll()
      .where('topic_arn', '=', topicArn)
      .where('status', '=', 'confirmed')
      .execute();
    return rows.map(subscription);
  }

  async confirmSubscription(arn: string, at: number): Promise<void> {
    await this.#db
      .updateTable('sns_subscriptions')
      .set({ status: 'confirmed', confirmed_at: at })
      .where('arn', '=', arn)
      .execute();
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('sns_subscriptions').where('arn', '=', arn).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
