// The config file (<data-dir>/config.json). Every key has a default, so an
// absent file is a valid configuration: embedded SQLite, Roon by discovery,
// Last.fm "not configured".
import { z } from 'zod';

/** A service's restore timeout: 0.1 s to 10 min, or 'auto' (adapts to how long its starts take). Settings use the same one. */
const TIMEOUT_RANGE = { error: 'a timeout is 0.1 to 600 seconds (100 to 600000 ms), or auto' };
export const RestoreTimeoutSchema = z.union([z.number().int(TIMEOUT_RANGE).min(100, TIMEOUT_RANGE).max(600_000, TIMEOUT_RANGE), z.literal('auto')]);
const timeoutMs = RestoreTimeoutSchema;

/**
 * Every duration ends up in a timer, and Node turns a delay above 2^31-1 ms into
 * 1 ms: a huge value meant "almost never" but ran about a thousand times a second.
 * So each one is bounded, at most a day unless it says otherwise.
 */
export const DAY_MS = 86_400_000;
const durationMs = (min: number, max = DAY_MS) =>
  // eslint-disable-next-line no-restricted-syntax -- a schema factory, called while the module's schemas are built
  z
    .number()
    .int()
    .min(min, { error: `at least ${min} ms` })
    .max(max, { error: `at most ${max} ms (${formatMs(max)})` });

function formatMs(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export const MISSED_POLICIES = ['coalesce', 'skip', 'all'] as const;

export const JobConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    schedule: z.string().min(1),
    /** Default: this machine's zone, so "0 3 * * *" means 03:00 where the user is. */
    timezone: z.string().min(1).default(() => systemTimeZone()),
    missedPolicy: z.enum(MISSED_POLICIES).default('coalesce'),
    /** Runs missed longer ago than this are not caught up by `coalesce`. */
    /** Compared, never armed as a timer: a weekly job may catch up a week late. */
    graceMs: durationMs(0, 7 * DAY_MS).default(24 * 3600_000),
    timeoutMs: durationMs(1_000, 6 * 3_600_000).default(10 * 60_000),
  })
  .strict();
export type JobConfig = z.infer<typeof JobConfigSchema>;

export const DEFAULT_JOBS: Record<string, z.input<typeof JobConfigSchema>> = {
  // Hourly, off the hour: each run re-reads 14 days of scrobbles (a few pages).
  'lastfm-sync': { schedule: '7 * * * *' },
  'db-backup': { schedule: '0 3 * * *' },
  'db-maintenance': { schedule: '30 3 * * 0' },
  'daily-export': { schedule: '55 23 * * *' },
};

export const ConfigSchema = z
  .object({
    roon: z
      .object({
        /** When host and port are set, discovery is skipped. */
        host: z.string().min(1).nullable().default(null),
        port: z.number().int().min(1).max(65535).nullable().default(null),
        discovery: z
          .object({
            /** SOOD multicast group; tests point this at 127.0.0.1. */
            multicastGroup: z.ipv4({ error: 'an IPv4 address' }).default('239.255.90.90'),
            port: z.number().int().min(1).max(65535).default(9003),
            /** null: every IPv4 interface's directed broadcast address. */
            broadcastAddresses: z.array(z.ipv4({ error: 'an IPv4 address' })).max(64).nullable().default(null),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    lastfm: z
      .object({
        user: z.string().min(1).max(64).nullable().default(null),
        /** May also live in the secret store (desktop settings). */
        apiKey: z.string().min(1).max(256).nullable().default(null),
        apiRoot: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).default('https://ws.audioscrobbler.com/2.0/'),
        /** 0 turns polling off (the scheduler's lastfm-sync job still catches up). */
        pollSeconds: z.number().int().min(0).max(86_400).default(60),
        /** Every request to Last.fm (polls, sync, the import) shares this rate: at most this many per second (0 = no limit). */
        importRatePerSecond: z.number().min(0).max(50).default(4),
        requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
      })
      .strict()
      .prefault({}),
    restore: z
      .object({
        timeoutsMs: z
          .object({
            database: timeoutMs.default(10_000),
            roon: timeoutMs.default(10_000),
            lastfm: timeoutMs.default(10_000),
            scheduler: timeoutMs.default(15_000),
          })
          .strict()
          .prefault({}),
        backoff: z
          .object({
            initialMs: durationMs(10, 3_600_000).default(1_000),
            maxMs: durationMs(100).default(60_000),
          })
          .strict()
          .refine((b) => b.maxMs >= b.initialMs, { error: 'must not be below initialMs', path: ['maxMs'] })
          .prefault({}),
        /** A running service silent for this long is restarted. */
        heartbeatMs: durationMs(1_000).default(30_000),
        /** Wall clock ahead of the monotonic clock by more than this means we slept. */
        clockJumpMs: durationMs(1_000).default(5_000),
      })
      .strict()
      .prefault({}),
    db: z
      .object({
        busyTimeoutMs: z.number().int().min(0).max(600_000).default(5_000),
      })
      .strict()
      .prefault({}),
    /** A known job keeps its default schedule unless one is given: `{"db-backup": {"enabled": false}}` is enough. */
    jobs: z
      .record(z.string(), JobConfigSchema.extend({ schedule: z.string().min(1).optional() }))
      .transform((jobs, ctx) => {
        const out: Record<string, JobConfig> = {};
        for (const [id, job] of Object.entries(jobs)) {
          const schedule = job.schedule ?? (Object.hasOwn(DEFAULT_JOBS, id) ? DEFAULT_JOBS[id]!.schedule : undefined);
          if (schedule === undefined) ctx.addIssue({ code: 'custom', path: [id], message: `there is no such job (known jobs: ${Object.keys(DEFAULT_JOBS).join(', ')})` });
          else out[id] = { ...job, schedule };
        }
        return out;
      })
      .default({}),
    backups: z.object({ keep: z.number().int().min(1).max(1000).default(7) }).strict().prefault({}),
    headless: z
      .object({ port: z.number().int().min(0).max(65535).default(0) })
      .strict()
      .prefault({}),
    notifications: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
    /**
     * What db-maintenance prunes: the power journal and the job runs each
     * keep their last `days` days, and at most their newest `maxRows` rows
     * (plays are never pruned: they are the history).
     */
    retention: z
      .object({
        days: z.number().int().min(1).max(3650).default(90),
        maxRows: z.number().int().min(100).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

/** The job table, defaults merged under what the user wrote. */
export function effectiveJobs(config: Config): Record<string, JobConfig> {
  const out: Record<string, JobConfig> = {};
  for (const [id, def] of Object.entries(DEFAULT_JOBS)) out[id] = JobConfigSchema.parse(def);
  for (const [id, job] of Object.entries(config.jobs)) out[id] = job;
  return out;
}
