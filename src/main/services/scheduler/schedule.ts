// A job's slots: when it is due, computed by the cron package (with luxon's
// time zone rules, so DST is handled there). Firing is not the cron package's
// job here: its timers do not survive sleep, so the scheduler arms its own.
import { CronTime } from 'cron';
import { DEFAULT_JOBS, effectiveJobs, type Config } from '../../../shared/config';
import { ConfigError, isValidTimeZone } from '../../config';

export class JobSchedule {
  private readonly cron: CronTime;

  /** Throws the cron package's error for a bad expression or zone. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.cron = new CronTime(expression, timezone);
  }

  /** The first slot strictly after `ms` (UTC ms), or null when there is none within the cron package's search horizon. */
  nextAfter(ms: number): number | null {
    try {
      return this.cron.getNextDateFrom(new Date(ms), this.timezone).toMillis();
    } catch {
      return null;
    }
  }
}

export const BUILTIN_JOB_IDS: readonly string[] = Object.keys(DEFAULT_JOBS);

/** Why a job's schedule cannot work, naming the field, or null. */
export function scheduleProblem(id: string, expression: string, timezone: string, now: number): string | null {
  if (!isValidTimeZone(timezone)) return `jobs.${id}.timezone: unknown time zone "${timezone}" (use an IANA name such as "Europe/Berlin" or "UTC")`;
  let schedule: JobSchedule;
  try {
    schedule = new JobSchedule(expression, timezone);
  } catch (error) {
    return `jobs.${id}.schedule: "${expression}" is not a valid cron expression (${(error as Error).message})`;
  }
  if (schedule.nextAfter(now) === null) return `jobs.${id}.schedule: "${expression}" never fires`;
  return null;
}

/**
 * Checks every job's cron expression and time zone (defaults merged), and that
 * each job id names a job Encore has. Throws a ConfigError naming the job.
 */
export function validateJobSchedules(config: Config, options: { where?: string; knownJobIds?: readonly string[]; now?: number } = {}): void {
  const known = options.knownJobIds ?? BUILTIN_JOB_IDS;
  const prefix = options.where ? `${options.where}: ` : '';
  for (const [id, job] of Object.entries(effectiveJobs(config))) {
    if (!known.includes(id)) throw new ConfigError(`${prefix}jobs.${id}: there is no such job (known jobs: ${known.join(', ')})`);
    const problem = scheduleProblem(id, job.schedule, job.timezone, options.now ?? Date.now());
    if (problem) throw new ConfigError(prefix + problem);
  }
}
