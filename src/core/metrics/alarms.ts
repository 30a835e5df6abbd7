/**
 * CloudWatch-compatible metric alarms over Sesame's own metrics: their definitions (PutMetricAlarm's checks),
 * their evaluation on schedule (periods, M out of N datapoints, statistic, comparison, missing data), the
 * state history, and the actions of a state change — notifications to SNS topics in CloudWatch's
 * alarm-notification JSON, written to the outbox in the same transaction as the new state.
 */
import { randomUUID } from 'node:crypto';
import type { AlarmHistoryRecord, AlarmRecord, Store } from '../../store/store.ts';
import { SesError } from '../errors.ts';
import type { ConfigurationSetService } from '../configuration-sets/configuration-set-service.ts';
import type { OutboxSignal } from '../notifications/outbox-signal.ts';
import type { SnsService } from '../notifications/sns-service.ts';
import {
  STATISTICS,
  statisticOf,
  type Dimension,
  type MetricSeries,
  type Statistic,
} from './metric-series.ts';

export type AlarmState = AlarmRecord['state'];
export const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
export type MissingData = (typeof MISSING_DATA)[number];

/** An alarm's definition as stored (PutMetricAlarm's members that Sesame evaluates). */
export interface AlarmDefinition {
  alarmDescription?: string;
  metricName: string;
  namespace: string;
  statistic: Statistic;
  dimensions: Dimension[];
  period: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: Comparison;
  treatMissingData: MissingData;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
}

export type PutAlarmInput = Omit<
  AlarmDefinition,
  | 'datapointsToAlarm'
  | 'treatMissingData'
  | 'dimensions'
  | 'okActions'
  | 'alarmActions'
  | 'insufficientDataActions'
> & {
  alarmName: string;
  actionsEnabled?: boolean;
  datapointsToAlarm?: number;
  treatMissingData?: string;
  dimensions?: Dimension[];
  okActions?: string[];
  alarmActions?: string[];
  insufficientDataActions?: string[];
};

const invalid = (message: string) =>
  new SesError('BadRequestException', message, { reason: 'invalid-parameter-value' });
const combination = (message: string) =>
  new SesError('BadRequestException', message, { reason: 'invalid-parameter-combination' });

const DAY_S = 86_400;

export function definitionOf(a: AlarmRecord): AlarmDefinition {
  return a.definition as unknown as AlarmDefinition;
}

export class AlarmService {
  readonly #store: Store;
  readonly #series: MetricSeries;
  readonly #sns: SnsService;
  readonly #outbox: OutboxSignal;
  readonly #sets: ConfigurationSetService;
  readonly #region: string;
  readonly #regionName: string;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    series: MetricSeries;
    sns: SnsService;
    outbox: OutboxSignal;
    configurationSets: ConfigurationSetService;
    region: string;
    now: () => number;
  }) {
    this.#sets = deps.configurationSets;
    this.#store = deps.store;
    this.#series = deps.series;
    this.#sns = deps.sns;
    this.#outbox = deps.outbox;
    this.#region = deps.region;
    this.#regionName = REGION_NAMES[deps.region] ?? deps.region;
    this.#now = deps.now;
  }

  arn(accountId: string, name: string): string {
    return `arn:aws:cloudwatch:${this.#region}:${accountId}:alarm:${name}`;
  }

  /** PutMetricAlarm: creates or replaces an alarm; a new alarm starts in INSUFFICIENT_DATA. */
  async put(accountId: string, input: PutAlarmInput): Promise<void> {
    const def = await this.#validate(accountId, input);
    const now = this.#now();
    const existing = await this.#store.metrics.alarm(accountId, input.alarmName);
    const record: AlarmRecord = {
      accountId,
      name: input.alarmName,
      arn: this.arn(accountId, input.alarmName),
      definition: def as unknown as Record<string, unknown>,
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
      stateReasonData: existing?.stateReasonData ?? null,
      stateUpdatedAt: existing?.stateUpdatedAt ?? now,
      actionsEnabled: input.actionsEnabled ?? true,
      configurationUpdatedAt: now,
    };
    await this.#store.metrics.putAlarm(
      record,
      history(
        record,
        now,
        'ConfigurationUpdate',
        `Alarm "${record.name}" ${existing ? 'updated' : 'created'}`,
        {
          version: '1.0',
          type: existing ? 'Update' : 'Create',
          updatedAlarm: describeForHistory(record),
        },
      ),
    );
  }

  async #validate(accountId: string, input: PutAlarmInput): Promise<AlarmDefinition> {
    // eslint-disable-next-line no-control-regex -- CloudWatch refuses control characters in a name.
    if (!/^[^\x00-\x1f]{1,255}$/.test(input.alarmName))
      throw invalid('The parameter AlarmName must be between 1 and 255 characters long.');
    if (!STATISTICS.includes(input.statistic))
      throw invalid(`The parameter Statistic must be one of ${STATISTICS.join(', ')}.`);
    if (!Number.isInteger(input.period) || input.period < 60 || input.period % 60 !== 0)
      throw invalid(
        'The parameter Period must be a multiple of 60 (Sesame keeps one-minute data; high-resolution periods of 10 and 30 seconds are not supported).',
      );
    if (!Number.isInteger(input.evaluationPeriods) || input.evaluationPeriods < 1)
      throw invalid('The parameter EvaluationPeriods must be greater than or equal to 1.');
    const limit = input.period >= 3600 ? 7 * DAY_S : DAY_S;
    if (input.period * input.evaluationPeriods > limit)
      throw combination(
        `The evaluation period (Period × EvaluationPeriods) must not exceed ${limit === DAY_S ? '1 day' : '7 days'} for a period ${input.period >= 3600 ? 'of an hour or more' : 'under an hour'}.`,
      );
    const datapointsToAlarm = input.datapointsToAlarm ?? input.evaluationPeriods;
    if (datapointsToAlarm < 1 || datapointsToAlarm > input.evaluationPeriods)
      throw combination('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    if (!COMPARISONS.includes(input.comparisonOperator))
      throw invalid(
        `The parameter ComparisonOperator must be one of ${COMPARISONS.join(', ')} (anomaly-detection comparisons are not supported by Sesame).`,
      );
    const treatMissingData = (input.treatMissingData ?? 'missing') as MissingData;
    if (!MISSING_DATA.includes(treatMissingData))
      throw invalid(`The parameter TreatMissingData must be one of ${MISSING_DATA.join(', ')}.`);
    if ((input.dimensions ?? []).length > 30)
      throw invalid('The collection Dimensions must not have more than 30 members.');
    const actions = {
      okActions: input.okActions ?? [],
      alarmActions: input.alarmActions ?? [],
      insufficientDataActions: input.insufficientDataActions ?? [],
    };
    for (const [key, list] of Object.entries(actions)) {
      if (list.length > 5) throw invalid(`The collection ${key} must not have more than 5 members.`);
      for (const arn of list) await this.#checkAction(accountId, arn);
    }
    return {
      ...(input.alarmDescription !== undefined ? { alarmDescription: input.alarmDescription } : {}),
      metricName: input.metricName,
      namespace: input.namespace,
      statistic: input.statistic,
      dimensions: input.dimensions ?? [],
      period: input.period,
      ...(input.unit !== undefined ? { unit: input.unit } : {}),
      evaluationPeriods: input.evaluationPeriods,
      datapointsToAlarm,
      threshold: input.threshold,
      comparisonOperator: input.comparisonOperator,
      treatMissingData,
      ...actions,
    };
  }

  async #checkAction(accountId: string, arn: string): Promise<void> {
    if (/^arn:aws:sns:[^:]+:\d{12}:[^:]+$/.test(arn)) {
      if (!(await this.#sns.topicExists(accountId, arn)))
        throw invalid(`Invalid SNS topic ${arn}: no such topic in this account.`);
      return;
    }
    const set = this.#configurationSetOf(accountId, arn);
    if (set !== undefined) {
      await this.#sets.get(accountId, set); // NotFound for a configuration set that does not exist
      return;
    }
    throw invalid(
      `Invalid action ${arn}: Sesame's alarms notify SNS topics (arn:aws:sns:…) or pause and resume a configuration set (its ARN, arn:aws:ses:…:configuration-set/NAME); Auto Scaling, EC2, Systems Manager and Lambda actions are not supported by Sesame.`,
    );
  }

  /** The configuration set an action ARN names (Sesame's own action: pause it on ALARM, resume it on OK). */
  #configurationSetOf(accountId: string, arn: string): string | undefined {
    const prefix = `arn:aws:ses:${this.#region}:${accountId}:configuration-set/`;
    return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
  }

  list(accountId: string): Promise<AlarmRecord[]> {
    return this.#store.metrics.alarms(accountId);
  }

  async delete(accountId: string, names: string[]): Promise<void> {
    const missing: string[] = [];
    for (const n of names) if (!(await this.#store.metrics.alarm(accountId, n))) missing.push(n);
    if (missing.length)
      throw new SesError('NotFoundException', `Alarm(s) not found: ${missing.join(', ')}`, {
        resource: 'Alarm',
      });
    await this.#store.metrics.deleteAlarms(accountId, names);
    const now = this.#now();
    await this.#store.metrics.addAlarmHistory(
      names.map((n) => ({
        id: randomUUID(),
        accountId,
        alarmName: n,
        at: now,
        type: 'ConfigurationUpdate' as const,
        summary: `Alarm "${n}" deleted`,
        data: JSON.stringify({ version: '1.0', type: 'Delete' }),
      })),
    );
  }

  async setActionsEnabled(accountId: string, names: string[], enabled: boolean): Promise<void> {
    await this.#store.metrics.setAlarmActionsEnabled(accountId, names, enabled);
  }

  history(
    accountId: string,
    q: { alarmName?: string; type?: string; from?: number; to?: number; limit: number; newestFirst: boolean },
  ): Promise<AlarmHistoryRecord[]> {
    return this.#store.metrics.alarmHistory(accountId, q);
  }

  /** SetAlarmState: sets the state until the next evaluation (its actions run, as in CloudWatch). */
  async setState(
    accountId: string,
    name: string,
    state: AlarmState,
    reason: string,
    reasonData?: string,
  ): Promise<void> {
    const alarm = await this.#store.metrics.alarm(accountId, name);
    if (!alarm) throw new SesError('NotFoundException', `Alarm ${name} not found`, { resource: 'Alarm' });
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw invalid('The parameter StateReasonData must be a JSON document.');
      }
    }
    await this.#transition(alarm, state, reason, reasonData ?? null);
  }

  /** Evaluates every alarm (the scheduler calls this once a minute, or as configured). */
  async evaluateAll(): Promise<void> {
    for (const alarm of await this.#store.metrics.allAlarms()) await this.evaluate(alarm);
  }

  async evaluate(alarm: AlarmRecord): Promise<void> {
    const def = definitionOf(alarm);
    // The evaluation range ends with the current minute: counters are live, so the newest (partial) minute
    // already holds what was committed.
    const now = Math.ceil((this.#now() + 1) / 60_000) * 60_000;
    const periodMs = def.period * 1000;
    const from = now - def.evaluationPeriods * periodMs;
    const points = await this.#series.datapoints(
      alarm.accountId,
      { namespace: def.namespace, metricName: def.metricName, dimensions: def.dimensions },
      from,
      now,
      periodMs,
    );
    const values: (number | undefined)[] = [];
    for (let i = 0; i < def.evaluationPeriods; i++) {
      const p = points.find((x) => x.start === from + i * periodMs);
      values.push(p ? statisticOf(p, def.statistic) : undefined);
    }
    const present = values.filter((v): v is number => v !== undefined);
    const breaches = (v: number) => compare(v, def.comparisonOperator, def.threshold);
    let next: AlarmState;
    if (present.length === 0 && (def.treatMissingData === 'missing' || def.treatMissingData === 'ignore')) {
      if (def.treatMissingData === 'ignore') return;
      next = 'INSUFFICIENT_DATA';
    } else {
      const breaching =
        present.filter(breaches).length +
        (def.treatMissingData === 'breaching' ? values.length - present.length : 0);
      next = breaching >= def.datapointsToAlarm ? 'ALARM' : 'OK';
    }
    if (next === alarm.state) return;
    const shown = present.length ? `[${present.map((v) => v.toFixed(1)).join(', ')}]` : '[]';
    const reason =
      next === 'INSUFFICIENT_DATA'
        ? `Insufficient Data: ${def.evaluationPeriods} datapoint${def.evaluationPeriods === 1 ? ' was' : 's were'} unknown.`
        : `Threshold Crossed: ${present.filter(breaches).length} out of the last ${def.evaluationPeriods} datapoints ${shown} ${next === 'ALARM' ? 'was' : 'was not'} ${COMPARISON_TEXT[def.comparisonOperator]} the threshold (${def.threshold.toFixed(1)}) (minimum ${def.datapointsToAlarm} datapoint${def.datapointsToAlarm === 1 ? '' : 's'} for ${alarm.state} -> ${next} transition).`;
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: isoCloudWatch(this.#now()),
      startDate: isoCloudWatch(from),
      statistic: def.statistic,
      period: def.period,
      recentDatapoints: present,
      threshold: def.threshold,
      evaluatedDatapoints: values
        .map((v, i) =>
          v === undefined ? undefined : { timestamp: isoCloudWatch(from + i * periodMs), value: v },
        )
        .filter((x) => x !== undefined)
        .reverse(),
    });
    await this.#transition(alarm, next, reason, reasonData);
  }

  async #transition(
    alarm: AlarmRecord,
    state: AlarmState,
    reason: string,
    reasonData: string | null,
  ): Promise<void> {
    const now = this.#now();
    const old = alarm.state;
    const next: AlarmRecord = {
      ...alarm,
      state,
      stateReason: reason,
      stateReasonData: reasonData,
      stateUpdatedAt: now,
    };
    const rows: AlarmHistoryRecord[] = [
      history(next, now, 'StateUpdate', `Alarm updated from ${old} to ${state}`, {
        version: '1.0',
        oldState: { stateValue: old, stateReason: alarm.stateReason },
        newState: {
          stateValue: state,
          stateReason: reason,
          ...(reasonData ? { stateReasonData: JSON.parse(reasonData) as unknown } : {}),
        },
      }),
    ];
    const def = definitionOf(alarm);
    const actions = !alarm.actionsEnabled
      ? []
      : state === 'ALARM'
        ? def.alarmActions
        : state === 'OK'
          ? def.okActions
          : def.insufficientDataActions;
    const notifications = [];
    const setActions: { arn: string; set: string; enabled: boolean }[] = [];
    const text = JSON.stringify(this.#notification(next, old));
    const subject = `${state}: "${alarm.name}" in ${this.#regionName}`.slice(0, 100);
    for (const arn of actions) {
      const set = this.#configurationSetOf(alarm.accountId, arn);
      if (set !== undefined) {
        if (state !== 'INSUFFICIENT_DATA') setActions.push({ arn, set, enabled: state === 'OK' });
        continue;
      }
      if (!(await this.#sns.topicExists(alarm.accountId, arn))) {
        rows.push(
          history(next, now, 'Action', `Failed to execute action ${arn}`, {
            actionState: 'Failed',
            notificationResource: arn,
            stateUpdateTimestamp: now,
            error: 'Topic does not exist',
          }),
        );
        continue;
      }
      notifications.push(...(await this.#sns.publish(arn, text, subject)));
      rows.push(
        history(next, now, 'Action', `Successfully executed action ${arn}`, {
          actionState: 'Succeeded',
          notificationResource: arn,
          stateUpdateTimestamp: now,
        }),
      );
    }
    if (!(await this.#store.metrics.setAlarmState(next, old, rows, notifications))) return;
    if (notifications.length) this.#outbox.queued();
    // Pausing or resuming a configuration set follows the committed state change (once, by the evaluator
    // whose change applied).
    const done: AlarmHistoryRecord[] = [];
    for (const { arn, set, enabled } of setActions) {
      try {
        await this.#sets.setSendingEnabled(alarm.accountId, set, enabled);
        done.push(
          history(next, now, 'Action', `Successfully executed action ${arn}`, {
            actionState: 'Succeeded',
            notificationResource: arn,
            stateUpdateTimestamp: now,
            sendingEnabled: enabled,
          }),
        );
      } catch (err) {
        done.push(
          history(next, now, 'Action', `Failed to execute action ${arn}`, {
            actionState: 'Failed',
            notificationResource: arn,
            stateUpdateTimestamp: now,
            error: (err as Error).message,
          }),
        );
      }
    }
    await this.#store.metrics.addAlarmHistory(done);
  }

  /** The JSON CloudWatch publishes to an alarm's SNS topics on a state change. */
  #notification(alarm: AlarmRecord, oldState: AlarmState): Record<string, unknown> {
    const def = definitionOf(alarm);
    return {
      AlarmName: alarm.name,
      AlarmDescription: def.alarmDescription ?? null,
      AWSAccountId: alarm.accountId,
      AlarmConfigurationUpdatedTimestamp: isoCloudWatch(alarm.configurationUpdatedAt),
      NewStateValue: alarm.state,
      NewStateReason: alarm.stateReason,
      StateChangeTime: isoCloudWatch(alarm.stateUpdatedAt),
      Region: this.#regionName,
      AlarmArn: alarm.arn,
      OldStateValue: oldState,
      OKActions: def.okActions,
      AlarmActions: def.alarmActions,
      InsufficientDataActions: def.insufficientDataActions,
      Trigger: {
        MetricName: def.metricName,
        Namespace: def.namespace,
        StatisticType: 'Statistic',
        Statistic: def.statistic.toUpperCase(),
        Unit: def.unit ?? null,
        Dimensions: def.dimensions.map((d) => ({ value: d.value, name: d.name })),
        Period: def.period,
        EvaluationPeriods: def.evaluationPeriods,
        DatapointsToAlarm: def.datapointsToAlarm,
        ComparisonOperator: def.comparisonOperator,
        Threshold: def.threshold,
        TreatMissingData: def.treatMissingData,
        EvaluateLowSampleCountPercentile: '',
      },
    };
  }
}

function compare(v: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return v >= threshold;
    case 'GreaterThanThreshold':
      return v > threshold;
    case 'LessThanThreshold':
      return v < threshold;
    case 'LessThanOrEqualToThreshold':
      return v <= threshold;
  }
}

const COMPARISON_TEXT: Record<Comparison, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** CloudWatch's timestamp form in alarm JSON: 2026-12-02T16:05:00.000+0000. */
export function isoCloudWatch(t: number): string {
  return new Date(t).toISOString().replace('Z', '+0000');
}

function history(
  alarm: AlarmRecord,
  at: number,
  type: AlarmHistoryRecord['type'],
  summary: string,
  data: Record<string, unknown>,
): AlarmHistoryRecord {
  return {
    id: randomUUID(),
    accountId: alarm.accountId,
    alarmName: alarm.name,
    at,
    type,
    summary,
    data: JSON.stringify(data),
  };
}

function describeForHistory(a: AlarmRecord): Record<string, unknown> {
  const d = definitionOf(a);
  return {
    alarmName: a.name,
    alarmArn: a.arn,
    metricName: d.metricName,
    namespace: d.namespace,
    statistic: d.statistic,
    period: d.period,
    threshold: d.threshold,
    comparisonOperator: d.comparisonOperator,
    evaluationPeriods: d.evaluationPeriods,
    actionsEnabled: a.actionsEnabled,
  };
}

/** The region names CloudWatch writes in alarm notifications (Region, and the Subject). */
const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'eu-south-1': 'EU (Milan)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ca-central-1': 'Canada (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
  'me-south-1': 'Middle East (Bahrain)',
  'af-south-1': 'Africa (Cape Town)',
};
