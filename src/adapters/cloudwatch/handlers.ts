/**
 * The CloudWatch operations Sesame answers, over its own `AWS/SES` metrics and alarms: each decodes the model's
 * input (already checked by the codec) into a core call and shapes the model's output. Protocol-free: the
 * Query and JSON codecs in index.ts share these.
 */
import {
  SesError,
  type AlarmRecord,
  type Dimension,
  type SesApiPort,
  type Statistic,
} from '../../core/index.ts';

export type CloudWatchHandler = (
  core: SesApiPort,
  accountId: string,
  input: Record<string, unknown>,
) => Promise<object>;

const invalid = (message: string) =>
  new SesError('BadRequestException', message, { reason: 'invalid-parameter-value' });
const combination = (message: string) =>
  new SesError('BadRequestException', message, { reason: 'invalid-parameter-combination' });

interface WireDimension {
  Name: string;
  Value: string;
}
const dims = (d: WireDimension[] | undefined): Dimension[] =>
  (d ?? []).map((x) => ({ name: x.Name, value: x.Value }));
const wireDims = (d: Dimension[]) => d.map((x) => ({ Name: x.name, Value: x.value }));
const sameDims = (a: Dimension[], b: Dimension[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.name === x.name && y.value === x.value));

const STATS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const MAX_DATAPOINTS = 1440;

function metricAlarm(a: AlarmRecord): Record<string, unknown> {
  const d = a.definition as Record<string, unknown> & { dimensions: Dimension[] };
  return {
    AlarmName: a.name,
    AlarmArn: a.arn,
    ...(d.alarmDescription !== undefined ? { AlarmDescription: d.alarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: new Date(a.configurationUpdatedAt),
    ActionsEnabled: a.actionsEnabled,
    OKActions: d.okActions,
    AlarmActions: d.alarmActions,
    InsufficientDataActions: d.insufficientDataActions,
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData !== null ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: new Date(a.stateUpdatedAt),
    StateTransitionedTimestamp: new Date(a.stateUpdatedAt),
    MetricName: d.metricName,
    Namespace: d.namespace,
    Statistic: d.statistic,
    Dimensions: wireDims(d.dimensions),
    Period: d.period,
    ...(d.unit !== undefined ? { Unit: d.unit } : {}),
    EvaluationPeriods: d.evaluationPeriods,
    DatapointsToAlarm: d.datapointsToAlarm,
    Threshold: d.threshold,
    ComparisonOperator: d.comparisonOperator,
    TreatMissingData: d.treatMissingData,
  };
}

/** NextToken of the CloudWatch listings: an offset, opaque to clients. */
const offsetOf = (token: unknown): number => {
  if (token === undefined) return 0;
  const n = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString()) : NaN;
  if (!Number.isInteger(n) || n < 0)
    throw new SesError('BadRequestException', 'The service returned an invalid NextToken.', {
      reason: 'invalid-parameter-value',
    });
  return n;
};
const tokenOf = (offset: number) => Buffer.from(String(offset)).toString('base64url');

function paged<T>(items: T[], input: Record<string, unknown>, max = 100): { page: T[]; next?: string } {
  const offset = offsetOf(input.NextToken);
  const limit = Math.min(Number(input.MaxRecords ?? max), max);
  const page = items.slice(offset, offset + limit);
  return offset + limit < items.length ? { page, next: tokenOf(offset + limit) } : { page };
}

/** The unit of SES's metrics: counts, and the reputation rates (no unit). */
const unitOf = (metricName: string) => (metricName.startsWith('Reputation.') ? 'None' : 'Count');

function checkRange(start: Date, end: Date, period: number): void {
  if (!(start.getTime() < end.getTime()))
    throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0)
    throw invalid(
      'The parameter Period must be a multiple of 60 (Sesame keeps one-minute data; high-resolution periods are not supported).',
    );
  const n = Math.ceil((end.getTime() - start.getTime()) / (period * 1000));
  if (n > MAX_DATAPOINTS)
    throw combination(
      `You have requested up to ${n} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
}

export const cloudWatchHandlers: Record<string, CloudWatchHandler> = {
  async PutMetricAlarm(core, accountId, input) {
    const i = input as {
      AlarmName: string;
      AlarmDescription?: string;
      ActionsEnabled?: boolean;
      OKActions?: string[];
      AlarmActions?: string[];
      InsufficientDataActions?: string[];
      MetricName?: string;
      Namespace?: string;
      Statistic?: Statistic;
      ExtendedStatistic?: string;
      Dimensions?: WireDimension[];
      Period?: number;
      Unit?: string;
      EvaluationPeriods: number;
      DatapointsToAlarm?: number;
      Threshold?: number;
      ComparisonOperator: string;
      TreatMissingData?: string;
      EvaluateLowSampleCountPercentile?: string;
      Metrics?: unknown[];
      ThresholdMetricId?: string;
    };
    if (i.Metrics !== undefined || i.ThresholdMetricId !== undefined)
      throw invalid(
        'Alarms on metric math expressions (Metrics, ThresholdMetricId) are not supported by Sesame.',
      );
    if (i.ExtendedStatistic !== undefined)
      throw invalid(
        'Percentile statistics (ExtendedStatistic) are not supported by Sesame: its SES metrics are counts.',
      );
    if (i.MetricName === undefined || i.Namespace === undefined)
      throw new SesError('BadRequestException', 'The parameters MetricName and Namespace are required.', {
        reason: 'validation',
      });
    if (i.Statistic === undefined)
      throw new SesError('BadRequestException', 'The parameter Statistic is required.', {
        reason: 'validation',
      });
    if (i.Period === undefined)
      throw new SesError('BadRequestException', 'The parameter Period is required.', {
        reason: 'validation',
      });
    if (i.Threshold === undefined)
      throw new SesError('BadRequestException', 'The parameter Threshold is required.', {
        reason: 'validation',
      });
    await core.alarms.put(accountId, {
      alarmName: i.AlarmName,
      ...(i.AlarmDescription !== undefined ? { alarmDescription: i.AlarmDescription } : {}),
      ...(i.ActionsEnabled !== undefined ? { actionsEnabled: i.ActionsEnabled } : {}),
      ...(i.OKActions ? { okActions: i.OKActions } : {}),
      ...(i.AlarmActions ? { alarmActions: i.AlarmActions } : {}),
      ...(i.InsufficientDataActions ? { insufficientDataActions: i.InsufficientDataActions } : {}),
      metricName: i.MetricName,
      namespace: i.Namespace,
      statistic: i.Statistic,
      dimensions: dims(i.Dimensions),
      period: i.Period,
      ...(i.Unit !== undefined ? { unit: i.Unit } : {}),
      evaluationPeriods: i.EvaluationPeriods,
      ...(i.DatapointsToAlarm !== undefined ? { datapointsToAlarm: i.DatapointsToAlarm } : {}),
      threshold: i.Threshold,
      comparisonOperator: i.ComparisonOperator as never,
      ...(i.TreatMissingData !== undefined ? { treatMissingData: i.TreatMissingData } : {}),
    });
    return {};
  },

  async DescribeAlarms(core, accountId, input) {
    const i = input as {
      AlarmNames?: string[];
      AlarmNamePrefix?: string;
      AlarmTypes?: string[];
      StateValue?: string;
      ActionPrefix?: string;
    };
    if (i.AlarmNames?.length && i.AlarmNamePrefix !== undefined)
      throw combination('AlarmNames and AlarmNamePrefix cannot be given together.');
    const wantMetric = !i.AlarmTypes || i.AlarmTypes.includes('MetricAlarm');
    const all = wantMetric ? await core.alarms.list(accountId) : [];
    const matching = all.filter((a) => {
      const d = a.definition as {
        okActions: string[];
        alarmActions: string[];
        insufficientDataActions: string[];
      };
      if (i.AlarmNames?.length && !i.AlarmNames.includes(a.name)) return false;
      if (i.AlarmNamePrefix !== undefined && !a.name.startsWith(i.AlarmNamePrefix)) return false;
      if (i.StateValue !== undefined && a.state !== i.StateValue) return false;
      if (
        i.ActionPrefix !== undefined &&
        ![...d.okActions, ...d.alarmActions, ...d.insufficientDataActions].some((x) =>
          x.startsWith(i.ActionPrefix!),
        )
      )
        return false;
      return true;
    });
    const { page, next } = paged(matching, input);
    return { MetricAlarms: page.map(metricAlarm), CompositeAlarms: [], ...(next ? { NextToken: next } : {}) };
  },

  async DescribeAlarmsForMetric(core, accountId, input) {
    const i = input as {
      MetricName: string;
      Namespace: string;
      Statistic?: string;
      Dimensions?: WireDimension[];
      Period?: number;
      Unit?: string;
    };
    const want = dims(i.Dimensions);
    const alarms = (await core.alarms.list(accountId)).filter((a) => {
      const d = a.definition as {
        metricName: string;
        namespace: string;
        statistic: string;
        dimensions: Dimension[];
        period: number;
        unit?: string;
      };
      return (
        d.metricName === i.MetricName &&
        d.namespace === i.Namespace &&
        (i.Statistic === undefined || d.statistic === i.Statistic) &&
        (i.Dimensions === undefined || sameDims(d.dimensions, want)) &&
        (i.Period === undefined || d.period === i.Period) &&
        (i.Unit === undefined || d.unit === i.Unit)
      );
    });
    return { MetricAlarms: alarms.map(metricAlarm) };
  },

  async DeleteAlarms(core, accountId, input) {
    await core.alarms.delete(accountId, (input as { AlarmNames: string[] }).AlarmNames);
    return {};
  },

  async SetAlarmState(core, accountId, input) {
    const i = input as {
      AlarmName: string;
      StateValue: AlarmRecord['state'];
      StateReason: string;
      StateReasonData?: string;
    };
    await core.alarms.setState(accountId, i.AlarmName, i.StateValue, i.StateReason, i.StateReasonData);
    return {};
  },

  async EnableAlarmActions(core, accountId, input) {
    await core.alarms.setActionsEnabled(accountId, (input as { AlarmNames: string[] }).AlarmNames, true);
    return {};
  },

  async DisableAlarmActions(core, accountId, input) {
    await core.alarms.setActionsEnabled(accountId, (input as { AlarmNames: string[] }).AlarmNames, false);
    return {};
  },

  async DescribeAlarmHistory(core, accountId, input) {
    const i = input as {
      AlarmName?: string;
      AlarmTypes?: string[];
      HistoryItemType?: string;
      StartDate?: Date;
      EndDate?: Date;
      MaxRecords?: number;
      NextToken?: string;
      ScanBy?: 'TimestampDescending' | 'TimestampAscending';
    };
    if (i.AlarmTypes && !i.AlarmTypes.includes('MetricAlarm')) return { AlarmHistoryItems: [] };
    const offset = offsetOf(i.NextToken);
    const limit = Math.min(i.MaxRecords ?? 100, 100);
    const rows = await core.alarms.history(accountId, {
      ...(i.AlarmName !== undefined ? { alarmName: i.AlarmName } : {}),
      ...(i.HistoryItemType !== undefined ? { type: i.HistoryItemType } : {}),
      ...(i.StartDate ? { from: i.StartDate.getTime() } : {}),
      ...(i.EndDate ? { to: i.EndDate.getTime() } : {}),
      limit: offset + limit + 1,
      newestFirst: i.ScanBy !== 'TimestampAscending',
    });
    const page = rows.slice(offset, offset + limit);
    return {
      AlarmHistoryItems: page.map((h) => ({
        AlarmName: h.alarmName,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(h.at),
        HistoryItemType: h.type,
        HistorySummary: h.summary,
        HistoryData: h.data,
      })),
      ...(rows.length > offset + limit ? { NextToken: tokenOf(offset + limit) } : {}),
    };
  },

  async ListMetrics(core, accountId, input) {
    const i = input as {
      Namespace?: string;
      MetricName?: string;
      Dimensions?: { Name: string; Value?: string }[];
      NextToken?: string;
    };
    const metrics = (await core.metrics.metrics(accountId)).filter(
      (m) =>
        (i.Namespace === undefined || m.namespace === i.Namespace) &&
        (i.MetricName === undefined || m.metricName === i.MetricName) &&
        (i.Dimensions ?? []).every((f) =>
          m.dimensions.some((d) => d.name === f.Name && (f.Value === undefined || d.value === f.Value)),
        ),
    );
    const { page, next } = paged(metrics, input, 500);
    return {
      Metrics: page.map((m) => ({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: wireDims(m.dimensions),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  },

  async GetMetricStatistics(core, accountId, input) {
    const i = input as {
      Namespace: string;
      MetricName: string;
      Dimensions?: WireDimension[];
      StartTime: Date;
      EndTime: Date;
      Period: number;
      Statistics?: Statistic[];
      ExtendedStatistics?: string[];
      Unit?: string;
    };
    if (i.ExtendedStatistics?.length)
      throw invalid(
        'Percentile statistics (ExtendedStatistics) are not supported by Sesame: its SES metrics are counts.',
      );
    if (!i.Statistics?.length)
      throw new SesError(
        'BadRequestException',
        'Must specify either Statistics or ExtendedStatistics, but not both.',
        {
          reason: 'invalid-parameter-combination',
        },
      );
    checkRange(i.StartTime, i.EndTime, i.Period);
    const unit = unitOf(i.MetricName);
    const points =
      i.Unit !== undefined && i.Unit !== unit
        ? []
        : await core.metrics.datapoints(
            accountId,
            { namespace: i.Namespace, metricName: i.MetricName, dimensions: dims(i.Dimensions) },
            i.StartTime.getTime(),
            i.EndTime.getTime(),
            i.Period * 1000,
          );
    const want = new Set(i.Statistics);
    return {
      Label: i.MetricName,
      Datapoints: points.map((p) => ({
        Timestamp: new Date(p.start),
        ...(want.has('SampleCount') ? { SampleCount: p.count } : {}),
        ...(want.has('Average') ? { Average: p.count ? p.sum / p.count : 0 } : {}),
        ...(want.has('Sum') ? { Sum: p.sum } : {}),
        ...(want.has('Minimum') ? { Minimum: p.min } : {}),
        ...(want.has('Maximum') ? { Maximum: p.max } : {}),
        Unit: unit,
      })),
    };
  },

  async GetMetricData(core, accountId, input) {
    const i = input as {
      MetricDataQueries: {
        Id: string;
        MetricStat?: {
          Metric: { Namespace?: string; MetricName?: string; Dimensions?: WireDimension[] };
          Period: number;
          Stat: string;
          Unit?: string;
        };
        Expression?: string;
        Label?: string;
        ReturnData?: boolean;
      }[];
      StartTime: Date;
      EndTime: Date;
      ScanBy?: 'TimestampDescending' | 'TimestampAscending';
      MaxDatapoints?: number;
    };
    if (i.MetricDataQueries.length > 500)
      throw invalid('The collection MetricDataQueries must not have more than 500 members.');
    const results = [];
    for (const q of i.MetricDataQueries) {
      if (q.Expression !== undefined)
        throw invalid(`Metric math expressions (query ${q.Id}) are not supported by Sesame.`);
      if (!q.MetricStat) throw invalid(`Query ${q.Id} must have a MetricStat or an Expression.`);
      const stat = q.MetricStat.Stat;
      if (!STATS.has(stat))
        throw invalid(
          `The statistic ${stat} of query ${q.Id} is not supported by Sesame (SampleCount, Average, Sum, Minimum, Maximum are).`,
        );
      checkRange(i.StartTime, i.EndTime, q.MetricStat.Period);
      if (q.ReturnData === false) continue;
      const m = q.MetricStat.Metric;
      const unit = unitOf(m.MetricName ?? '');
      const points =
        q.MetricStat.Unit !== undefined && q.MetricStat.Unit !== unit
          ? []
          : await core.metrics.datapoints(
              accountId,
              {
                namespace: m.Namespace ?? '',
                metricName: m.MetricName ?? '',
                dimensions: dims(m.Dimensions),
              },
              i.StartTime.getTime(),
              i.EndTime.getTime(),
              q.MetricStat.Period * 1000,
            );
      const ordered = i.ScanBy === 'TimestampAscending' ? points : [...points].reverse();
      const values = ordered.map((p) => {
        switch (stat) {
          case 'Sum':
            return p.sum;
          case 'SampleCount':
            return p.count;
          case 'Minimum':
            return p.min;
          case 'Maximum':
            return p.max;
          default:
            return p.count ? p.sum / p.count : 0;
        }
      });
      results.push({
        Id: q.Id,
        Label: q.Label ?? m.MetricName,
        Timestamps: ordered.map((p) => new Date(p.start)),
        Values: values,
        StatusCode: 'Complete',
      });
    }
    return { MetricDataResults: results, Messages: [] };
  },
};
