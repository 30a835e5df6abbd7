/**
 * Sending metrics as stored: counter buckets (written by the message store's transactions, read here),
 * CloudWatch-destination counts, sampled gauges, alarms and their history.
 */
import { sql, type Selectable } from 'kysely';
import type { AlarmHistoryTable, AlarmsTable } from './schema.ts';
import {
  HOUR_SPAN,
  MINUTE_SPAN,
  type AlarmHistoryRecord,
  type AlarmRecord,
  type CounterBucket,
  type CounterQuery,
  type DimensionQuery,
  type MetricSample,
  type MetricStore,
  type SampleBucket,
} from './interface/metrics.ts';
import type { Db, WriteTransactions } from './transactions.ts';
import { notificationRow } from './notification-store.ts';
import type { NotificationRecord } from './interface/sns.ts';

function alarmRow(a: AlarmRecord): AlarmsTable {
  return {
    account_id: a.accountId,
    name: a.name,
    arn: a.arn,
    definition: JSON.stringify(a.definition),
    state: a.state,
    state_reason: a.stateReason,
    state_reason_data: a.stateReasonData,
    state_updated_at: a.stateUpdatedAt,
    actions_enabled: a.actionsEnabled ? 1 : 0,
    configuration_updated_at: a.configurationUpdatedAt,
  };
}

function toAlarm(r: Selectable<AlarmsTable>): AlarmRecord {
  return {
    accountId: r.account_id,
    name: r.name,
    arn: r.arn,
    definition: JSON.parse(r.definition) as Record<string, unknown>,
    state: r.state as AlarmRecord['state'],
    stateReason: r.state_reason,
    stateReasonData: r.state_reason_data,
    stateUpdatedAt: Number(r.state_updated_at),
    actionsEnabled: r.actions_enabled !== 0,
    configurationUpdatedAt: Number(r.configuration_updated_at),
  };
}

const historyRow = (h: AlarmHistoryRecord): AlarmHistoryTable => ({
  id: h.id,
  account_id: h.accountId,
  alarm_name: h.alarmName,
  at: h.at,
  type: h.type,
  summary: h.summary,
  data: h.data,
});

const toHistory = (r: Selectable<AlarmHistoryTable>): AlarmHistoryRecord => ({
  id: r.id,
  accountId: r.account_id,
  alarmName: r.alarm_name,
  at: Number(r.at),
  type: r.type as AlarmHistoryRecord['type'],
  summary: r.summary,
  data: r.data,
});

export class KyselyMetrics implements MetricStore {
  readonly #db: Db;
  readonly #tx: WriteTransactions;

  constructor(db: Db, tx: WriteTransactions) {
    this.#db = db;
    this.#tx = tx;
  }

  async counters(q: CounterQuery): Promise<CounterBucket[]> {
    const f = q.filter;
    const start = sql<number>`(bucket / ${sql.lit(q.bucketMs)}) * ${sql.lit(q.bucketMs)}`;
    const rows = await this.#db
      .selectFrom('metric_counts')
      .select([start.as('start'), ...q.columns.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c))])
      .where('account_id', '=', q.accountId)
      .where('span', '=', q.span)
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to)
      .$if(f.configurationSet !== undefined, (w) => w.where('configuration_set', '=', f.configurationSet!))
      .$if(f.identity !== undefined, (w) => w.where('identity', '=', f.identity!))
      .$if(f.isp !== undefined, (w) => w.where('isp', '=', f.isp!))
      .$if(f.realIspsOnly === true, (w) => w.where('isp', 'not like', '~%'))
      .groupBy(sql`1`)
      .orderBy(sql`1`)
      .execute();
    return rows.map((r) => {
      const row = r as Record<string, unknown>;
      return {
        start: Number(row.start),
        values: Object.fromEntries(q.columns.map((c) => [c, Number(row[c] ?? 0)])),
      };
    });
  }

  async dimensionCounts(q: DimensionQuery): Promise<{ start: number; count: number }[]> {
    const rows = await this.#db
      .selectFrom('metric_dimension_counts')
      .select([
        sql<number>`(bucket / ${sql.lit(q.bucketMs)}) * ${sql.lit(q.bucketMs)}`.as('start'),
        sql<number>`sum(count)`.as('n'),
      ])
      .where('account_id', '=', q.accountId)
      .where('metric', '=', q.metric)
      .where('dimensions', '=', q.dimensions)
      .where('span', '=', q.span)
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to)
      .groupBy(sql`1`)
      .orderBy(sql`1`)
      .execute();
    return rows.map((r) => ({ start: Number(r.start), count: Number(r.n) }));
  }

  async dimensionMetrics(
    accountId: string,
    since: number,
  ): Promise<{ metric: string; dimensions: string }[]> {
    return this.#db
      .selectFrom('metric_dimension_counts')
      .select(['metric', 'dimensions'])
      .distinct()
      .where('account_id', '=', accountId)
      .where('span', '=', HOUR_SPAN)
      .where('bucket', '>=', since)
      .execute();
  }

  async addSamples(samples: MetricSample[]): Promise<void> {
    if (!samples.length) return;
    await this.#db
      .insertInto('metric_samples')
      .values(
        samples.map((s) => ({
          account_id: s.accountId,
          metric: s.metric,
          dimensions: s.dimensions,
          at: s.at,
          value: s.value,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['account_id', 'metric', 'dimensions', 'at']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
        })),
      )
      .execute();
  }

  async samples(
    accountId: string,
    metric: string,
    dimensions: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<SampleBucket[]> {
    const rows = await this.#db
      .selectFrom('metric_samples')
      .select([
        sql<number>`(at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`.as('start'),
        sql<number>`sum(value)`.as('sum'),
        sql<number>`count(*)`.as('count'),
        sql<number>`min(value)`.as('min'),
        sql<number>`max(value)`.as('max'),
      ])
      .where('account_id', '=', accountId)
      .where('metric', '=', metric)
      .where('dimensions', '=', dimensions)
      .where('at', '>=', from)
      .where('at', '<', to)
      .groupBy(sql`1`)
      .orderBy(sql`1`)
      .execute();
    return rows.map((r) => ({
      start: Number(r.start),
      sum: Number(r.sum),
      count: Number(r.count),
      min: Number(r.min),
      max: Number(r.max),
    }));
  }

  async sampleMetrics(accountId: string, since: number): Promise<{ metric: string; dimensions: string }[]> {
    return this.#db
      .selectFrom('metric_samples')
      .select(['metric', 'dimensions'])
      .distinct()
      .where('account_id', '=', accountId)
      .where('at', '>=', since)
      .execute();
  }

  async activeAccounts(since: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('metric_counts')
      .select('account_id')
      .distinct()
      .where('span', '=', HOUR_SPAN)
      .where('bucket', '>=', since)
      .execute();
    return rows.map((r) => r.account_id);
  }

  async purge(minuteBefore: number, hourBefore: number): Promise<void> {
    for (const table of ['metric_counts', 'metric_dimension_counts'] as const) {
      await this.#db
        .deleteFrom(table)
        .where('span', '=', MINUTE_SPAN)
        .where('bucket', '<', minuteBefore)
        .execute();
      await this.#db
        .deleteFrom(table)
        .where('span', '=', HOUR_SPAN)
        .where('bucket', '<', hourBefore)
        .execute();
    }
    await this.#db.deleteFrom('metric_samples').where('at', '<', hourBefore).execute();
    await this.#db.deleteFrom('alarm_history').where('at', '<', hourBefore).execute();
  }

  async putAlarm(alarm: AlarmRecord, history: AlarmHistoryRecord): Promise<void> {
    const row = alarmRow(alarm);
    await this.#tx.run(async (trx) => {
      await trx
        .insertInto('alarms')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['account_id', 'name']).doUpdateSet({
            definition: row.definition,
            actions_enabled: row.actions_enabled,
            configuration_updated_at: row.configuration_updated_at,
          }),
        )
        .execute();
      await trx.insertInto('alarm_history').values(historyRow(history)).execute();
    });
  }

  alarm(accountId: string, name: string): Promise<AlarmRecord | null> {
    return this.#db
      .selectFrom('alarms')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst()
      .then((r) => (r ? toAlarm(r) : null));
  }

  async alarms(accountId: string): Promise<AlarmRecord[]> {
    const rows = await this.#db
      .selectFrom('alarms')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('name')
      .execute();
    return rows.map(toAlarm);
  }

  async allAlarms(): Promise<AlarmRecord[]> {
    const rows = await this.#db
      .selectFrom('alarms')
      .selectAll()
      .orderBy('account_id')
      .orderBy('name')
      .execute();
    return rows.map(toAlarm);
  }

  async deleteAlarms(accountId: string, names: string[]): Promise<void> {
    if (!names.length) return;
    await this.#db
      .deleteFrom('alarms')
      .where('account_id', '=', accountId)
      .where('name', 'in', names)
      .execute();
  }

  async setAlarmState(
    alarm: AlarmRecord,
    expected: AlarmRecord['state'],
    history: AlarmHistoryRecord[],
    notifications: NotificationRecord[],
  ): Promise<boolean> {
    return this.#tx.run(async (trx) => {
      const res = await trx
        .updateTable('alarms')
        .set({
          state: alarm.state,
          state_reason: alarm.stateReason,
          state_reason_data: alarm.stateReasonData,
          state_updated_at: alarm.stateUpdatedAt,
        })
        .where('account_id', '=', alarm.accountId)
        .where('name', '=', alarm.name)
        .where('state', '=', expected)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      if (history.length) await trx.insertInto('alarm_history').values(history.map(historyRow)).execute();
      if (notifications.length)
        await trx.insertInto('notification_deliveries').values(notifications.map(notificationRow)).execute();
      return true;
    });
  }

  async setAlarmActionsEnabled(accountId: string, names: string[], enabled: boolean): Promise<void> {
    if (!names.length) return;
    await this.#db
      .updateTable('alarms')
      .set({ actions_enabled: enabled ? 1 : 0 })
      .where('account_id', '=', accountId)
      .where('name', 'in', names)
      .execute();
  }

  async addAlarmHistory(history: AlarmHistoryRecord[]): Promise<void> {
    if (history.length) await this.#db.insertInto('alarm_history').values(history.map(historyRow)).execute();
  }

  async alarmHistory(
    accountId: string,
    q: { alarmName?: string; type?: string; from?: number; to?: number; limit: number; newestFirst: boolean },
  ): Promise<AlarmHistoryRecord[]> {
    const rows = await this.#db
      .selectFrom('alarm_history')
      .selectAll()
      .where('account_id', '=', accountId)
      .$if(q.alarmName !== undefined, (w) => w.where('alarm_name', '=', q.alarmName!))
      .$if(q.type !== undefined, (w) => w.where('type', '=', q.type!))
      .$if(q.from !== undefined, (w) => w.where('at', '>=', q.from!))
      .$if(q.to !== undefined, (w) => w.where('at', '<=', q.to!))
      .orderBy('at', q.newestFirst ? 'desc' : 'asc')
      .orderBy('id', q.newestFirst ? 'desc' : 'asc')
      .limit(q.limit)
      .execute();
    return rows.map(toHistory);
  }
}
