import type { NotificationRecord } from './sns.ts';

/**
 * Sending metrics: counters in time buckets, written in the same transactions as the events they count
 * (accept, delivery outcomes), plus CloudWatch alarms and their history, and sampled gauges (reputation rates).
 */

/** The counters kept per (account, configuration set, identity, ISP) and bucket. */
export const METRIC_COLUMNS = [
  'sends',
  'recipients',
  'deliveries',
  'bounces',
  'permanent_bounces',
  'transient_bounces',
  'complaints',
  'rejects',
  'opens',
  'unique_opens',
  'clicks',
  'unique_clicks',
  'rendering_failures',
  'delivery_delays',
  'subscriptions',
  'deliveries_open',
  'deliveries_click',
  'deliveries_fbl',
  'reputation_sends',
  'reputation_bounces',
  'reputation_complaints',
] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];

/** Bucket widths: minutes (kept 15 days) and hours (kept 455 days), as CloudWatch keeps its data. */
export const MINUTE_SPAN = 60;
export const HOUR_SPAN = 3600;

/**
 * Increments of counters at a moment. `isp` is the recipient's mailbox provider, `~simulator` for the mailbox
 * simulator and `~multiple` for what cannot be told apart per recipient (a multi-recipient message's Send).
 */
export interface MetricIncrement {
  accountId: string;
  at: number;
  configurationSet: string;
  identity: string;
  isp: string;
  counts: Partial<Record<MetricColumn, number>>;
}

/** A CloudWatch event destination's datapoints: one metric with the destination's dimension values. */
export interface DimensionIncrement {
  accountId: string;
  at: number;
  metric: string;
  /** Canonical dimensions: `name=value` pairs sorted by name, joined with a tab; `''` for none. */
  dimensions: string;
  count: number;
}

export interface CounterFilter {
  configurationSet?: string;
  identity?: string;
  isp?: string;
  /** Leave out the `~simulator` and `~multiple` rows (what VDM excludes). */
  realIspsOnly?: boolean;
}

export interface CounterQuery {
  accountId: string;
  span: number;
  /** Inclusive start and exclusive end, epoch ms. */
  from: number;
  to: number;
  /** Width of the returned buckets (a multiple of `span` seconds, in ms), aligned to multiples of it. */
  bucketMs: number;
  filter: CounterFilter;
  columns: readonly MetricColumn[];
}

export interface CounterBucket {
  start: number;
  values: Record<string, number>;
}

export interface DimensionQuery {
  accountId: string;
  span: number;
  from: number;
  to: number;
  bucketMs: number;
  metric: string;
  dimensions: string;
}

export interface MetricSample {
  accountId: string;
  metric: string;
  dimensions: string;
  at: number;
  value: number;
}

export interface SampleBucket {
  start: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface AlarmRecord {
  accountId: string;
  name: string;
  arn: string;
  /** The PutMetricAlarm input as given (JSON-safe). */
  definition: Record<string, unknown>;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateReasonData: string | null;
  stateUpdatedAt: number;
  actionsEnabled: boolean;
  configurationUpdatedAt: number;
}

export interface AlarmHistoryRecord {
  id: string;
  accountId: string;
  alarmName: string;
  at: number;
  type: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  summary: string;
  data: string;
}

export interface MetricStore {
  /** Counters summed per bucket (only buckets with a row). */
  counters(q: CounterQuery): Promise<CounterBucket[]>;
  /** A CloudWatch-destination metric's counts per bucket. */
  dimensionCounts(q: DimensionQuery): Promise<{ start: number; count: number }[]>;
  /** The (metric, dimensions) pairs of an account's CloudWatch-destination counts since `since`. */
  dimensionMetrics(accountId: string, since: number): Promise<{ metric: string; dimensions: string }[]>;
  addSamples(samples: MetricSample[]): Promise<void>;
  samples(
    accountId: string,
    metric: string,
    dimensions: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<SampleBucket[]>;
  sampleMetrics(accountId: string, since: number): Promise<{ metric: string; dimensions: string }[]>;
  /** Accounts with any counter since `since` (the reputation evaluator's work list). */
  activeAccounts(since: number): Promise<string[]>;
  /** Drops minute buckets older than `minuteBefore` and hour buckets and samples older than `hourBefore`. */
  purge(minuteBefore: number, hourBefore: number): Promise<void>;

  putAlarm(alarm: AlarmRecord, history: AlarmHistoryRecord): Promise<void>;
  alarm(accountId: string, name: string): Promise<AlarmRecord | null>;
  alarms(accountId: string): Promise<AlarmRecord[]>;
  allAlarms(): Promise<AlarmRecord[]>;
  deleteAlarms(accountId: string, names: string[]): Promise<void>;
  /**
   * Changes an alarm's state if it is still `expected` (another evaluator may have moved it), with its history
   * rows; returns whether it changed.
   */
  setAlarmState(
    alarm: AlarmRecord,
    expected: AlarmRecord['state'],
    history: AlarmHistoryRecord[],
    notifications: NotificationRecord[],
  ): Promise<boolean>;
  setAlarmActionsEnabled(accountId: string, names: string[], enabled: boolean): Promise<void>;
  addAlarmHistory(history: AlarmHistoryRecord[]): Promise<void>;
  alarmHistory(
    accountId: string,
    q: { alarmName?: string; type?: string; from?: number; to?: number; limit: number; newestFirst: boolean },
  ): Promise<AlarmHistoryRecord[]>;
}
