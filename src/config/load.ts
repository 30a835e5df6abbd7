/**
 * Loads the configuration: defaults, then an optional JSON config file (`SESAME_CONFIG` or `--config`),
 * then `SESAME_*` environment variables. An invalid value throws a SettingError naming the setting.
 */
import { readFileSync } from 'node:fs';
import { settings, SettingError, type Config, type SettingDef, type SettingName } from './schema.ts';

export { SettingError, type Config } from './schema.ts';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  configFile?: string | undefined;
  /** Values set by the caller (tests, CLI flags); they win over the file and the environment. */
  overrides?: Partial<Record<SettingName, unknown>>;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.configFile ?? env.SESAME_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const names = Object.keys(settings) as SettingName[];
  const known = new Set<string>(names);
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) throw new SettingError(`Unknown setting "${key}" in config file ${file}`);
  }
  const resolved: Record<string, unknown> = {};
  const derived: SettingName[] = [];
  for (const name of names) {
    const d = settings[name] as SettingDef<unknown>;
    const [raw, origin] =
      options.overrides && name in options.overrides
        ? [options.overrides[name], 'override']
        : env[d.env] !== undefined
          ? [env[d.env], `environment variable ${d.env}`]
          : name in fromFile
            ? [fromFile[name], `config file ${file}`]
            : [undefined, 'default'];
    if (raw === undefined) {
      if (isDerived(d.default)) derived.push(name);
      else resolved[name] = d.default;
      continue;
    }
    try {
      const value = d.parser.parse(raw);
      if (value === undefined && isDerived(d.default)) derived.push(name);
      else resolved[name] = value;
    } catch (err) {
      const shown = d.secret ? '(hidden)' : JSON.stringify(raw);
      throw new SettingError(
        `Invalid setting ${d.env} (${name}) from ${origin}: ${shown} ${(err as Error).message}`,
      );
    }
  }
  for (const name of derived) {
    const d = settings[name] as SettingDef<unknown>;
    if (isDerived(d.default)) resolved[name] = d.default.derive(resolved);
  }
  return resolved as Config;
}

function isDerived(
  v: unknown,
): v is { derive: (c: Readonly<Record<string, unknown>>) => unknown; text: string } {
  return typeof v === 'object' && v !== null && 'derive' in v;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SettingError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new SettingError(`Config file ${path} is not a JSON object of settings: ${(err as Error).message}`);
  }
}
