/**
 * Metric data as CloudWatch and SES read it: the `AWS/SES` catalogue (which counter or gauge each metric name
 * is), statistics over periods, GetSendStatistics' 15-minute points and VDM's daily points. Everything is read
 * from the buckets the commits wrote (store/interface/metrics.ts); nothing here writes counters.
 */
import {
  HOUR_SPAN,
  MINUTE_SPAN,
  type CounterFilter,
  type MetricColumn,
  type Store,
} from '../../store/store.ts';
import { SesError } from '../errors.ts';

export const SES_NAMESPACE = 'AWS/SES';

/** SES's CloudWatch metrics that are counts of events, and the counter behind each at account level. */
export const COUNTER_METRICS: Record<string, MetricColumn> = {
  Send: 'sends',
  Delivery: 'deliveries',
  Bounce: 'bounces',
  Complaint: 'complaints',
  Reject: 'rejects',
  Open: 'opens',
  Click: 'clicks',
  RenderingFailure: 'rendering_failures',
  DeliveryDelay: 'delivery_delays',
  Subscription: 'subscriptions',
};

/** Gauges the reputation evaluator samples (a rate between 0 and 1). */
export const REPUTATION_METRICS = ['Reputation.BounceRate', 'Reputation.ComplaintRate'] as const;

/** The dimension SES gives a configuration set's reputation metrics. */
export const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';

export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

export interface Dimension {
  name: string;
  value: string;
}

export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

/** One period's aggregate: enough to answer every statistic. */
export interface Aggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** One period of the console's sending charts. */
export interface ActivityPoint {
  start: number;
  sends: number;
  deliveries: number;
  bounces: number;
  complaints: number;
  rejects: number;
}

export interface Datapoint extends Aggregate {
  start: number;
}

/** Canonical dimensions text (sorted by name): the key the store keeps dimensioned counts and samples under. */
export function canonicalDimensions(dimensions: Dimension[]): string {
  return [...dimensions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => `${d.name}=${d.value}`)
    .join('\t');
}

export function parseDimensions(text: string): Dimension[] {
  if (!text) return [];
  return text.split('\t').map((pair) => {
    const i = pair.indexOf('=');
    return { name: pair.slice(0, i), value: pair.slice(i + 1) };
  });
}

export function statisticOf(a: Aggregate, statistic: Statistic): number {
  switch (statistic) {
    case 'Sum':
      return a.sum;
    case 'SampleCount':
      return a.count;
    case 'Average':
      return a.count ? a.sum / a.count : 0;
    case 'Minimum':
      return a.min;
    case 'Maximum':
      return a.max;
  }
}

const DAY = 86_400_000;
/** CloudWatch keeps one-minute data 15 days and hourly data 455 days; so do these buckets. */
export const MINUTE_RETENTION_MS = 15 * DAY;
export const HOUR_RETENTION_MS = 455 * DAY;

export class MetricSeries {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(deps: { store: Store; now: () => number }) {
    this.#store = deps.store;
    this.#now = deps.now;
  }

  /**
   * A metric's aggregates per period over [from, to): periods start at `from` (rounded down to the minute) and
   * every `periodMs` after it; only periods with data. Data older than 15 days is read from hour buckets, so
   * there a period must be a multiple of an hour (else no points, as CloudWatch answers).
   */
  async datapoints(
    accountId: string,
    metric: MetricId,
    from: number,
    to: number,
    periodMs: number,
  ): Promise<Datapoint[]> {
    if (metric.namespace !== SES_NAMESPACE) return [];
    const hourly = from < this.#now() - MINUTE_RETENTION_MS && periodMs % 3_600_000 === 0;
    const span = hourly ? HOUR_SPAN : MINUTE_SPAN;
    const origin = Math.floor(from / (span * 1000)) * span * 1000;
    const fine = await this.#fine(accountId, metric, origin, to, span);
    const periods = new Map<number, Datapoint>();
    for (const f of fine) {
      const start = origin + Math.floor((f.start - origin) / periodMs) * periodMs;
      const p = periods.get(start);
      if (!p) periods.set(start, { ...f, start });
      else {
        p.sum += f.sum;
        p.count += f.count;
        p.min = Math.min(p.min, f.min);
        p.max = Math.max(p.max, f.max);
      }
    }
    return [...periods.values()].sort((a, b) => a.start - b.start);
  }

  /** The metric's aggregates per bucket of the span. */
  async #fine(
    accountId: string,
    metric: MetricId,
    from: number,
    to: number,
    span: number,
  ): Promise<Datapoint[]> {
    const dims = canonicalDimensions(metric.dimensions);
    const bucketMs = span * 1000;
    const column = COUNTER_METRICS[metric.metricName];
    if (column && dims === '') {
      const rows = await this.#store.metrics.counters({
        accountId,
        span,
        from,
        to,
        bucketMs,
        filter: {},
        columns: [column],
      });
      return rows.filter((r) => r.values[column]! > 0).map((r) => counted(r.start, r.values[column]!));
    }
    if ((REPUTATION_METRICS as readonly string[]).includes(metric.metricName)) {
      const rows = await this.#store.metrics.samples(accountId, metric.metricName, dims, from, to, bucketMs);
      return rows.map((r) => ({ ...r }));
    }
    const rows = await this.#store.metrics.dimensionCounts({
      accountId,
      span,
      from,
      to,
      bucketMs,
      metric: metric.metricName,
      dimensions: dims,
    });
    return rows.filter((r) => r.count > 0).map((r) => counted(r.start, r.count));
  }

  /** The metrics of an account with data in the last two weeks (what ListMetrics lists). */
  async metrics(accountId: string): Promise<MetricId[]> {
    const since = this.#now() - 14 * DAY;
    const out: MetricId[] = [];
    const totals = await this.#store.metrics.counters({
      accountId,
      span: HOUR_SPAN,
      from: since - 3_600_000,
      to: this.#now() + 3_600_000,
      bucketMs: 1000 * DAY,
      filter: {},
      columns: Object.values(COUNTER_METRICS),
    });
    for (const [name, column] of Object.entries(COUNTER_METRICS))
      if (totals.some((t) => t.values[column]! > 0))
        out.push({ namespace: SES_NAMESPACE, metricName: name, dimensions: [] });
    for (const m of [
      ...(await this.#store.metrics.sampleMetrics(accountId, since)),
      ...(await this.#store.metrics.dimensionMetrics(accountId, since - 3_600_000)),
    ])
      out.push({ namespace: SES_NAMESPACE, metricName: m.metric, dimensions: parseDimensions(m.dimensions) });
    return out;
  }

  /** SES v1 GetSendStatistics: 15-minute points of the last two weeks, only those with activity. */
  async sendStatistics(
    accountId: string,
  ): Promise<
    { start: number; deliveryAttempts: number; bounces: number; complaints: number; rejects: number }[]
  > {
    const quarter = 15 * 60_000;
    const now = this.#now();
    const rows = await this.#store.metrics.counters({
      accountId,
      span: MINUTE_SPAN,
      from: Math.floor((now - 14 * DAY) / quarter) * quarter,
      to: now + quarter,
      bucketMs: quarter,
      filter: {},
      columns: ['recipients', 'bounces', 'complaints', 'rejects'],
    });
    return rows.map((r) => ({
      start: r.start,
      deliveryAttempts: r.values.recipients!,
      bounces: r.values.bounces!,
      complaints: r.values.complaints!,
      rejects: r.values.rejects!,
    }));
  }

  /**
   * The console's sending charts: sends, deliveries, bounces, complaints and rejects per period over the last
   * `days` days, every period present (zeros included) so a chart's time axis has no gaps.
   */
  async activity(accountId: string, days: number, periodMs: number): Promise<ActivityPoint[]> {
    const now = this.#now();
    const from = Math.floor((now - days * DAY) / periodMs) * periodMs;
    const rows = await this.#store.metrics.counters({
      accountId,
      span: periodMs % 3_600_000 === 0 ? HOUR_SPAN : MINUTE_SPAN,
      from,
      to: now + periodMs,
      bucketMs: periodMs,
      filter: {},
      columns: ['sends', 'deliveries', 'bounces', 'complaints', 'rejects'],
    });
    const byStart = new Map(rows.map((r) => [r.start, r.values]));
    const out: ActivityPoint[] = [];
    for (let start = from; start <= now; start += periodMs) {
      const v = byStart.get(start) ?? {};
      out.push({
        start,
        sends: v.sends ?? 0,
        deliveries: v.deliveries ?? 0,
        bounces: v.bounces ?? 0,
        complaints: v.complaints ?? 0,
        rejects: v.rejects ?? 0,
      });
    }
    return out;
  }

  /** Reputation counters of an account (or one configuration set) over [from, to). */
  async reputationCounts(
    accountId: string,
    from: number,
    to: number,
    configurationSet?: string,
  ): Promise<{ sends: number; bounces: number; complaints: number }> {
    const filter: CounterFilter = configurationSet !== undefined ? { configurationSet } : {};
    const hourly = from < this.#now() - MINUTE_RETENTION_MS;
    const rows = await this.#store.metrics.counters({
      accountId,
      span: hourly ? HOUR_SPAN : MINUTE_SPAN,
      from,
      to,
      bucketMs: 1e15, // one bucket for the whole range
      filter,
      columns: ['reputation_sends', 'reputation_bounces', 'reputation_complaints'],
    });
    const sum = (c: string) => rows.reduce((n, r) => n + (r.values[c] ?? 0), 0);
    return {
      sends: sum('reputation_sends'),
      bounces: sum('reputation_bounces'),
      complaints: sum('reputation_complaints'),
    };
  }

  /**
   * VDM BatchGetMetricData with SES's rules: 1–10 queries with distinct ids, namespace VDM, a known metric, 1–3
   * of its dimensions, a range of at most 30 days.
   */
  async vdmBatch(
    accountId: string,
    queries: VdmQuery[],
  ): Promise<{ id: string; timestamps: number[]; values: number[] }[]> {
    const bad = (message: string) => new SesError('BadRequestException', message);
    if (queries.length < 1 || queries.length > 10) throw bad('Queries must hold between 1 and 10 queries.');
    const ids = new Set<string>();
    for (const q of queries) {
      if (ids.has(q.id)) throw bad(`Duplicate query Id ${q.id}.`);
      ids.add(q.id);
      if (q.namespace !== 'VDM') throw bad(`Unknown Namespace ${q.namespace} (VDM is the only one).`);
      if (!(q.metric in VDM_METRICS)) throw bad(`Unknown Metric ${q.metric}.`);
      const dims = Object.keys(q.dimensions);
      if (dims.length < 1 || dims.length > 3 || dims.some((d) => !VDM_DIMENSIONS.has(d)))
        throw bad(`Dimensions of query ${q.id} must hold 1 to 3 of EMAIL_IDENTITY, CONFIGURATION_SET, ISP.`);
      if (!(q.from < q.to)) throw bad(`StartDate of query ${q.id} must be before its EndDate.`);
      if (q.to - q.from > 31 * DAY) throw bad(`The range of query ${q.id} must not exceed 30 days.`);
    }
    const out = [];
    for (const q of queries)
      out.push({ id: q.id, ...(await this.vdmSeries(accountId, q.metric, q.dimensions, q.from, q.to)) });
    return out;
  }

  /** VDM BatchGetMetricData: one point per UTC day with data. */
  async vdmSeries(
    accountId: string,
    metric: string,
    dimensions: Partial<Record<'EMAIL_IDENTITY' | 'CONFIGURATION_SET' | 'ISP', string>>,
    from: number,
    to: number,
  ): Promise<{ timestamps: number[]; values: number[] }> {
    const column = VDM_METRICS[metric];
    if (!column) throw new SesError('BadRequestException', `Unknown VDM metric ${metric}.`);
    const filter: CounterFilter = { realIspsOnly: true };
    if (dimensions.EMAIL_IDENTITY !== undefined) filter.identity = dimensions.EMAIL_IDENTITY;
    if (dimensions.CONFIGURATION_SET !== undefined) filter.configurationSet = dimensions.CONFIGURATION_SET;
    if (dimensions.ISP !== undefined) filter.isp = dimensions.ISP;
    const rows = await this.#store.metrics.counters({
      accountId,
      span: HOUR_SPAN,
      from: Math.floor(from / 3_600_000) * 3_600_000,
      to,
      bucketMs: DAY,
      filter,
      columns: [column],
    });
    const points = rows.filter((r) => r.values[column]! > 0);
    return { timestamps: points.map((p) => p.start), values: points.map((p) => p.values[column]!) };
  }
}

export interface VdmQuery {
  id: string;
  namespace: string;
  metric: string;
  dimensions: Partial<Record<'EMAIL_IDENTITY' | 'CONFIGURATION_SET' | 'ISP', string>>;
  from: number;
  to: number;
}

const VDM_DIMENSIONS = new Set(['EMAIL_IDENTITY', 'CONFIGURATION_SET', 'ISP']);

/** VDM's metrics and the counter behind each (its exclusions are the `~` rows: simulator, multi-recipient). */
export const VDM_METRICS: Record<string, MetricColumn> = {
  SEND: 'sends',
  COMPLAINT: 'reputation_complaints',
  PERMANENT_BOUNCE: 'permanent_bounces',
  TRANSIENT_BOUNCE: 'transient_bounces',
  OPEN: 'unique_opens',
  CLICK: 'unique_clicks',
  DELIVERY: 'deliveries',
  DELIVERY_OPEN: 'deliveries_open',
  DELIVERY_CLICK: 'deliveries_click',
  DELIVERY_COMPLAINT: 'deliveries_fbl',
};

/** A count of events as CloudWatch aggregates it: each event a datapoint of value 1. */
const counted = (start: number, n: number): Datapoint => ({ start, sum: n, count: n, min: 1, max: 1 });
