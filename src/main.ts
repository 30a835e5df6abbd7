/**
 * Process entry: reads the configuration, builds the platform and runs a CLI command or serves.
 */
import { findCommand, UsageError, USAGE } from './adapters/cli/commands.ts';
import { loadConfig, SettingError, type Config } from './config/load.ts';
import { SesError } from './core/index.ts';
import { createLogger } from './lib/logger.ts';
import { createPlatform } from './platform.ts';
import { workerCount } from './config/schema.ts';
import cluster from 'node:cluster';

function takeConfigFlag(argv: string[]): { argv: string[]; configFile: string | undefined } {
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') configFile = argv[++i];
    else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else rest.push(a);
  }
  return { argv: rest, configFile };
}

/** The listeners' settings, to name the one whose port cannot be taken. */
const LISTEN_SETTINGS: [keyof Config, string][] = [
  ['httpPort', 'SESAME_HTTP_PORT'],
  ['smtpPort', 'SESAME_SMTP_PORT'],
  ['smtpsPort', 'SESAME_SMTPS_PORT'],
  ['mxPort', 'SESAME_MX_PORT'],
  ['smtpTrustedPort', 'SESAME_SMTP_TRUSTED_PORT'],
];

/** One line for a port that could not be taken (in use, or privileged), naming the setting; else undefined. */
export function listenFailure(config: Config, err: unknown): string | undefined {
  const e = err as { code?: string; port?: number; address?: string };
  const why =
    e.code === 'EADDRINUSE'
      ? 'the port is already in use (by another program, or another Sesame)'
      : e.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : e.code === 'EADDRNOTAVAIL'
          ? 'the address is not one of this machine'
          : undefined;
  if (!why || e.port === undefined) return undefined;
  const setting = LISTEN_SETTINGS.find(([key]) => config[key] === e.port)?.[1] ?? 'a listener setting';
  return `cannot listen on ${e.address ?? ''}:${e.port} (${setting}): ${why}`;
}

/**
 * `serve` with several workers: this process forks them (node:cluster; they share the listening ports, this
 * process hands each new connection to one in turn), restarts one that dies, and on SIGTERM or SIGINT passes the
 * signal on and waits for every worker to drain. Each worker is a node of its own in the shared database.
 */
async function supervise(config: Config, count: number): Promise<void> {
  let stopping = false;
  const log = createLogger(config.logLevel);
  // The database's migrations and the master key, once, before any worker opens them.
  await (await createPlatform(config, { background: false })).close();
  /** Starts a worker; resolves once it listens (or has exited), so workers start one after another. */
  const fork = (index: number, initial: boolean) =>
    new Promise<void>((resolve) => {
      const worker = cluster.fork({
        SESAME_WORKERS: String(count),
        SESAME_WORKER_INDEX: String(index),
        SESAME_NODE_ID: `${config.nodeId}-w${index}`,
      });
      let listened = false;
      worker.on('message', (m: unknown) => {
        if (m !== 'listening') return;
        listened = true;
        resolve();
      });
      worker.on('exit', (code, signal) => {
        resolve();
        if (stopping) return;
        if (!listened && initial) {
          // It could not start (a port in use, a bad setting: it said why on stderr); neither could another.
          stop('SIGTERM', code ?? 1);
          return;
        }
        log.warn({ worker: index, code, signal }, 'worker exited: starting another');
        // A replacement that cannot start either (the database away) is tried again, more slowly.
        setTimeout(() => void fork(index, false), listened ? 500 : 5000);
      });
    });
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  for (let i = 1; i <= count && !stopping; i++) await fork(i, true);
  function stop(signal: NodeJS.Signals, exitCode = 0): void {
    if (stopping) return;
    stopping = true;
    if (exitCode === 0) log.info({ signal, workers: count }, 'stopping the workers');
    const all = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    let left = all.length;
    if (left === 0) process.exit(exitCode);
    for (const w of all) {
      w!.once('exit', () => {
        if (--left === 0) process.exit(exitCode);
      });
      w!.process.kill(signal);
    }
  }
}

async function serve(config: Config): Promise<void> {
  const workers = workerCount(config);
  if (workers > 1 && cluster.isPrimary) return supervise(config, workers);
  const platform = await createPlatform(config);
  let listening;
  try {
    listening = await platform.listen();
  } catch (err) {
    const line = listenFailure(config, err);
    if (!line) throw err;
    process.stderr.write(`sesame: ${line}\n`);
    await platform.close().catch(() => undefined);
    process.exit(1);
  }
  const { http, smtp, development } = listening;
  // A worker tells the supervisor it listens, so the next one starts.
  if (!cluster.isPrimary) process.send?.('listening');
  const accounts = await platform.core.accounts.list();
  const lines = [
    `Sesame is running${development ? ' in DEVELOPMENT MODE' : ''} (region ${config.region}, database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')})`,
    `  SES API (v2 REST-JSON under /v2/email, v1 Query on POST /): ${http}`,
    ...smtp.map((l) => `  SMTP ${l.name}: ${l.address}`),
    `  Links in mail point to: ${config.publicUrl}`,
  ];
  if (development)
    lines.push(
      '',
      'Development mode: identities verify at once, and all outbound mail is captured here, never delivered.',
      `  Inbox:       ${config.publicUrl}/inbox      (JSON API: ${config.publicUrl}/api/dev/messages)`,
      `  Account:     ${development.accountId} (production access)`,
      `  Credentials: export AWS_ACCESS_KEY_ID=${development.accessKeyId} AWS_SECRET_ACCESS_KEY=${development.secretAccessKey} AWS_DEFAULT_REGION=${development.region}`,
      `  SMTP:        username ${development.smtpUsername}  password ${development.smtpPassword}`,
      `  Console:     ${config.publicUrl}/console      (sign in as ${development.console.email}, password ${development.console.password})`,
      `  Try:         aws sesv2 create-email-identity --email-identity example.com --endpoint-url ${http}`,
    );
  else if (accounts.length === 0)
    lines.push(
      '',
      'No accounts yet. Create the first one (in another terminal, with the same settings):',
      '  ./sesamew account create --name "My team"      (or: npx sesame account create --name "My team")',
      `then use the printed keys, e.g.  aws sesv2 get-account --endpoint-url ${http}`,
    );
  // With workers, the first one speaks for all.
  if (cluster.isPrimary || process.env.SESAME_WORKER_INDEX === '1') {
    if (workers > 1)
      lines.splice(
        1,
        0,
        `  Workers: ${workers} processes sharing these ports (nodes ${config.nodeId.replace(/-w1$/, '')}-w1…w${workers})`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  const shutdown = (signal: string) => {
    platform.logger.info({ signal }, 'shutting down');
    platform.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

export async function main(rawArgv: string[]): Promise<number> {
  const { argv, configFile } = takeConfigFlag(rawArgv);
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  // `serve --dev`: development mode (the SESAME_DEV setting).
  const dev = argv[0] === 'serve' && argv.includes('--dev');
  // `serve --workers N`: the SESAME_WORKERS setting.
  const serveFlags = argv[0] === 'serve' ? argv.slice(1) : [];
  const workersAt = serveFlags.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  const workersFlag =
    workersAt < 0
      ? undefined
      : serveFlags[workersAt]!.includes('=')
        ? serveFlags[workersAt]!.slice('--workers='.length)
        : serveFlags[workersAt + 1];
  const unknownServeFlag = serveFlags.find(
    (a, i) =>
      a !== '--dev' && !(i === workersAt) && !(i === workersAt + 1 && !serveFlags[workersAt]!.includes('=')),
  );
  if (unknownServeFlag !== undefined) {
    process.stderr.write(
      `sesame: unknown option "${unknownServeFlag}" for serve (known: --dev, --workers N)\n`,
    );
    return 2;
  }
  if (workersAt >= 0 && !/^\d+$/.test(workersFlag ?? '')) {
    process.stderr.write('sesame: --workers needs a number of processes (0: one per core)\n');
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig({
      configFile,
      ...(dev || workersFlag !== undefined
        ? {
            overrides: {
              ...(dev ? { dev: true } : {}),
              // A worker reads its count from its environment (the primary set it).
              ...(workersFlag !== undefined && cluster.isPrimary ? { workers: Number(workersFlag) } : {}),
            },
          }
        : {}),
    });
  } catch (err) {
    if (err instanceof SettingError) {
      process.stderr.write(`sesame: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (argv[0] === 'serve') {
    await serve(config);
    return -1;
  }
  const command = findCommand(argv);
  if (!command) {
    process.stderr.write(`sesame: unknown command "${argv.join(' ')}"\n\n${USAGE}\n`);
    return 2;
  }
  // One-shot commands log only warnings, on stderr, so their output stays clean JSON.
  const platform = await createPlatform(config, {
    background: false,
    logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr),
  });
  try {
    await command.handler(
      {
        core: platform.core.forOperator,
        endpoint: config.publicUrl,
        out: (t) => process.stdout.write(`${t}\n`),
      },
      command.args,
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sesame: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SesError) {
      process.stderr.write(`sesame: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await platform.close();
  }
}
