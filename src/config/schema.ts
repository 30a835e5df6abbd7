/**
 * Every Sesame setting, in one typed schema: name, environment variable, default and a one-line description.
 * docs/config.md is generated from this list (npm run generate:config-docs); a test keeps the two in step.
 */
import { isIP } from 'node:net';
import { availableParallelism, hostname } from 'node:os';

export class SettingError extends Error {}

interface Parser<T> {
  /** Human-readable type used in docs and error messages. */
  readonly kind: string;
  parse(raw: unknown): T;
}

const fail = (msg: string): never => {
  throw new SettingError(msg);
};

const str: Parser<string> = {
  kind: 'string',
  parse: (raw) => (typeof raw === 'string' ? raw : fail('must be a string')),
};
const optionalStr: Parser<string | undefined> = {
  kind: 'string',
  parse: (raw) => (raw === '' || raw === undefined ? undefined : str.parse(raw)),
};

function int(min: number, max: number): Parser<number> {
  return {
    kind: `integer ${min}–${max}`,
    parse(raw) {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      return Number.isInteger(n) && n >= min && n <= max
        ? n
        : fail(`must be an integer from ${min} to ${max}`);
    },
  };
}

function num(min: number): Parser<number> {
  return {
    kind: `number ≥ ${min}`,
    parse(raw) {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) && n >= min ? n : fail(`must be a number ≥ ${min}`);
    },
  };
}

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return {
    kind: values.join(' | '),
    parse: (raw) =>
      typeof raw === 'string' && (values as readonly string[]).includes(raw)
        ? (raw as T)
        : fail(`must be one of ${values.join(', ')}`),
  };
}

const bool: Parser<boolean> = {
  kind: 'true | false',
  parse(raw) {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1' || raw === 'yes' || raw === 'on') return true;
    if (raw === 'false' || raw === '0' || raw === 'no' || raw === 'off') return false;
    return fail('must be true or false');
  },
};

const optionalPort: Parser<number | undefined> = {
  kind: 'integer 0–65535',
  parse: (raw) => (raw === undefined || raw === '' ? undefined : int(0, 65535).parse(raw)),
};

/** A list setting's items: an array (config file) or a comma- or space-separated string (environment). */
const listItems = (raw: unknown): unknown[] =>
  Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : fail('must be a list');

const cidrList: Parser<string[]> = {
  kind: 'list of CIDR networks',
  parse(raw) {
    const items = listItems(raw);
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') return fail('must be a list of strings');
      if (item === '') continue;
      const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(item);
      if (!m || isIP(m[1]!) === 0 || Number(m[2]) > (isIP(m[1]!) === 4 ? 32 : 128))
        return fail(`"${item}" is not a CIDR network like 10.0.0.0/8`);
      out.push(item);
    }
    return out;
  },
};

/** `ADDRESS[=EHLO-NAME]` list, comma or space separated: this node's dedicated IPs. */
const sendingAddresses: Parser<{ ip: string; ehlo: string | null }[]> = {
  kind: 'list of ADDRESS[=EHLO-NAME]',
  parse(raw) {
    const items = listItems(raw);
    const out: { ip: string; ehlo: string | null }[] = [];
    for (const item of items) {
      if (typeof item !== 'string') return fail('must be a list of strings');
      if (item === '') continue;
      const [ip = '', ehlo] = item.split('=');
      if (isIP(ip) === 0) return fail(`"${item}" does not start with an IP address (ADDRESS[=EHLO-NAME])`);
      out.push({ ip, ehlo: ehlo || null });
    }
    return out;
  },
};

const hostList: Parser<string[]> = {
  kind: 'list of DNS names',
  parse(raw) {
    const out: string[] = [];
    for (const item of listItems(raw)) {
      if (typeof item !== 'string') return fail('must be a list of strings');
      if (item === '') continue;
      if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i.test(item))
        return fail(`"${item}" is not a DNS name`);
      out.push(item.toLowerCase());
    }
    return out;
  },
};

const region: Parser<string> = {
  kind: 'AWS region name',
  parse: (raw) =>
    typeof raw === 'string' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(raw)
      ? raw
      : fail('must look like an AWS region, e.g. us-east-1'),
};

const url: Parser<string | undefined> = {
  kind: 'URL',
  parse(raw) {
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string') return fail('must be a URL string');
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return fail('must be an absolute http(s) URL');
    }
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? raw.replace(/\/+$/, '')
      : fail('must be an http(s) URL');
  },
};

const databaseUrl: Parser<string | undefined> = {
  kind: 'sqlite:PATH | postgres://…',
  parse(raw) {
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string') return fail('must be a string');
    if (/^postgres(ql)?:\/\//.test(raw) || raw.startsWith('sqlite:')) return raw;
    return fail('must start with sqlite: (a file path) or postgres://');
  },
};

/** `ip[:port]` list, comma or space separated; IPv6 with a port as `[::1]:53`. */
const serverList: Parser<string[]> = {
  kind: 'list of ip[:port]',
  parse(raw) {
    const items = listItems(raw);
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') return fail('must be a list of strings');
      if (item === '') continue;
      const ok =
        /^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/.test(item) ||
        /^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(item) ||
        /^[0-9a-fA-F:]+$/.test(item);
      if (!ok) return fail(`"${item}" is not an ip[:port] address`);
      out.push(item);
    }
    return out;
  },
};

export interface SettingDef<T> {
  env: string;
  description: string;
  parser: Parser<T>;
  /** A fixed default, or one derived from the other settings (shown as text in the docs). */
  default: T | { derive: (c: Readonly<Record<string, unknown>>) => T; text: string };
  /** Never printed (master key). */
  secret?: boolean;
}

const def = <T>(d: SettingDef<T>): SettingDef<T> => d;

export const settings = {
  dev: def({
    env: 'SESAME_DEV',
    description:
      'Development mode (`sesame serve --dev`): a default production account with well-known keys, identities verified at once, and all outbound mail captured locally (inbox at /inbox), never delivered.',
    parser: bool,
    default: false,
  }),
  devAccessKeyId: def({
    env: 'SESAME_DEV_ACCESS_KEY_ID',
    description:
      'Access key id of the development-mode account (refused when development mode is off). LocalStack users may set `test`.',
    parser: str,
    default: 'AKIAIOSFODNN7EXAMPLE',
  }),
  devSecretAccessKey: def({
    env: 'SESAME_DEV_SECRET_ACCESS_KEY',
    description: 'Secret access key of the development-mode account.',
    parser: str,
    default: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  }),
  dataDir: def({
    env: 'SESAME_DATA_DIR',
    description: 'Directory for the SQLite database, the master key, TLS material and other local state.',
    parser: str,
    default: './data',
  }),
  databaseUrl: def({
    env: 'SESAME_DATABASE_URL',
    description:
      'Database: `sqlite:<file>` (embedded, one node) or `postgres://user@host:port/db` (many nodes).',
    parser: databaseUrl,
    default: { derive: (c) => `sqlite:${String(c.dataDir)}/sesame.db`, text: 'sqlite:<dataDir>/sesame.db' },
  }),
  databaseSchema: def({
    env: 'SESAME_DATABASE_SCHEMA',
    description: 'PostgreSQL schema that holds Sesame’s tables (created if missing).',
    parser: str,
    default: 'public',
  }),
  httpHost: def({
    env: 'SESAME_HTTP_HOST',
    description: 'Address the HTTP listener (SES APIs, links, console) binds to.',
    parser: str,
    default: '127.0.0.1',
  }),
  httpPort: def({
    env: 'SESAME_HTTP_PORT',
    description: 'Port of the HTTP listener; 0 picks a free port.',
    parser: int(0, 65535),
    default: 8787,
  }),
  httpRequestTimeoutSeconds: def({
    env: 'SESAME_HTTP_REQUEST_TIMEOUT_SECONDS',
    description:
      'Longest time a client may take to send a whole HTTP request, headers and body; slower requests are answered 408 and closed.',
    parser: num(1),
    default: 120,
  }),
  httpMaxConnections: def({
    env: 'SESAME_HTTP_MAX_CONNECTIONS',
    description:
      'Concurrent HTTP connections (idle keep-alive ones included); past it new connections are closed at once.',
    parser: int(1, 1000000),
    default: 10000,
  }),
  region: def({
    env: 'SESAME_REGION',
    description: 'The AWS region name this node answers as (SigV4 scope, ARNs, SMTP passwords).',
    parser: region,
    default: 'us-east-1',
  }),
  publicUrl: def({
    env: 'SESAME_PUBLIC_URL',
    description:
      'Base URL under which recipients and browsers reach this node (verification and tracking links).',
    parser: url,
    default: {
      derive: (c) => `http://${String(c.httpHost)}:${String(c.httpPort)}`,
      text: 'http://<httpHost>:<httpPort>',
    },
  }),
  dnsServers: def({
    env: 'SESAME_DNS_SERVERS',
    description: 'DNS servers for MX/TXT lookups, as `ip[:port]` list; empty uses the system resolver.',
    parser: serverList,
    default: [],
  }),
  hostname: def({
    env: 'SESAME_HOSTNAME',
    description:
      'This node’s mail host name (SMTP greeting, EHLO, Received headers, recommended SPF/MX records).',
    parser: str,
    default: { derive: () => hostname(), text: 'the machine’s host name' },
  }),
  masterKey: def({
    env: 'SESAME_MASTER_KEY',
    description:
      'Base64 32-byte key that encrypts secrets at rest; if unset, read from masterKeyFile (created on first start).',
    parser: optionalStr,
    default: undefined,
    secret: true,
  }),
  masterKeyFile: def({
    env: 'SESAME_MASTER_KEY_FILE',
    description:
      'File holding the master key when SESAME_MASTER_KEY is unset; keep it outside database backups.',
    parser: str,
    default: { derive: (c) => `${String(c.dataDir)}/master.key`, text: '<dataDir>/master.key' },
  }),
  logLevel: def({
    env: 'SESAME_LOG_LEVEL',
    description: 'Log level.',
    parser: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    default: 'info',
  }),
  sandboxMax24HourSend: def({
    env: 'SESAME_SANDBOX_MAX_24H',
    description: 'Recipients a sandbox account may send to per rolling 24 hours.',
    parser: num(0),
    default: 200,
  }),
  sandboxMaxSendRate: def({
    env: 'SESAME_SANDBOX_MAX_RATE',
    description: 'Messages per second a sandbox account may send.',
    parser: num(0),
    default: 1,
  }),
  productionMax24HourSend: def({
    env: 'SESAME_PRODUCTION_MAX_24H',
    description: 'Daily quota given to an account when production access is granted.',
    parser: num(0),
    default: 50000,
  }),
  productionMaxSendRate: def({
    env: 'SESAME_PRODUCTION_MAX_RATE',
    description: 'Send rate given to an account when production access is granted.',
    parser: num(0),
    default: 14,
  }),
  verificationRetrySeconds: def({
    env: 'SESAME_VERIFICATION_RETRY_SECONDS',
    description: 'First delay between DNS checks of a pending identity; doubles per check up to an hour.',
    parser: num(0.05),
    default: 60,
  }),
  verificationTimeoutHours: def({
    env: 'SESAME_VERIFICATION_TIMEOUT_HOURS',
    description: 'How long a pending domain or MAIL FROM domain is checked before it is marked FAILED.',
    parser: num(0.0001),
    default: 72,
  }),
  nodeId: def({
    env: 'SESAME_NODE_ID',
    description:
      'This node’s name in a shared database; it owns the deliveries of messages it accepted. Unique per node.',
    parser: str,
    default: { derive: () => hostname(), text: 'the machine’s host name' },
  }),
  workers: def({
    env: 'SESAME_WORKERS',
    description:
      'Worker processes of `sesame serve` sharing its ports (`--workers N`); 0: one per core on PostgreSQL, one on SQLite and in development mode. Each worker is a node named `<SESAME_NODE_ID>-w<N>`.',
    parser: int(0, 256),
    default: 0,
  }),
  rateLimitRedisUrl: def({
    env: 'SESAME_RATE_LIMIT_REDIS_URL',
    description:
      'Keep the accounts’ shared send-rate buckets in this Redis (redis://host:port) instead of the database, when several nodes or workers share it; the daily quota stays in the database. Unset: the database.',
    parser: optionalStr,
    default: undefined,
  }),
  nodeLeaseSeconds: def({
    env: 'SESAME_NODE_LEASE_SECONDS',
    description:
      'How long a node’s claim on work lasts without renewal: it renews every third of it; when it stops, the other nodes take its queued deliveries and its singleton work (identity checks, monitoring, purges) after this long. Same on every node.',
    parser: num(0.3),
    default: 30,
  }),
  bounceDomain: def({
    env: 'SESAME_BOUNCE_DOMAIN',
    description:
      'Domain of the return paths (VERP) when no verified custom MAIL FROM applies; its MX should point here.',
    parser: str,
    default: { derive: (c) => String(c.hostname), text: '<hostname>' },
  }),
  maxMessageSize: def({
    env: 'SESAME_MAX_MESSAGE_SIZE',
    description: 'Largest message accepted, in bytes (SES: 40 MB through SES v2 and SMTP).',
    parser: int(1024, 200 * 1024 * 1024),
    default: 40 * 1024 * 1024,
  }),
  maxTemplateSize: def({
    env: 'SESAME_MAX_TEMPLATE_SIZE',
    description: 'Largest email or custom verification template, in bytes (SES: 500 KB).',
    parser: int(1024, 10 * 1024 * 1024),
    default: 500 * 1024,
  }),
  maxTemplates: def({
    env: 'SESAME_MAX_TEMPLATES',
    description: 'Email templates an account may have (SES: 10,000 per region).',
    parser: int(1, 10_000_000),
    default: 10_000,
  }),
  deliveryPort: def({
    env: 'SESAME_DELIVERY_PORT',
    description: 'TCP port of the receiving mail servers Sesame delivers to (25 on the Internet).',
    parser: int(1, 65535),
    default: 25,
  }),
  smartHost: def({
    env: 'SESAME_SMART_HOST',
    description:
      'Relay all outbound mail through this SMTP server (`host[:port]`) instead of delivering to MX hosts.',
    parser: optionalStr,
    default: undefined,
  }),
  smartHostTls: def({
    env: 'SESAME_SMART_HOST_TLS',
    description:
      'TLS towards the smart host: starttls (opportunistic), require-starttls, tls (implicit), none.',
    parser: oneOf(['starttls', 'require-starttls', 'tls', 'none'] as const),
    default: 'starttls' as const,
  }),
  smartHostUser: def({
    env: 'SESAME_SMART_HOST_USER',
    description: 'User name for AUTH at the smart host (optional).',
    parser: optionalStr,
    default: undefined,
  }),
  smartHostPassword: def({
    env: 'SESAME_SMART_HOST_PASSWORD',
    description: 'Password for AUTH at the smart host.',
    parser: optionalStr,
    default: undefined,
    secret: true,
  }),
  retryBaseSeconds: def({
    env: 'SESAME_RETRY_BASE_SECONDS',
    description:
      'First delay before retrying a deferred delivery; doubles per attempt (with jitter) up to an hour.',
    parser: num(0.01),
    default: 60,
  }),
  maxQueueHours: def({
    env: 'SESAME_MAX_QUEUE_HOURS',
    description: 'How long a message is retried before it bounces (SES: about 14 hours).',
    parser: num(0.0001),
    default: 14,
  }),
  destinationConcurrency: def({
    env: 'SESAME_DESTINATION_CONCURRENCY',
    description: 'Simultaneous SMTP connections to one destination domain.',
    parser: int(1, 1000),
    default: 20,
  }),
  connectionIdleSeconds: def({
    env: 'SESAME_CONNECTION_IDLE_SECONDS',
    description:
      'How long an outbound SMTP connection stays open after its destination has nothing more to send, for the next message to reuse (as Postfix’s connection cache); 0 closes it at once.',
    parser: num(0),
    default: 2,
  }),
  deliveryConcurrency: def({
    env: 'SESAME_DELIVERY_CONCURRENCY',
    description: 'Simultaneous outbound SMTP connections of this node in all.',
    parser: int(1, 10000),
    default: 200,
  }),
  deliveryThread: def({
    env: 'SESAME_DELIVERY_THREAD',
    description:
      'Run outbound SMTP connections (sessions, TLS, dot-stuffing, socket writes) on a thread of their own instead of the main event loop. Pays off where the process has cores to spare; on one core it costs a little (docs/performance.md).',
    parser: bool,
    default: false,
  }),
  deliveryChunking: def({
    env: 'SESAME_DELIVERY_CHUNKING',
    description:
      'Send each message by BDAT (RFC 3030 CHUNKING), pipelined with its envelope, to receivers that offer CHUNKING and PIPELINING; false sends every message by DATA (as Postfix’s smtp_discard_ehlo_keywords = chunking, for a receiver whose BDAT is broken).',
    parser: bool,
    default: true,
  }),
  deliveryPaused: def({
    env: 'SESAME_DELIVERY_PAUSED',
    description: 'Start with outbound delivery paused (messages are accepted and queued, not sent).',
    parser: bool,
    default: false,
  }),
  smtpTimeoutSeconds: def({
    env: 'SESAME_SMTP_TIMEOUT_SECONDS',
    description: 'Timeout for connecting to and waiting on a receiving mail server.',
    parser: num(0.1),
    default: 60,
  }),
  notificationRetrySeconds: def({
    env: 'SESAME_NOTIFICATION_RETRY_SECONDS',
    description: 'Delay between retries of an SNS-style HTTP notification (SNS’s default policy: 20).',
    parser: num(0.01),
    default: 20,
  }),
  notificationRetries: def({
    env: 'SESAME_NOTIFICATION_RETRIES',
    description:
      'Retries of a notification after its first attempt, before it is dead-lettered (SNS’s default: 3).',
    parser: int(0, 1000),
    default: 3,
  }),
  notificationEndpointConcurrency: def({
    env: 'SESAME_NOTIFICATION_ENDPOINT_CONCURRENCY',
    description: 'Simultaneous notification requests to one subscriber endpoint.',
    parser: int(1, 1000),
    default: 10,
  }),
  notificationTimeoutSeconds: def({
    env: 'SESAME_NOTIFICATION_TIMEOUT_SECONDS',
    description: 'How long a subscriber endpoint may take to answer a notification.',
    parser: num(0.1),
    default: 15,
  }),
  mxEnabled: def({
    env: 'SESAME_MX_ENABLED',
    description:
      'Run the inbound MX: bounces (DSNs) and complaints (ARF) to Sesame’s return paths, and mail that an account’s active receipt rules take.',
    parser: bool,
    default: true,
  }),
  mxPort: def({
    env: 'SESAME_MX_PORT',
    description: 'Port of the inbound MX (25 in production; development default 2525); 0 picks a free port.',
    parser: int(0, 65535),
    default: 2525,
  }),
  spamd: def({
    env: 'SESAME_SPAMD',
    description:
      'SpamAssassin spamd (host:port) that scans received mail for rules with ScanEnabled; unset: spam verdict GRAY.',
    parser: optionalStr,
    default: undefined,
  }),
  clamd: def({
    env: 'SESAME_CLAMD',
    description:
      'ClamAV clamd (host:port, TCP) that scans received mail for rules with ScanEnabled; unset: virus verdict GRAY.',
    parser: optionalStr,
    default: undefined,
  }),
  inboundRetentionHours: def({
    env: 'SESAME_INBOUND_RETENTION_HOURS',
    description:
      'How long received mail and the inbound log are kept (SendBounce needs 24 hours), then purged.',
    parser: num(24),
    default: 72,
  }),
  receivingRetryBaseSeconds: def({
    env: 'SESAME_RECEIVING_RETRY_BASE_SECONDS',
    description:
      'First retry delay of a failed receipt-rule action (doubling, at most 30 minutes; an action expires 4 hours after receipt).',
    parser: num(0.1),
    default: 30,
  }),
  receivingConcurrency: def({
    env: 'SESAME_RECEIVING_CONCURRENCY',
    description: 'Received messages whose actions run at once on this node.',
    parser: int(1, 10000),
    default: 32,
  }),
  smtpEnabled: def({
    env: 'SESAME_SMTP_ENABLED',
    description: 'Run the SMTP submission listeners (STARTTLS and implicit TLS).',
    parser: bool,
    default: true,
  }),
  smtpHost: def({
    env: 'SESAME_SMTP_HOST',
    description: 'Address the SMTP listeners bind to.',
    parser: str,
    default: { derive: (c) => String(c.httpHost), text: '<httpHost>' },
  }),
  smtpPort: def({
    env: 'SESAME_SMTP_PORT',
    description:
      'SMTP submission with STARTTLS (SES: 587; Sesame’s development default 2587); 0 picks a free port.',
    parser: int(0, 65535),
    default: 2587,
  }),
  smtpsPort: def({
    env: 'SESAME_SMTPS_PORT',
    description:
      'SMTP submission over implicit TLS (SES: 465; development default 2465); 0 picks a free port.',
    parser: int(0, 65535),
    default: 2465,
  }),
  blocklistZones: def({
    env: 'SESAME_BLOCKLIST_ZONES',
    description: 'DNS blocklist (DNSBL) zones GetBlacklistReports checks the dedicated IPs against.',
    parser: hostList,
    default: ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'],
  }),
  shapingFile: def({
    env: 'SESAME_SHAPING_FILE',
    description:
      'Traffic shaping file (JSON): limits per mailbox provider over the shipped defaults (docs/capabilities/dedicated-ips.md).',
    parser: optionalStr,
    default: undefined,
  }),
  tlsCert: def({
    env: 'SESAME_TLS_CERT',
    description:
      'PEM certificate (chain) for the SMTP listeners; without it a self-signed one is generated in the data directory.',
    parser: optionalStr,
    default: undefined,
  }),
  tlsKey: def({
    env: 'SESAME_TLS_KEY',
    description: 'PEM private key for SESAME_TLS_CERT.',
    parser: optionalStr,
    default: undefined,
  }),
  smtpTrustedPort: def({
    env: 'SESAME_SMTP_TRUSTED_PORT',
    description:
      'Optional listener where the trusted networks submit without AUTH (as Postfix mynetworks); unset = none.',
    parser: optionalPort,
    default: undefined,
  }),
  dedicatedIps: def({
    env: 'SESAME_DEDICATED_IPS',
    description:
      "This node's sending addresses (dedicated IPs) with their EHLO names, e.g. `203.0.113.5=mta1.example.com`; declared at start (as `sesame ips add --node`); lease them with `sesame ips assign`.",
    parser: sendingAddresses,
    default: [] as { ip: string; ehlo: string | null }[],
  }),
  smtpTrustedNetworks: def({
    env: 'SESAME_SMTP_TRUSTED_NETWORKS',
    description: 'Networks (CIDR list) allowed on the trusted listener.',
    parser: cidrList,
    default: ['127.0.0.0/8', '::1/128'],
  }),
  smtpTrustedAccount: def({
    env: 'SESAME_SMTP_TRUSTED_ACCOUNT',
    description:
      'Account that mail submitted on the trusted listener is sent as (its identities are still checked).',
    parser: optionalStr,
    default: undefined,
  }),
  smtpMaxConnections: def({
    env: 'SESAME_SMTP_MAX_CONNECTIONS',
    description: 'Concurrent SMTP connections per listener; more are refused with 421.',
    parser: int(1, 100000),
    default: 1000,
  }),
  smtpMaxConnectionsPerAddress: def({
    env: 'SESAME_SMTP_MAX_CONNECTIONS_PER_ADDRESS',
    description:
      'Concurrent SMTP connections from one client address (an IPv6 client counts by its /64), on each listener and the MX; more are refused with 421.',
    parser: int(1, 100000),
    default: 100,
  }),
  smtpHandshakeTimeoutSeconds: def({
    env: 'SESAME_SMTP_HANDSHAKE_TIMEOUT_SECONDS',
    description:
      'A client of the implicit-TLS listener that has not completed its TLS handshake by then is disconnected.',
    parser: num(0.1),
    default: 10,
  }),
  mxMaxConnections: def({
    env: 'SESAME_MX_MAX_CONNECTIONS',
    description: 'Concurrent connections to the inbound MX; more are refused with 421.',
    parser: int(1, 100000),
    default: 1000,
  }),
  smtpIdleTimeoutSeconds: def({
    env: 'SESAME_SMTP_IDLE_TIMEOUT_SECONDS',
    description: 'An SMTP client silent this long is disconnected.',
    parser: num(1),
    default: 60,
  }),
  smtpMaxSessionSeconds: def({
    env: 'SESAME_SMTP_MAX_SESSION_SECONDS',
    description: 'Longest SMTP session before the connection is closed (the client reconnects).',
    parser: num(1),
    default: 3600,
  }),
  monitorIntervalSeconds: def({
    env: 'SESAME_MONITOR_INTERVAL_SECONDS',
    description:
      'How often alarms and reputation are evaluated and old metric buckets purged (CloudWatch evaluates alarms every minute).',
    parser: num(0.05),
    default: 60,
  }),
  reputationWindowDays: def({
    env: 'SESAME_REPUTATION_WINDOW_DAYS',
    description:
      'Length of the representative window over which bounce and complaint rates are computed (it restarts at an operator resume).',
    parser: num(0.001),
    default: 7,
  }),
  reputationMinimumVolume: def({
    env: 'SESAME_REPUTATION_MINIMUM_VOLUME',
    description:
      "Eligible sends needed in the window before the rates change an account's enforcement status.",
    parser: int(1, 1000000000),
    default: 200,
  }),
  reputationBounceReview: def({
    env: 'SESAME_REPUTATION_BOUNCE_REVIEW',
    description: 'Bounce rate (0–1) at which an account goes under review (PROBATION); SES: 5 %.',
    parser: num(0),
    default: 0.05,
  }),
  reputationBouncePause: def({
    env: 'SESAME_REPUTATION_BOUNCE_PAUSE',
    description: "Bounce rate (0–1) at which an account's sending is paused (SHUTDOWN); SES: 10 %.",
    parser: num(0),
    default: 0.1,
  }),
  reputationComplaintReview: def({
    env: 'SESAME_REPUTATION_COMPLAINT_REVIEW',
    description: 'Complaint rate (0–1) at which an account goes under review; SES: 0.1 %.',
    parser: num(0),
    default: 0.001,
  }),
  reputationComplaintPause: def({
    env: 'SESAME_REPUTATION_COMPLAINT_PAUSE',
    description: "Complaint rate (0–1) at which an account's sending is paused; SES: 0.5 %.",
    parser: num(0),
    default: 0.005,
  }),
  metricsToken: def({
    env: 'SESAME_METRICS_TOKEN',
    description:
      'Bearer token that /metrics (Prometheus) requires on the HTTP listener; unset: /metrics is served only on SESAME_METRICS_PORT.',
    parser: optionalStr,
    default: undefined,
  }),
  metricsPort: def({
    env: 'SESAME_METRICS_PORT',
    description:
      'Port of a separate listener (on SESAME_METRICS_HOST) that serves /metrics without a token; unset: none.',
    parser: optionalPort,
    default: undefined,
  }),
  metricsHost: def({
    env: 'SESAME_METRICS_HOST',
    description: 'Address the separate /metrics listener binds.',
    parser: str,
    default: '127.0.0.1',
  }),
} as const;

type Settings = typeof settings;
export type SettingName = keyof Settings;
type ValueOf<K extends SettingName> = Settings[K] extends SettingDef<infer T> ? T : never;
type DerivedKeys =
  'databaseUrl' | 'publicUrl' | 'masterKeyFile' | 'hostname' | 'nodeId' | 'bounceDomain' | 'smtpHost';

/** The resolved configuration: every derived default filled in. */
export type Config = { [K in SettingName]: K extends DerivedKeys ? NonNullable<ValueOf<K>> : ValueOf<K> };

/** Names of settings whose values are never shown, beyond those marked `secret`. */
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|_KEY)(_|$)/;

/**
 * Every setting's value as the operator's settings screen shows it: secrets hidden, a password inside a URL
 * (a database URL) masked.
 */
/** How many processes `sesame serve` runs (SESAME_WORKERS, resolved): several share the database as nodes. */
export function workerCount(config: Config): number {
  if (config.workers > 0) return config.workers;
  // SQLite takes one write at a time whatever the processes; development mode's live inbox is per process.
  return config.databaseUrl.startsWith('sqlite:') || config.dev ? 1 : availableParallelism();
}

export function settingsInEffect(config: Config): { name: string; value: string }[] {
  return Object.entries(settings).map(([key, d]) => {
    const def = d as SettingDef<unknown>;
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === '') return { name: def.env, value: '' };
    if (def.secret || SECRET_NAME.test(def.env)) return { name: def.env, value: '(set, hidden)' };
    // Lists are shown as the comma-separated text they are set with; anything else as JSON.
    const text =
      typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
    return { name: def.env, value: text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1****@') };
  });
}
