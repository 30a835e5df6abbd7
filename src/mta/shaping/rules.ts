/**
 * Traffic shaping as data: defaults plus one block per mailbox provider, matched by the suffix of the
 * destination's MX host names (KumoMTA's shaping.toml model, ../shared/reference §7.2). Each block limits
 * connections, messages per connection and the message rate, says whether TLS is required, and lists actions
 * on deferral replies ("rate limited" → slow down for a while). The operator's file (SESAME_SHAPING_FILE,
 * JSON) overrides any field of any block and may add providers.
 */

export interface Rate {
  count: number;
  periodMs: number;
}

export interface Automation {
  /** A regular expression (case-insensitive) matched against the deferral reply. */
  match: string;
  /** While active: a lower message rate, fewer connections, or no delivery at all (suspend). */
  maxMessageRate?: Rate | undefined;
  connectionLimit?: number | undefined;
  suspend?: boolean | undefined;
  durationMs: number;
}

export interface ShapingRule {
  /** The provider's name ("default" for destinations no block matches). */
  name: string;
  /** MX host name suffixes (".google.com"). */
  mx: string[];
  /** Infinity: no limit but SESAME_DESTINATION_CONCURRENCY. */
  connectionLimit: number;
  /** Infinity: as many as the connection carries. */
  maxDeliveriesPerConnection: number;
  /** null: no rate limit. */
  maxMessageRate: Rate | null;
  tls: 'opportunistic' | 'required';
  automation: Automation[];
}

/** A block as written in the file: every field optional, rates and durations as text ("100/s", "90m"). */
export interface RuleInput {
  mx?: string[];
  connectionLimit?: number | 'unlimited';
  maxDeliveriesPerConnection?: number | 'unlimited';
  maxMessageRate?: string;
  tls?: 'opportunistic' | 'required';
  automation?: {
    match: string;
    maxMessageRate?: string;
    connectionLimit?: number;
    suspend?: boolean;
    duration: string;
  }[];
}

export interface ShapingInput {
  default?: RuleInput;
  providers?: Record<string, RuleInput>;
}

/** KumoMTA's community limits, which every shipped provider block starts from. */
const PROVIDER_BASE = {
  connectionLimit: 10,
  maxDeliveriesPerConnection: 100,
  maxMessageRate: '100/s',
} as const;

/**
 * What Sesame ships: KumoMTA's community defaults for the large providers. The default block limits nothing
 * but what SESAME_DESTINATION_CONCURRENCY does (a relay to the operator's own servers is not slowed), and
 * slows down any destination whose deferral replies say it is rate limiting.
 */
export const DEFAULT_SHAPING: ShapingInput = {
  default: {
    connectionLimit: 'unlimited',
    maxDeliveriesPerConnection: 'unlimited',
    maxMessageRate: 'unlimited',
    tls: 'opportunistic',
    automation: [
      {
        match: 'rate.?limit|temporarily (deferred|rate)|too many (messages|connections)|server busy|throttl',
        maxMessageRate: '1/min',
        connectionLimit: 1,
        duration: '90m',
      },
    ],
  },
  providers: {
    google: {
      ...PROVIDER_BASE,
      mx: ['.google.com', '.googlemail.com'],
      tls: 'required',
      maxDeliveriesPerConnection: 50,
      connectionLimit: 5,
    },
    yahoo: {
      ...PROVIDER_BASE,
      mx: ['.yahoodns.net'],
      maxDeliveriesPerConnection: 20,
      automation: [{ match: '\\[TSS?04\\]', suspend: true, duration: '2h' }],
    },
    outlook: {
      ...PROVIDER_BASE,
      mx: ['.olc.protection.outlook.com'],
      maxDeliveriesPerConnection: 50,
      connectionLimit: 5,
    },
    office365: {
      ...PROVIDER_BASE,
      mx: ['.mail.protection.outlook.com', '.mx.microsoft'],
      maxDeliveriesPerConnection: 50,
      connectionLimit: 5,
    },
    apple: { ...PROVIDER_BASE, mx: ['.icloud.com'], connectionLimit: 10, maxDeliveriesPerConnection: 5 },
    comcast: {
      ...PROVIDER_BASE,
      mx: ['.comcast.net'],
      connectionLimit: 25,
      maxDeliveriesPerConnection: 1000,
      tls: 'required',
      automation: [{ match: 'RL000010', suspend: true, duration: '5m' }],
    },
    orange: {
      ...PROVIDER_BASE,
      mx: ['.orange.fr'],
      connectionLimit: 2,
      maxDeliveriesPerConnection: 100,
      tls: 'required',
    },
    mimecast: {
      ...PROVIDER_BASE,
      mx: ['.mimecast.com'],
      connectionLimit: 10,
      maxDeliveriesPerConnection: 100,
    },
  },
};

export class ShapingError extends Error {}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

/** "90m", "2h", "30s", "1d". */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|day|d)$/.exec(text.trim());
  if (!m) throw new ShapingError(`"${text}" is not a duration like 30s, 90m, 2h or 1d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** "100/s", "1/min", "10000/h", "1/5s". */
export function parseRate(text: string): Rate {
  const m = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|min|m|h|day|d)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) throw new ShapingError(`"${text}" is not a rate like 100/s, 1/min or 1/5s`);
  return { count: Number(m[1]), periodMs: (m[2] ? Number(m[2]) : 1) * UNITS[m[3]!]! };
}

/** A limit: a whole number ≥ 1, or "unlimited" (Infinity). */
function limit(v: unknown, what: string): number {
  return v === 'unlimited' ? Infinity : positiveInt(v, what);
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ShapingError(`${what} must be a whole number ≥ 1`);
  return v;
}

function rule(name: string, base: ShapingRule, input: RuleInput): ShapingRule {
  const where = name === 'default' ? 'default' : `providers.${name}`;
  try {
    return {
      name,
      mx: (input.mx ?? base.mx).map((s) => s.toLowerCase()),
      connectionLimit:
        input.connectionLimit === undefined
          ? base.connectionLimit
          : limit(input.connectionLimit, 'connectionLimit'),
      maxDeliveriesPerConnection:
        input.maxDeliveriesPerConnection === undefined
          ? base.maxDeliveriesPerConnection
          : limit(input.maxDeliveriesPerConnection, 'maxDeliveriesPerConnection'),
      maxMessageRate:
        input.maxMessageRate === undefined
          ? base.maxMessageRate
          : input.maxMessageRate === 'unlimited'
            ? null
            : parseRate(input.maxMessageRate),
      tls:
        input.tls === undefined
          ? base.tls
          : input.tls === 'required' || input.tls === 'opportunistic'
            ? input.tls
            : (() => {
                throw new ShapingError('tls must be "required" or "opportunistic"');
              })(),
      automation:
        input.automation === undefined
          ? base.automation
          : input.automation.map((a) => {
              try {
                new RegExp(a.match, 'i');
              } catch {
                throw new ShapingError(
                  `automation match ${JSON.stringify(a.match)} is not a regular expression`,
                );
              }
              return {
                match: a.match,
                maxMessageRate: a.maxMessageRate === undefined ? undefined : parseRate(a.maxMessageRate),
                connectionLimit:
                  a.connectionLimit === undefined
                    ? undefined
                    : positiveInt(a.connectionLimit, 'connectionLimit'),
                suspend: a.suspend === true,
                durationMs: parseDuration(a.duration),
              };
            }),
    };
  } catch (err) {
    if (err instanceof ShapingError) throw new ShapingError(`shaping ${where}: ${err.message}`);
    throw err;
  }
}

const BUILT_IN: ShapingRule = {
  name: 'default',
  mx: [],
  connectionLimit: Infinity,
  maxDeliveriesPerConnection: Infinity,
  maxMessageRate: null,
  tls: 'opportunistic',
  automation: [],
};

/**
 * The rules in effect: Sesame's defaults with the operator's file over them. A provider the operator writes
 * starts from the shipped block of that name (or from the default block for a new provider). A provider's
 * automation is its own entries, then the default block's (which apply everywhere).
 */
export function buildRules(operator: ShapingInput = {}): { fallback: ShapingRule; providers: ShapingRule[] } {
  const shipped = DEFAULT_SHAPING;
  const fallback = rule('default', rule('default', BUILT_IN, shipped.default ?? {}), operator.default ?? {});
  const names = new Set([...Object.keys(shipped.providers ?? {}), ...Object.keys(operator.providers ?? {})]);
  const providers: ShapingRule[] = [];
  for (const name of names) {
    const base = { ...fallback, name, mx: [] as string[], automation: [] as Automation[] };
    const fromShipped = shipped.providers?.[name];
    const withShipped = fromShipped ? rule(name, base, fromShipped) : base;
    const r = rule(name, withShipped, operator.providers?.[name] ?? {});
    if (r.mx.length === 0)
      throw new ShapingError(`shaping providers.${name}: mx must list at least one MX host suffix`);
    providers.push({ ...r, automation: [...r.automation, ...fallback.automation] });
  }
  return { fallback, providers };
}

/** The block for a destination: the first provider one of whose suffixes ends an MX host name. */
export function ruleFor(
  rules: { fallback: ShapingRule; providers: ShapingRule[] },
  mxHosts: string[],
): ShapingRule {
  const hosts = mxHosts.map((h) => h.toLowerCase().replace(/\.$/, ''));
  for (const p of rules.providers)
    if (
      p.mx.some((s) =>
        hosts.some((h) => h === s.replace(/^\./, '') || h.endsWith(s.startsWith('.') ? s : `.${s}`)),
      )
    )
      return p;
  return rules.fallback;
}
