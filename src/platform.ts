/**
 * Composition root: creates the store, the core and the adapters from the configuration. It wires things
 * together and never listens by itself; `listen()` opens the listeners of a serving node.
 */
import { ShapingError, buildRules, type ShapingInput } from './mta/shaping/rules.ts';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/load.ts';
import { settingsInEffect, workerCount } from './config/schema.ts';
import { Core, type DevelopmentAccount, type Scanners } from './core/index.ts';
import { buildHttpServer } from './adapters/http/server.ts';
import type { ConsoleSettings } from './adapters/console/index.ts';
import { listenMetrics } from './adapters/ops/metrics-endpoint.ts';
import { PrometheusTelemetry, type ScrapeSources } from './adapters/ops/prometheus.ts';
import { SmtpInbound } from './adapters/smtp-inbound/index.ts';
import { SmtpSubmission } from './adapters/smtp-submission/index.ts';
import { loadTlsMaterial } from './lib/tls-material.ts';
import { watchDescriptors } from './lib/descriptor-watch.ts';
import { createDnsResolver } from './lib/dns.ts';
import { Mta, type MtaSettings } from './mta/index.ts';
import { Dispatcher } from './dispatch/index.ts';
import { ReceivingWorker } from './receiving-worker/index.ts';
import { FileObjectStore } from './lib/object-store.ts';
import { RedisRateLimits } from './store/redis-rate-limits.ts';
import { clamdScan, scannerAddress, spamdCheck } from './lib/scanners.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { SecretBox } from './lib/secret-box.ts';
import { openStore } from './store/kysely-store.ts';
import type { Store } from './store/store.ts';

export interface Platform {
  config: Config;
  logger: Logger;
  store: Store;
  core: Core;
  mta: Mta;
  /** Receiving: the worker that runs receipt-rule actions, and the embedded object store of buckets. */
  receiving: { worker: ReceivingWorker; objects: FileObjectStore };
  http: FastifyInstance;
  /**
   * Starts background work and opens the listeners; resolves with their addresses (and, in development mode,
   * the default account's credentials).
   */
  listen(): Promise<{
    http: string;
    smtp: { name: string; address: string }[];
    development: DevelopmentAccount | undefined;
  }>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger?: Logger;
  /** Serving nodes run background work (verification, delivery); one-shot CLI commands do not. */
  background?: boolean;
}

/** Reads the master key from SESAME_MASTER_KEY or its file, creating the file (mode 0600) on first start. */
export function loadMasterKey(config: Config, logger: Logger): Buffer {
  if (config.masterKey) {
    const key = Buffer.from(config.masterKey, 'base64');
    if (key.length !== 32) throw new Error('SESAME_MASTER_KEY must be 32 bytes, base64-encoded.');
    return key;
  }
  const file = config.masterKeyFile;
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The master key file ${file} does not hold a base64 32-byte key.`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = SecretBox.generateKey();
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  logger.warn(
    { file },
    'created a new master key; keep it safe and out of database backups (without it stored secrets cannot be read)',
  );
  return key;
}

/** The operator's shaping file, checked now so a mistake stops start-up with its reason. */
function shapingFile(file: string | undefined): ShapingInput | undefined {
  if (!file) return undefined;
  let input: ShapingInput;
  try {
    input = JSON.parse(readFileSync(file, 'utf8')) as ShapingInput;
  } catch (err) {
    throw new Error(`SESAME_SHAPING_FILE ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    buildRules(input);
  } catch (err) {
    if (err instanceof ShapingError)
      throw new Error(`SESAME_SHAPING_FILE ${file}: ${err.message}`, { cause: err });
    throw err;
  }
  return input;
}

function mtaSettings(config: Config): MtaSettings {
  let smartHost: MtaSettings['smartHost'];
  if (config.smartHost) {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(config.smartHost);
    if (!m) throw new Error(`SESAME_SMART_HOST must be host[:port], got "${config.smartHost}"`);
    smartHost = {
      host: m[1]!,
      port: m[2] ? Number(m[2]) : config.smartHostTls === 'tls' ? 465 : 587,
      tls: config.smartHostTls,
      ...(config.smartHostUser
        ? { auth: { user: config.smartHostUser, pass: config.smartHostPassword ?? '' } }
        : {}),
    };
  }
  return {
    nodeId: config.nodeId,
    hostname: config.hostname,
    port: config.deliveryPort,
    smartHost,
    retryBaseMs: config.retryBaseSeconds * 1000,
    maxQueueMs: config.maxQueueHours * 3600_000,
    timeoutMs: config.smtpTimeoutSeconds * 1000,
    transportThread: config.deliveryThread,
    chunking: config.deliveryChunking,
    perDestination: config.destinationConcurrency,
    connectionIdleMs: config.connectionIdleSeconds * 1000,
    total: config.deliveryConcurrency,
    paused: config.deliveryPaused,
    // One process on its own SQLite file: every queued recipient is its own (no heartbeats to wait for).
    singleNode: config.databaseUrl.startsWith('sqlite:') && workerCount(config) === 1,
    // Others take this node's deliveries over after three missed beats: one lease.
    heartbeatMs: (config.nodeLeaseSeconds * 1000) / 3,
    capture: config.dev,
    shaping: shapingFile(config.shapingFile),
  };
}

export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true });
  const box = new SecretBox(loadMasterKey(config, logger));
  // The core (and its ServiceHealth) is built on the store: until then a lost idle connection is only logged.
  let health: Core['health'] | undefined = undefined;
  // The MTA and the store exist only below; the scrape-time gauges read them once they do.
  const scrape: { sources?: ScrapeSources } = {};
  const telemetry = new PrometheusTelemetry(() => scrape.sources);
  const store = await openStore({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    onCommit: (kind, seconds) => telemetry.commit(kind, seconds),
    onSpool: (report) => {
      for (const t of report.truncated)
        logger.info(t, 'body spool: cut a segment back to its committed end (a batch that never committed)');
      if (report.orphans.length)
        logger.info({ segments: report.orphans }, 'body spool: deleted segments no message references');
      for (const d of report.damaged)
        logger.error(
          d,
          'body spool: a segment holds less than its committed messages need; their bodies are lost (the disk lost data after it was synced)',
        );
    },
    onConnectionError: (err) => {
      if (!health?.failure(err, { during: 'idle database connection' }))
        logger.warn({ err }, 'an idle database connection failed; it is replaced when needed');
    },
  });
  await store.migrate();
  const dns = createDnsResolver(config.dnsServers);
  const scanners: Scanners = {
    ...(config.spamd ? { spam: (m: Buffer) => spamdCheck(scannerAddress(config.spamd!, 30_000), m) } : {}),
    ...(config.clamd ? { virus: (m: Buffer) => clamdScan(scannerAddress(config.clamd!, 30_000), m) } : {}),
  };
  // Redis for the shared send-rate buckets, when configured (keys prefixed by the database they belong to).
  const rateLimits = config.rateLimitRedisUrl
    ? await RedisRateLimits.connect(
        config.rateLimitRedisUrl,
        `sesame:${config.databaseUrl.replace(/\/\/[^@/]*@/, '//')}:${config.databaseSchema}`,
      )
    : undefined;
  const core = new Core({
    ...(rateLimits ? { rateLimits } : {}),
    scanners,
    telemetry,
    store,
    box,
    dns,
    logger,
    settings: {
      region: config.region,
      publicUrl: config.publicUrl,
      mailHost: config.hostname,
      sandboxMax24HourSend: config.sandboxMax24HourSend,
      sandboxMaxSendRate: config.sandboxMaxSendRate,
      productionMax24HourSend: config.productionMax24HourSend,
      productionMaxSendRate: config.productionMaxSendRate,
      verificationRetryMs: config.verificationRetrySeconds * 1000,
      blocklistZones: config.blocklistZones,
      verificationTimeoutMs: config.verificationTimeoutHours * 3600_000,
      bounceDomain: config.bounceDomain,
      nodeId: config.nodeId,
      leaseMs: config.nodeLeaseSeconds * 1000,
      sharedQuotas: !config.databaseUrl.startsWith('sqlite:') || workerCount(config) > 1,
      maxMessageSize: config.maxMessageSize,
      maxTemplateSize: config.maxTemplateSize,
      maxTemplates: config.maxTemplates,
      inboundRetentionMs: config.inboundRetentionHours * 3600_000,
      monitorIntervalMs: config.monitorIntervalSeconds * 1000,
      development: {
        enabled: config.dev,
        accessKeyId: config.devAccessKeyId,
        secretAccessKey: config.devSecretAccessKey,
      },
      reputation: {
        windowMs: config.reputationWindowDays * 86_400_000,
        minimumVolume: config.reputationMinimumVolume,
        bounceReview: config.reputationBounceReview,
        bouncePause: config.reputationBouncePause,
        complaintReview: config.reputationComplaintReview,
        complaintPause: config.reputationComplaintPause,
      },
    },
  });
  health = core.health;
  const mta = new Mta({
    core: core.forMta,
    store,
    dns,
    logger,
    returnPathKey: box.derive('return-path'),
    settings: mtaSettings(config),
  });
  scrape.sources = { queue: () => mta.queueByDestination(), outbox: () => store.notifications.counts() };
  const dispatcher = new Dispatcher({
    core: core.forDispatch,
    store,
    logger,
    settings: {
      retryDelayMs: config.notificationRetrySeconds * 1000,
      maxRetries: config.notificationRetries,
      perEndpoint: config.notificationEndpointConcurrency,
      total: 200,
      timeoutMs: config.notificationTimeoutSeconds * 1000,
    },
  });
  const objects = new FileObjectStore(join(config.dataDir, 'buckets'));
  const receivingWorker = new ReceivingWorker({
    core: core.forReceivingWorker,
    store,
    logger,
    objects,
    settings: {
      nodeId: config.nodeId,
      concurrency: config.receivingConcurrency,
      retryBaseMs: config.receivingRetryBaseSeconds * 1000,
      maxAgeMs: 4 * 3600_000,
      functionTimeoutMs: 30_000,
      retentionMs: config.inboundRetentionHours * 3600_000,
    },
  });
  // What the console tells users to connect to; the SMTP ports are the listeners' own once they listen.
  const consoleSettings: ConsoleSettings = {
    smtpHost: config.hostname,
    smtpStarttlsPort: undefined,
    smtpTlsPort: undefined,
    secureCookies: config.publicUrl.startsWith('https:'),
    publicUrl: config.publicUrl,
    settingsInEffect: () => settingsInEffect(config),
    nodeId: config.nodeId,
    ...(config.dev ? { devInbox: core.forDevInbox } : {}),
    delivery: {
      queue: () => mta.queueByDestination(),
      paused: () => mta.paused,
      pause: () => mta.pause(),
      resume: () => mta.resume(),
    },
  };
  // A 40 MB message is about 54 MB as base64 in a JSON body.
  const http = buildHttpServer({
    nodeId: config.nodeId,
    api: core.forSesApi,
    pages: core.forPages,
    logger,
    bodyLimit: Math.ceil((config.maxMessageSize * 4) / 3) + 1024 * 1024,
    requestTimeoutMs: config.httpRequestTimeoutSeconds * 1000,
    maxConnections: config.httpMaxConnections,
    objects,
    metrics: { token: config.metricsToken, exposition: () => telemetry.exposition() },
    ...(config.dev ? { devInbox: core.forDevInbox } : {}),
    console: { port: core.forConsole, settings: consoleSettings },
  });
  let metricsListener: Awaited<ReturnType<typeof listenMetrics>> | undefined;
  let started = false;
  let stopDescriptorWatch = () => undefined as void;
  let smtp: SmtpSubmission | undefined;
  let inbound: SmtpInbound | undefined;

  return {
    config,
    logger,
    store,
    core,
    mta,
    receiving: { worker: receivingWorker, objects },
    http,
    async listen() {
      // The development account exists before the first request can name its key.
      const development = await core.development.prepare();
      // This node's own sending addresses (the account and pool of each are kept as they were).
      for (const d of config.dedicatedIps)
        await core.dedicatedIps.declare({ ip: d.ip, ehlo: d.ehlo, nodeId: config.nodeId });
      if (development && !/^(127\.|::1$|localhost$)/.test(config.httpHost))
        logger.warn(
          { httpHost: config.httpHost },
          'development mode on a non-loopback address: the inbox and its JSON API have no authentication, and the well-known keys open the default account',
        );
      // Listeners first: a port that cannot be taken stops start-up before this node claims any queued work.
      // Mail accepted before the MTA starts is in the database, and the MTA's start loads it.
      const address = await http.listen({ host: config.httpHost, port: config.httpPort });
      const smtpListeners: { name: string; address: string }[] = [];
      const tls =
        config.smtpEnabled || config.mxEnabled
          ? await loadTlsMaterial({
              certFile: config.tlsCert,
              keyFile: config.tlsKey,
              dataDir: config.dataDir,
              hostname: config.hostname,
            })
          : undefined;
      if (tls && config.mxEnabled) {
        inbound = new SmtpInbound({
          ports: [mta.returnPathInbox, core.forInbound],
          health: core.health,
          logger,
          settings: {
            host: config.smtpHost,
            port: config.mxPort,
            hostname: config.hostname,
            tls,
            maxMessageSize: config.maxMessageSize,
            maxConnections: config.mxMaxConnections,
            maxConnectionsPerAddress: config.smtpMaxConnectionsPerAddress,
            idleTimeoutMs: config.smtpIdleTimeoutSeconds * 1000,
            onSession: (listener, delta) => telemetry.smtpSession(listener, delta),
          },
        });
        smtpListeners.push({
          name: 'mx (bounces and complaints to return paths)',
          address: await inbound.listen(),
        });
      }
      if (tls && config.smtpEnabled) {
        if (tls.source === 'generated')
          logger.warn(
            { certFile: tls.certFile },
            'generated a self-signed TLS certificate for the SMTP listeners (development); set SESAME_TLS_CERT and SESAME_TLS_KEY in production',
          );
        smtp = new SmtpSubmission({
          core: core.forSmtp,
          logger,
          settings: {
            host: config.smtpHost,
            port: config.smtpPort,
            tlsPort: config.smtpsPort,
            trustedPort: config.smtpTrustedPort,
            trustedNetworks: config.smtpTrustedNetworks,
            trustedAccount: config.smtpTrustedAccount,
            hostname: config.hostname,
            tls,
            maxMessageSize: config.maxMessageSize,
            maxConnections: config.smtpMaxConnections,
            maxConnectionsPerAddress: config.smtpMaxConnectionsPerAddress,
            idleTimeoutMs: config.smtpIdleTimeoutSeconds * 1000,
            maxSessionMs: config.smtpMaxSessionSeconds * 1000,
            handshakeTimeoutMs: config.smtpHandshakeTimeoutSeconds * 1000,
            onSession: (listener, delta) => telemetry.smtpSession(listener, delta),
            banner: config.dev
              ? 'Sesame ESMTP (development mode: mail is captured, not delivered)'
              : undefined,
          },
        });
        const submission = await smtp.listen();
        smtpListeners.push(...submission);
        const portOf = (name: string) => {
          const l = submission.find((x) => x.name === name);
          return l ? Number(l.address.slice(l.address.lastIndexOf(':') + 1)) : undefined;
        };
        consoleSettings.smtpStarttlsPort = portOf('smtp (STARTTLS)');
        consoleSettings.smtpTlsPort = portOf('smtps (TLS)');
      }
      if (config.metricsPort !== undefined)
        metricsListener = await listenMetrics(config.metricsHost, config.metricsPort, () =>
          telemetry.exposition(),
        );
      if (options.background !== false) {
        stopDescriptorWatch = watchDescriptors((err) =>
          core.health.failure(err, { during: 'file descriptor check' }),
        );
        await core.start();
        await mta.start();
        dispatcher.start();
        await receivingWorker.start();
      }
      started = true;
      return { http: address, smtp: smtpListeners, development };
    },
    async close() {
      stopDescriptorWatch();
      if (started) {
        dispatcher.stop();
        receivingWorker.stop();
        mta.stop();
        core.stop();
      }
      await smtp?.close();
      await inbound?.close();
      await http.close();
      if (started) {
        await core.release().catch(() => undefined);
        await mta.handBack().catch((err: unknown) => logger.warn({ err }, 'could not hand back queued work'));
      }
      await metricsListener?.close();
      await objects.close();
      await rateLimits?.close();
      await store.close();
    },
  };
}
