// The scheduler: cron jobs that come back after sleep.
//
// Slots come from the cron package; timers are our own, on the injected Clock,
// because a timer stands still while the machine sleeps. Every wake-up of a job
// (its timer, start() after resume, the end of its previous run) does the same
// thing: look at the slots between the last one dealt with and now, apply the
// job's missed-run policy, then arm a timer for the next slot.
//
// Sleep and stop abort running jobs (their AbortSignal fires) and record the run
// as failed at once, rather than letting them finish: the process is frozen
// during sleep anyway, so a half-done backup or a network request would resume
// against a world that moved on, and prepareForSleep() must return at once.
// A job that ignores its signal still counts as running until its promise
// settles, so it never overlaps itself, and its slot stays consumed.
import { effectiveJobs, type Config, type JobConfig } from '../../../shared/config';
import type { JobStatus } from '../../../shared/status';
import { systemClock, type Clock } from '../../core/clock';
import { DisposableStore, type Disposable } from '../../core/disposable';
import { silentLogger, type Logger } from '../../core/logger';
import { errorMessage, ServiceError, type HealthProbe, type Service, type ServiceHost } from '../../core/service';
import type { EncoreDatabase } from '../../db/database';
import type { JobContext, JobDefinition, JobRegistry } from './job';
import { planCatchUp } from './catch-up';
import { JobRunStore, type JobRun, type RunOutcome } from './job-runs';
import { builtinJobs } from './jobs';
import { JobSchedule, scheduleProblem } from './schedule';
import { localHourMinute } from './zoned-time';

/** Timers are re-checked at least this often, so a changed wall clock is noticed. */
const MAX_TIMER_MS = 3600_000;
/** An armed job whose slot passed this long ago without firing means the timer stood still. */
const OVERDUE_MS = 120_000;

export interface SchedulerOptions {
  database: EncoreDatabase;
  dataDir: string;
  /** Read on every start, so an edited config applies from the next start (a resume included). */
  config: () => Config;
  clock?: Clock;
  logger?: Logger;
  /** Defaults to the built-in jobs. */
  jobs?: JobRegistry;
  /** The Last.fm service's catch-up; leave it out when Last.fm is not set up. */
  lastfmCatchUp?: (signal: AbortSignal) => Promise<unknown>;
  /** Why the Last.fm tracker cannot work now (no user or key), or null: read at each run. */
  lastfmNotConfigured?: () => string | null;
}

export interface JobRunResult {
  runId: number;
  outcome: Exclude<RunOutcome, 'running'>;
  error: string | null;
}

/** Why "Run now" was refused: `unknown-job` → 404, `busy` → 409, `not-running` → 503. */
export class JobRunError extends Error {
  constructor(
    message: string,
    readonly reason: 'unknown-job' | 'busy' | 'not-running',
  ) {
    super(message);
    this.name = 'JobRunError';
  }
}

interface ActiveRun {
  runId: number;
  scheduledFor: number | null;
  startedAt: number;
  controller: AbortController;
  timeout: Disposable;
  owner: DisposableStore;
  /** Set once the outcome is in job_runs; whatever the job does after that is only logged. */
  recorded: boolean;
  result: Promise<JobRunResult>;
  resolve: (result: JobRunResult) => void;
}

interface JobState {
  id: string;
  definition: JobDefinition;
  config: JobConfig;
  schedule: JobSchedule;
  timer: Disposable | null;
  nextRunAt: number | null;
  /** Every slot up to here was run, recorded as missed/skipped, or came before the job was first armed. */
  handledThrough: number | null;
  active: ActiveRun | null;
  lastRun: JobRun | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class SchedulerService implements Service {
  readonly id = 'scheduler' as const;
  readonly label = 'Scheduler';

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly registry: JobRegistry;
  private readonly runs: JobRunStore;
  // Job states outlive a start: a run still settling after stop() and the
  // last slot dealt with must carry over to the next start (resume).
  private readonly states = new Map<string, JobState>();
  private session: DisposableStore | null = null;
  private host: ServiceHost | null = null;
  private started = false;
  private config: Config | null = null;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).scope('scheduler');
    this.registry = options.jobs ?? builtinJobs();
    this.runs = new JobRunStore(options.database);
  }

  notConfigured(): string | null {
    let config: Config;
    try {
      config = this.options.config();
    } catch {
      return null;
    }
    const enabled = Object.entries(effectiveJobs(config)).filter(([id, job]) => job.enabled && this.registry[id]);
    return enabled.length ? null : 'Every scheduled job is disabled in the config.';
  }

  async start(signal: AbortSignal, host: ServiceHost): Promise<void> {
    signal.throwIfAborted();
    if (!this.options.database.isOpen) throw new ServiceError('The scheduler is waiting for the database to open.');
    this.loadJobs();
    const now = this.clock.now();
    try {
      const live = [...this.states.values()].flatMap((j) => (j.active ? [j.active.runId] : []));
      const abandoned = this.runs.closeAbandoned(now, live);
      if (abandoned) this.log.warn(`${abandoned} run(s) were left unfinished by an earlier Encore; recorded as failed`);
      for (const job of this.states.values()) {
        job.lastRun = this.runs.lastRun(job.id);
        const recorded = this.runs.lastSlot(job.id);
        // First start ever: nothing was missed. Otherwise catch up from the later
        // of what is recorded and what this process already dealt with.
        job.handledThrough = Math.max(job.handledThrough ?? -Infinity, recorded ?? -Infinity);
        if (!Number.isFinite(job.handledThrough)) job.handledThrough = now;
      }
    } catch (error) {
      throw new ServiceError(`The scheduler cannot read its run history: ${errorMessage(error)}`, { cause: error });
    }
    this.session = new DisposableStore();
    this.host = host;
    this.started = true;
    for (const job of this.states.values()) this.tick(job);
    this.report();
  }

  prepareForSleep(): void {
    this.halt('the machine went to sleep');
  }

  async stop(): Promise<void> {
    this.halt('the scheduler stopped');
  }

  probe(): HealthProbe {
    if (!this.started) return { ok: false, reason: 'The scheduler is stopped.' };
    const armed = this.armedJobs();
    if (!armed.length) return { ok: false, reason: this.noneArmedReason() };
    const now = this.clock.now();
    const stuck = armed.find((j) => j.nextRunAt !== null && now - j.nextRunAt > OVERDUE_MS);
    if (stuck) {
      return {
        ok: false,
        reason: `${stuck.definition.label} was due at ${iso(stuck.nextRunAt)} and has not started: its timer stood still (the machine probably slept).`,
      };
    }
    return { ok: true };
  }

  /** Every job with its schedule, next run and last run: the status entry and GET /api/jobs. */
  jobs(): JobStatus[] {
    if (!this.states.size) {
      try {
        this.loadJobs();
      } catch {
        return [];
      }
    }
    return [...this.states.values()].map((job) => ({
      id: job.id,
      label: job.definition.label,
      schedule: job.config.schedule,
      timezone: job.config.timezone,
      missedPolicy: job.config.missedPolicy,
      armed: job.timer !== null,
      running: job.active !== null,
      nextRunAt: iso(job.nextRunAt),
      lastRun: job.lastRun && {
        scheduledFor: iso(job.lastRun.scheduledFor),
        startedAt: iso(job.lastRun.startedAt)!,
        finishedAt: iso(job.lastRun.finishedAt),
        outcome: job.lastRun.outcome,
        error: job.lastRun.error,
      },
    }));
  }

  hasJob(jobId: string): boolean {
    if (!this.states.size) this.jobs();
    return this.states.has(jobId);
  }

  /** Run history, newest first (one job or all). */
  history(limit = 50, jobId?: string): JobRun[] {
    return this.runs.recent(limit, jobId);
  }

  /**
   * "Run now" (the tray, POST /api/jobs/:id/run). Resolves with the recorded
   * outcome once the run is over; rejects with a JobRunError when it cannot start.
   */
  async runNow(jobId: string): Promise<JobRunResult> {
    const job = this.states.get(jobId);
    if (!job) throw new JobRunError(`There is no job "${jobId}".`, 'unknown-job');
    if (!this.started) throw new JobRunError('The scheduler is not running right now (Encore is asleep or restoring); try again in a moment.', 'not-running');
    if (job.active) throw new JobRunError(`${job.definition.label} is already running.`, 'busy');
    const result = this.begin(job, null, { manual: true });
    if (!result) throw new JobRunError(`${job.definition.label} could not be started.`, 'busy');
    return result;
  }

  private loadJobs(): void {
    const config = this.options.config();
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const [id, jobConfig] of Object.entries(effectiveJobs(config))) {
      const definition = this.registry[id];
      if (!definition) {
        this.log.debug(`jobs.${id} is configured but Encore has no such job; ignored`);
        continue;
      }
      const problem = scheduleProblem(id, jobConfig.schedule, jobConfig.timezone, now);
      if (problem) throw new ServiceError(`${problem}. Fix it in config.json, then restart Encore.`, { retryable: false });
      const schedule = new JobSchedule(jobConfig.schedule, jobConfig.timezone);
      seen.add(id);
      const existing = this.states.get(id);
      // Updated in place: a run still settling holds on to this object.
      if (existing) Object.assign(existing, { definition, config: jobConfig, schedule });
      else this.states.set(id, { id, definition, config: jobConfig, schedule, timer: null, nextRunAt: null, handledThrough: null, active: null, lastRun: null });
    }
    for (const [id, job] of this.states) if (!seen.has(id) && !job.active) this.states.delete(id);
    this.config = config;
  }

  private halt(why: string): void {
    if (!this.started) return;
    this.started = false;
    this.host = null;
    for (const job of this.states.values()) {
      if (job.active) this.abort(job, job.active, `interrupted: ${why}`);
      job.timer = null;
      job.nextRunAt = null;
    }
    try {
      this.session?.dispose();
    } catch (error) {
      this.log.warn('releasing the job timers failed', error);
    }
    this.session = null;
    this.log.info(`stopped (${why})`);
  }

  private tick(job: JobState): void {
    if (!this.started || !job.config.enabled) return;
    try {
      this.catchUp(job);
    } catch (error) {
      // Almost always the database (closed, or a disk error): the supervisor
      // restarts the scheduler once it is back, and start() catches up.
      this.log.error(`${job.id}: could not record its runs`, error);
      this.host?.fail(new ServiceError(`The scheduler could not record ${job.definition.label}: ${errorMessage(error)}`, { cause: error }));
      return;
    }
    this.report();
  }

  private catchUp(job: JobState): void {
    // One run at a time: when it ends, tick() comes back here.
    if (job.active) return this.arm(job);
    const now = this.clock.now();
    const plan = planCatchUp({
      now,
      handledThrough: job.handledThrough,
      graceMs: job.config.graceMs,
      missedPolicy: job.config.missedPolicy,
      nextAfter: (ms) => job.schedule.nextAfter(ms),
    });
    for (const note of plan.notes) this.log.info(`${job.id}: ${note}`);
    for (const slot of plan.notRun) this.runs.recordNotRun(job.id, slot.slot, slot.outcome, now, slot.error);
    if (plan.notRun.length) job.lastRun = this.runs.lastRun(job.id);
    if (plan.run) {
      this.begin(job, plan.run.slot, { missed: plan.run.missed, coalesced: plan.run.coalesced });
      return;
    }
    if (plan.handledThrough !== null) job.handledThrough = plan.handledThrough;
    this.arm(job, plan.continueNow);
  }

  private begin(job: JobState, scheduledFor: number | null, flags: { missed?: boolean; coalesced?: boolean; manual?: boolean }): Promise<JobRunResult> | null {
    const session = this.session;
    if (!session) return null;
    const startedAt = this.clock.now();
    if (scheduledFor !== null) job.handledThrough = Math.max(job.handledThrough ?? scheduledFor, scheduledFor);
    const runId = this.runs.begin({ jobId: job.id, scheduledFor, startedAt, ...flags });
    if (runId === null) {
      // The unique (job, slot) index: this slot already ran (another process, or a race).
      this.log.info(`${job.id}: the run for ${iso(scheduledFor)} is already recorded; not running it again`);
      this.arm(job, true);
      return null;
    }
    let resolve!: (result: JobRunResult) => void;
    const result = new Promise<JobRunResult>((r) => (resolve = r));
    const active: ActiveRun = {
      runId,
      scheduledFor,
      startedAt,
      controller: new AbortController(),
      timeout: null as unknown as Disposable,
      owner: session,
      recorded: false,
      result,
      resolve,
    };
    active.timeout = session.add(
      this.clock.setTimeout(() => this.abort(job, active, `took longer than its timeout of ${job.config.timeoutMs} ms and was stopped`, 'timeout'), job.config.timeoutMs),
    );
    job.active = active;
    job.lastRun = { id: runId, jobId: job.id, scheduledFor, startedAt, finishedAt: null, outcome: 'running', error: null, missed: !!flags.missed, coalesced: !!flags.coalesced, manual: !!flags.manual };
    this.log.info(`${job.id}: started${flags.manual ? ' (run now)' : ''}${scheduledFor !== null ? ` for ${iso(scheduledFor)}` : ''}`);
    // The next slot stays armed while this one runs: the job reads as armed,
    // and a slot that comes due meanwhile is handled when this run ends.
    this.arm(job);
    this.report();

    const ctx: JobContext = {
      jobId: job.id,
      signal: active.controller.signal,
      clock: this.clock,
      logger: this.log.scope(`job:${job.id}`),
      database: this.options.database,
      dataDir: this.options.dataDir,
      config: this.config!,
      timezone: job.config.timezone,
      scheduledFor,
      lastfmCatchUp: this.options.lastfmCatchUp,
      lastfmNotConfigured: this.options.lastfmNotConfigured,
    };
    void (async () => {
      let outcome: JobRunResult['outcome'] = 'success';
      let error: string | null = null;
      try {
        const r = await job.definition.run(ctx);
        if (r && 'skipped' in r) {
          outcome = 'skipped';
          error = r.skipped;
        }
      } catch (e) {
        outcome = 'failed';
        error = errorMessage(e);
      }
      if (active.recorded) this.log.info(`${job.id}: the aborted run ended only now (${outcome}${error ? `: ${error}` : ''})`);
      else this.record(job, active, outcome, error);
      if (job.active === active) job.active = null;
      this.report();
      this.tick(job);
    })().catch((error: unknown) => this.log.error(`${job.id}: bookkeeping after the run failed`, error));
    return result;
  }

  private abort(job: JobState, active: ActiveRun, why: string, outcome: 'timeout' | 'failed' = 'failed'): void {
    if (active.recorded) return;
    const message = `${job.definition.label} ${why}.`;
    try {
      active.controller.abort(new ServiceError(message, { retryable: false }));
    } catch (error) {
      this.log.warn(`${job.id}: its abort handler threw`, error);
    }
    this.record(job, active, outcome, message);
    this.report();
  }

  private record(job: JobState, active: ActiveRun, outcome: JobRunResult['outcome'], error: string | null): void {
    if (active.recorded) return;
    active.recorded = true;
    active.owner.delete(active.timeout);
    const finishedAt = this.clock.now();
    try {
      this.runs.finish(active.runId, outcome, error, finishedAt);
    } catch (e) {
      // Left 'running' in the table; the next start closes it as abandoned.
      this.log.error(`${job.id}: could not record the outcome (${outcome})`, e);
    }
    if (job.lastRun?.id === active.runId) job.lastRun = { ...job.lastRun, finishedAt, outcome, error };
    const line = `${job.id}: ${outcome} in ${finishedAt - active.startedAt} ms${error ? `: ${error}` : ''}`;
    if (outcome === 'failed' || outcome === 'timeout') this.log.warn(line);
    else this.log.info(line);
    if (outcome === 'success') this.host?.report({ success: true });
    active.resolve({ runId: active.runId, outcome, error });
  }

  /** `immediate`: carry on catching up in the next turn instead of waiting for a slot. */
  private arm(job: JobState, immediate = false): void {
    if (job.timer) {
      this.session?.delete(job.timer);
      job.timer = null;
    }
    job.nextRunAt = null;
    const session = this.session;
    if (!this.started || !session || !job.config.enabled) return;
    const now = this.clock.now();
    let delay = 0;
    if (immediate) job.nextRunAt = now;
    else {
      const next = job.schedule.nextAfter(Math.max(now, job.handledThrough ?? now));
      if (next === null) {
        this.log.warn(`${job.id}: "${job.config.schedule}" has no further run; not armed`);
        return;
      }
      job.nextRunAt = next;
      delay = Math.min(next - now, MAX_TIMER_MS);
    }
    const timer: Disposable = session.add(
      this.clock.setTimeout(() => {
        if (job.timer === timer) job.timer = null;
        session.delete(timer);
        this.tick(job);
      }, delay),
    );
    job.timer = timer;
  }

  private armedJobs(): JobState[] {
    return [...this.states.values()].filter((j) => j.timer !== null);
  }

  private noneArmedReason(): string {
    const enabled = [...this.states.values()].filter((j) => j.config.enabled);
    if (!enabled.length) return 'No job is armed: every job is disabled in the config.';
    return `No job is armed: ${enabled.map((j) => j.definition.label).join(', ')} ${enabled.length === 1 ? 'has' : 'have'} no further run.`;
  }

  private detail(): string {
    if (!this.started) return 'Stopped.';
    const running = [...this.states.values()].filter((j) => j.active);
    const armed = this.armedJobs();
    const parts: string[] = [];
    if (running.length) parts.push(`Running ${running.map((j) => j.definition.label).join(', ')}`);
    if (!armed.length) parts.push(this.noneArmedReason());
    else {
      const next = armed.reduce((a, b) => ((b.nextRunAt ?? Infinity) < (a.nextRunAt ?? Infinity) ? b : a));
      const when = next.nextRunAt === null ? '' : ` ${localHourMinute(next.nextRunAt, next.config.timezone)}`;
      parts.push(`${armed.length} job${armed.length === 1 ? '' : 's'} armed, next ${next.definition.label}${when}`);
    }
    return parts.join('; ');
  }

  private report(): void {
    this.host?.report({ jobs: this.jobs(), detail: this.detail() });
  }
}
