// Finding the data directory and loading <data-dir>/config.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigSchema, type Config } from '../shared/config';
import { describeFieldErrors, fieldErrorsOf, type FieldError } from '../shared/field-errors';
import { writeFileAtomic } from './core/atomic-write';
import { jobSchedulesProblem } from './services/scheduler/schedule';

/** A config that cannot be used: where (the file, or 'settings') and each field that is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly errors: FieldError[],
  ) {
    super(`${where}: ${describeFieldErrors(errors)}`);
    this.name = 'ConfigError';
  }
}

/** `--data-dir DIR` / `--data-dir=DIR`, then ENCORE_DATA_DIR, then the platform's default. */
export function resolveDataDir(argv: readonly string[], env: NodeJS.ProcessEnv, platformDefault?: string): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data-dir' && argv[i + 1]) return path.resolve(argv[i + 1]!);
    if (arg.startsWith('--data-dir=')) return path.resolve(arg.slice('--data-dir='.length));
  }
  if (env.ENCORE_DATA_DIR) return path.resolve(env.ENCORE_DATA_DIR);
  return platformDefault ?? defaultDataDir(env);
}

function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Encore');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Encore');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Encore');
}

export function configPath(dataDir: string): string {
  return path.join(dataDir, 'config.json');
}

/** Validates a parsed value; the error names the field: "config.json: lastfm.pollSeconds: ...". */
export function parseConfig(value: unknown, where = 'config.json'): Config {
  const result = ConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(where, fieldErrorsOf(result.error).map((e) => ({ field: e.field || '(root)', message: e.message })));
  const config = result.data;
  if (config.roon.port !== null && config.roon.host === null) {
    throw new ConfigError(where, [{ field: 'roon.host', message: 'set it together with roon.port (or leave both out to use discovery)' }]);
  }
  if (config.roon.host !== null && config.roon.port === null) {
    throw new ConfigError(where, [{ field: 'roon.port', message: 'set it together with roon.host (usually 9330), or leave both out to use discovery' }]);
  }
  validateJobs(config, where);
  return config;
}

function validateJobs(config: Config, where: string): void {
  const problem = jobSchedulesProblem(config);
  if (problem) throw new ConfigError(where, [problem]);
}

/** No file: defaults. A file that cannot be read or parsed: refuse, naming why. */
export function loadConfig(dataDir: string): Config {
  const file = configPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({});
    throw new ConfigError(file, [{ field: '', message: `cannot be read (${(error as Error).message})` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [{ field: '', message: `is not valid JSON (${(error as Error).message})` }]);
  }
  return parseConfig(value, file);
}

/** Writes the file atomically (settings saved from the window); a FileWriteError names the file and the cause. */
export function saveConfig(dataDir: string, config: Config): void {
  writeFileAtomic(configPath(dataDir), JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}
