/**
 * Process entry: reads the configuration, builds the platform and runs a CLI command or serves.
 */
import { findCommand, UsageError, USAGE } from './adapters/cli/commands.ts';
import { loadConfig, SettingError, type Config } from './config/load.ts';
import { SesError } from './core/index.ts';
import { createLogger } from './lib/logger.ts';
import { createPlatform } from './platform.ts';

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

async function serve(config: Config): Promise<void> {
  const platform = await createPlatform(config);
  const { http, smtp } = await platform.listen();
  const accounts = await platform.core.accounts.list();
  const lines = [
    `Sesame is running (region ${config.region}, database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')})`,
    `  SES API (v2 REST-JSON under /v2/email, v1 Query on POST /): ${http}`,
    ...smtp.map((l) => `  SMTP ${l.name}: ${l.address}`),
    `  Links in mail point to: ${config.publicUrl}`,
  ];
  if (accounts.length === 0)
    lines.push(
      '',
      'No accounts yet. Create the first one (in another terminal, with the same settings):',
      '  ./sesamew account create --name "My team"      (or: npx sesame account create --name "My team")',
      `then use the printed keys, e.g.  aws sesv2 get-account --endpoint-url ${http}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
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
  let config: Config;
  try {
    config = loadConfig({ configFile });
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
