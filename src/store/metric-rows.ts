/**
 * Counter increments as rows: each increment is added to its minute bucket and its hour bucket, summed per key
 * within a batch and sorted by key, so concurrent transactions lock rows in the same order (no deadlock on
 * PostgreSQL). Shared by both writers (and by the SQLite writer thread, so it imports no Kysely).
 */
import {
  HOUR_SPAN,
  METRIC_COLUMNS,
  MINUTE_SPAN,
  type DimensionIncrement,
  type MetricIncrement,
} from './interface/metrics.ts';
import type { MetricDimensionCountsTable } from './schema.ts';

export type CounterRow = Record<string, string | number>;
/** A CloudWatch-destination count as its table holds it. */
export type DimensionRow = MetricDimensionCountsTable;

const SPANS = [MINUTE_SPAN, HOUR_SPAN] as const;
const start = (at: number, span: number) => Math.floor(at / (span * 1000)) * span * 1000;

export function counterRows(increments: readonly MetricIncrement[]): CounterRow[] {
  const rows = new Map<string, CounterRow>();
  for (const inc of increments)
    for (const span of SPANS) {
      const bucket = start(inc.at, span);
      const key = [inc.accountId, span, bucket, inc.configurationSet, inc.identity, inc.isp].join('\u0000');
      let row = rows.get(key);
      if (!row) {
        row = {
          account_id: inc.accountId,
          span,
          bucket,
          configuration_set: inc.configurationSet,
          identity: inc.identity,
          isp: inc.isp,
        };
        for (const c of METRIC_COLUMNS) row[c] = 0;
        rows.set(key, row);
      }
      for (const [c, n] of Object.entries(inc.counts)) row[c] = (row[c] as number) + (n ?? 0);
    }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

export function dimensionRows(increments: readonly DimensionIncrement[]): DimensionRow[] {
  const rows = new Map<string, DimensionRow>();
  for (const inc of increments)
    for (const span of SPANS) {
      const bucket = start(inc.at, span);
      const key = [inc.accountId, inc.metric, inc.dimensions, span, bucket].join('\u0000');
      const row = rows.get(key);
      if (row) row.count += inc.count;
      else
        rows.set(key, {
          account_id: inc.accountId,
          span,
          bucket,
          metric: inc.metric,
          dimensions: inc.dimensions,
          count: inc.count,
        });
    }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

const KEY = ['account_id', 'span', 'bucket', 'configuration_set', 'identity', 'isp'];

/** The SQLite upsert of one counter row (named parameters). */
export const SQLITE_COUNTER_UPSERT = `insert into metric_counts (${[...KEY, ...METRIC_COLUMNS].join(', ')})
  values (${[...KEY, ...METRIC_COLUMNS].map((c) => `@${c}`).join(', ')})
  on conflict (${KEY.join(', ')}) do update set ${METRIC_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;

export const SQLITE_DIMENSION_UPSERT = `insert into metric_dimension_counts (account_id, span, bucket, metric, dimensions, count)
  values (@account_id, @span, @bucket, @metric, @dimensions, @count)
  on conflict (account_id, metric, dimensions, span, bucket) do update set count = count + excluded.count`;
