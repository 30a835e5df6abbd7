/**
 * Applies the shaping rules per sending address and provider on this node: open connections, the message
 * rate (a token bucket), and the temporary limits automation sets after matching deferral replies. Limits
 * are this node's own (several nodes each apply them).
 */
import type { ShapingPathReport } from '../../core/index.ts';
import { ruleFor, type Automation, type Rate, type ShapingRule } from './rules.ts';

/** Where limits are counted: one sending address (or the node's own) towards one provider. */
export interface PathKey {
  source: string;
  provider: string;
}

interface Path {
  connections: number;
  tokens: number;
  refilledAt: number;
  /** Limits a matched deferral reply set, until `until`. */
  override: { until: number; reason: string; automation: Automation } | null;
}

export const formatRate = (r: Rate): string =>
  r.periodMs % 86_400_000 === 0
    ? `${r.count}/${r.periodMs === 86_400_000 ? '' : r.periodMs / 86_400_000}d`
    : r.periodMs % 3_600_000 === 0
      ? `${r.count}/${r.periodMs === 3_600_000 ? '' : r.periodMs / 3_600_000}h`
      : r.periodMs % 60_000 === 0
        ? `${r.count}/${r.periodMs === 60_000 ? '' : r.periodMs / 60_000}min`
        : `${r.count}/${r.periodMs === 1000 ? '' : r.periodMs / 1000}s`;

export class Shaper {
  readonly #rules: { fallback: ShapingRule; providers: ShapingRule[] };
  readonly #paths = new Map<string, Path>();
  readonly #now: () => number;
  readonly #onChange: () => void;

  constructor(
    rules: { fallback: ShapingRule; providers: ShapingRule[] },
    options: { now?: () => number; onChange?: () => void } = {},
  ) {
    this.#rules = rules;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  ruleFor(mxHosts: string[]): ShapingRule {
    return ruleFor(this.#rules, mxHosts);
  }

  #path(key: PathKey, rule: ShapingRule): Path {
    const id = `${key.source} ${key.provider}`;
    let p = this.#paths.get(id);
    if (!p)
      this.#paths.set(
        id,
        (p = {
          connections: 0,
          tokens: rule.maxMessageRate?.count ?? 1,
          refilledAt: this.#now(),
          override: null,
        }),
      );
    if (p.override && p.override.until <= this.#now()) {
      p.override = null;
      this.#onChange();
    }
    return p;
  }

  #limits(rule: ShapingRule, p: Path): { rate: Rate | null; connections: number; suspended: boolean } {
    const a = p.override?.automation;
    return {
      rate: a?.maxMessageRate ?? rule.maxMessageRate,
      connections: Math.min(rule.connectionLimit, a?.connectionLimit ?? Infinity),
      suspended: a?.suspend === true,
    };
  }

  /**
   * Whether a message may go now; takes one from the rate if so. Otherwise the milliseconds to wait (until
   * a suspension ends, or the rate has room again).
   */
  takeMessage(key: PathKey, rule: ShapingRule): number {
    const p = this.#path(key, rule);
    const { rate, suspended } = this.#limits(rule, p);
    const now = this.#now();
    if (suspended) return Math.max(1, p.override!.until - now);
    if (!rate) return 0;
    // Token bucket: `count` messages per `periodMs`, refilled continuously, at most `count` at once.
    p.tokens = Math.min(rate.count, p.tokens + ((now - p.refilledAt) * rate.count) / rate.periodMs);
    p.refilledAt = now;
    if (p.tokens >= 1) {
      p.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - p.tokens) * rate.periodMs) / rate.count);
  }

  /** Takes a connection slot (false: at the limit); `closed` gives it back. */
  openConnection(key: PathKey, rule: ShapingRule): boolean {
    const p = this.#path(key, rule);
    if (p.connections >= this.#limits(rule, p).connections) return false;
    p.connections++;
    return true;
  }

  closed(key: PathKey, rule: ShapingRule): void {
    const p = this.#path(key, rule);
    p.connections = Math.max(0, p.connections - 1);
  }

  /** A deferral reply: the first automation it matches takes effect for its duration (a new match renews it). */
  deferred(key: PathKey, rule: ShapingRule, reply: string): void {
    const a = rule.automation.find((x) => new RegExp(x.match, 'i').test(reply));
    if (!a) return;
    const p = this.#path(key, rule);
    p.override = { until: this.#now() + a.durationMs, reason: reply.slice(0, 300), automation: a };
    // Slower from now on: no saved-up burst under the lower rate.
    p.tokens = Math.min(p.tokens, 0);
    p.refilledAt = this.#now();
    this.#onChange();
  }

  /** Every path this node has used, with its limits and any automation in effect. */
  status(): ShapingPathReport[] {
    const out: ShapingPathReport[] = [];
    for (const [id, p] of this.#paths) {
      const [source = '', provider = ''] = id.split(' ');
      const rule =
        provider === this.#rules.fallback.name
          ? this.#rules.fallback
          : (this.#rules.providers.find((r) => r.name === provider) ?? this.#rules.fallback);
      const now = this.#now();
      const active = p.override && p.override.until > now ? p.override : null;
      const limits = this.#limits(rule, active ? p : { ...p, override: null });
      out.push({
        source,
        provider,
        connections: p.connections,
        // null: no limit (JSON has no Infinity).
        connectionLimit: Number.isFinite(limits.connections) ? limits.connections : null,
        maxMessageRate: limits.suspended ? 'suspended' : limits.rate ? formatRate(limits.rate) : 'unlimited',
        maxDeliveriesPerConnection: Number.isFinite(rule.maxDeliveriesPerConnection)
          ? rule.maxDeliveriesPerConnection
          : null,
        tls: rule.tls,
        throttled: active
          ? {
              until: new Date(active.until).toISOString(),
              action: active.automation.suspend
                ? 'suspend'
                : [
                    active.automation.maxMessageRate &&
                      `rate ${formatRate(active.automation.maxMessageRate)}`,
                    active.automation.connectionLimit && `${active.automation.connectionLimit} connection(s)`,
                  ]
                    .filter(Boolean)
                    .join(', '),
              reply: active.reason,
            }
          : null,
      });
    }
    return out.sort((a, b) => `${a.provider} ${a.source}`.localeCompare(`${b.provider} ${b.source}`));
  }
}
