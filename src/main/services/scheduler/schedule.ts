// A job's slots: when it is due, computed by the cron package (with luxon's
// time zone rules, so DST is handled there). Firing is not the cron package's
// job here: its timers do not survive sleep, so the scheduler arms its own.
import { CronTime } from 'cron';
import { DEFAULT_JOBS, effectiveJobs, type Config } from '../../../shared/config';
import type { FieldError } from '../../../shared/field-errors';
import { isValidTimeZone } from './zoned-time';

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

const BUILTIN_JOB_IDS: readonly string[] = Object.keys(DEFAULT_JOBS);

/** Why a job's schedule cannot work, naming the field, or null. */
export function scheduleProblem(id: string, expression: string, timezone: string, now: number): FieldError | null {
  if (!isValidTimeZone(timezone)) return { field: `jobs.${id}.timezone`, message: `unknown time zone "${timezone}" (use an IANA name such as "Europe/Berlin" or "UTC")` };
  let schedule: JobSchedule;
  try {
    schedule = new JobSchedule(expression, timezone);
  } catch (error) {
    return { field: `jobs.${id}.schedule`, message: `"${expression}" is not a valid cron expression (${(error as Error).message})` };
  }
  if (schedule.nextAfter(now) === null) return { field: `jobs.${id}.schedule`, message: `"${expression}" never fires` };
  return null;
}

/**
 * Checks every job's cron expression and time zone (defaults merged), and that
 * each job id names a job Encore has: the first problem, naming the job, or
 * null. config.ts turns it into its ConfigError (this module knows no config
 * file, so the scheduler does not depend on the config loader).
 */
export function jobSchedulesProblem(config: Config, options: { knownJobIds?: readonly string[]; now?: number } = {}): FieldError | null {
  const known = options.knownJobIds ?? BUILTIN_JOB_IDS;
  for (const [id, job] of Object.entries(effectiveJobs(config))) {
    if (!known.includes(id)) return { field: `jobs.${id}`, message: `there is no such job (known jobs: ${known.join(', ')})` };
    const problem = scheduleProblem(id, job.schedule, job.timezone, options.now ?? Date.now());
    if (problem) return problem;
  }
  return null;
}
