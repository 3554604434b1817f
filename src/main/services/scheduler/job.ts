// What a scheduled job is: a function of its context. The registry is handed
// to the scheduler, so tests run it with fake jobs.
import type { Config } from '../../../shared/config';
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import type { EncoreDatabase } from '../../db/database';

export interface JobContext {
  jobId: string;
  /** Aborts on the job's timeout and when the scheduler stops (sleep, quit). */
  signal: AbortSignal;
  clock: Clock;
  logger: Logger;
  database: EncoreDatabase;
  dataDir: string;
  config: Config;
  /** The job's own time zone (what "today" means for the daily export). */
  timezone: string;
  /** The slot this run is for, UTC ms; null for "Run now". */
  scheduledFor: number | null;
  /** The Last.fm service's catch-up, when Last.fm is set up. */
  lastfmCatchUp?: (signal: AbortSignal) => Promise<unknown>;
  /** Why the Last.fm tracker cannot work now, or null. */
  lastfmNotConfigured?: () => string | null;
}

/** A job that had nothing to do says why; anything else is success (or a throw). */
export type JobResult = void | { skipped: string };

export type JobFunction = (ctx: JobContext) => Promise<JobResult>;

export interface JobDefinition {
  /** For people: "Database backup". */
  label: string;
  run: JobFunction;
}

export type JobRegistry = Readonly<Record<string, JobDefinition>>;
