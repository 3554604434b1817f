// The settings the window shows and saves: the live config (config.json plus
// the Last.fm key from the secret store), the view of it that leaves the main
// process, and a save that validates, writes and says which services restart.
import { ApiError, type SaveSettingsResult, type Settings, type SettingsInput } from '../../shared/api';
import { ConfigSchema, effectiveJobs, type Config } from '../../shared/config';
import { fieldErrorsOf } from '../../shared/field-errors';
import type { ServiceId } from '../../shared/status';
import { z } from 'zod';
import { FileWriteError } from '../core/atomic-write';
import type { Logger } from '../core/logger';
import type { SecretStore } from '../core/ports';
import { ConfigError, parseConfig, saveConfig } from '../config';

export const LASTFM_KEY_SECRET = 'lastfm.apiKey';

export interface SettingsOptions {
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
  /** A service whose part of the config changed; it reads the new config as it starts again. */
  restart: (id: ServiceId) => void;
}

export class LiveSettings {
  private constructor(
    private readonly options: SettingsOptions,
    /** What config.json holds: what a save starts from (never the key from the secret store). */
    private fileConfig: Config,
    private live: Config,
  ) {}

  /** The file's config, with the API key from the secret store when the file has none. */
  static async load(fileConfig: Config, options: SettingsOptions): Promise<LiveSettings> {
    const storedKey = await options.secrets.get(LASTFM_KEY_SECRET);
    const live = !fileConfig.lastfm.apiKey && storedKey ? { ...fileConfig, lastfm: { ...fileConfig.lastfm, apiKey: storedKey } } : fileConfig;
    return new LiveSettings(options, fileConfig, live);
  }

  /** Services read it through a getter at each start, so saved settings apply on restart. */
  get config(): Config {
    return this.live;
  }

  view(): Settings {
    const config = this.live;
    return {
      roon: { mode: config.roon.host && config.roon.port ? 'manual' : 'discovery', host: config.roon.host, port: config.roon.port },
      lastfm: { user: config.lastfm.user, apiKeySet: Boolean(config.lastfm.apiKey), pollSeconds: config.lastfm.pollSeconds },
      restore: { timeoutsMs: { roon: config.restore.timeoutsMs.roon, lastfm: config.restore.timeoutsMs.lastfm, scheduler: config.restore.timeoutsMs.scheduler } },
      jobs: Object.fromEntries(Object.entries(effectiveJobs(config)).map(([id, j]) => [id, { schedule: j.schedule, timezone: j.timezone, missedPolicy: j.missedPolicy, enabled: j.enabled }])),
      notifications: { enabled: config.notifications.enabled },
    };
  }

  async save(input: SettingsInput): Promise<SaveSettingsResult> {
    const { secrets, dataDir, logger: log } = this.options;
    const next = structuredClone(this.fileConfig) as Config;
    if (input.roon) {
      next.roon.host = input.roon.mode === 'manual' ? (input.roon.host ?? null) : null;
      next.roon.port = input.roon.mode === 'manual' ? (input.roon.port ?? null) : null;
    }
    if (input.lastfm) {
      if (input.lastfm.user !== undefined) next.lastfm.user = input.lastfm.user || null;
      if (input.lastfm.pollSeconds !== undefined) next.lastfm.pollSeconds = input.lastfm.pollSeconds;
    }
    if (input.restore?.timeoutsMs) Object.assign(next.restore.timeoutsMs, input.restore.timeoutsMs);
    if (input.jobs) {
      const jobs = effectiveJobs(next);
      for (const [id, patch] of Object.entries(input.jobs)) {
        if (!Object.hasOwn(jobs, id)) return { ok: false, errors: [{ field: `jobs.${id}`, message: 'no such job' }] };
        next.jobs[id] = { ...jobs[id]!, ...patch };
      }
    }
    if (input.notifications) next.notifications = input.notifications;
    let parsed: Config;
    try {
      parsed = parseConfig(ConfigSchema.parse(next), 'settings');
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, errors: error.errors };
      if (error instanceof z.ZodError) return { ok: false, errors: fieldErrorsOf(error) };
      throw error;
    }
    if (input.lastfm?.apiKey !== undefined) {
      try {
        if (input.lastfm.apiKey) await secrets.set(LASTFM_KEY_SECRET, input.lastfm.apiKey);
        else await secrets.delete(LASTFM_KEY_SECRET);
      } catch (error) {
        throw writeFailure(error);
      }
    }
    // The key never goes into config.json when it came through Settings.
    const keyFromFile = this.fileConfig.lastfm.apiKey;
    try {
      saveConfig(dataDir, parsed);
    } catch (error) {
      throw writeFailure(error);
    }
    this.fileConfig = parsed;
    const key = input.lastfm?.apiKey !== undefined ? input.lastfm.apiKey || keyFromFile : this.live.lastfm.apiKey;
    const before = this.live;
    this.live = { ...parsed, lastfm: { ...parsed.lastfm, apiKey: key || null } };
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    const restarts: ServiceId[] = [];
    if (changed(before.roon, this.live.roon)) restarts.push('roon');
    if (changed(before.lastfm, this.live.lastfm)) restarts.push('lastfm');
    if (changed(effectiveJobs(before), effectiveJobs(this.live))) restarts.push('scheduler');
    for (const id of restarts) this.options.restart(id);
    log.info(`settings saved${restarts.length ? `; restarting ${restarts.join(', ')}` : ''}`);
    return { ok: true, settings: this.view() };
  }
}

/** A file that could not be written: 507 when the disk is full (nothing was changed), else as it was. */
function writeFailure(error: unknown): unknown {
  if (error instanceof FileWriteError && error.diskFull) return new ApiError(507, `Settings not saved: ${error.message}`);
  return error;
}
