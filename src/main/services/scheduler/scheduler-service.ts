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
//
// Run records go through the database's write queue (in order, written at
// once when the database is writable), never straight at SQLite: another
// program's lock or a full disk makes a run wait to be claimed, shown on the
// job, instead of failing the scheduler with SQLite's words. A run that fails
// because the database or the disk could not be written is run again for the
// same slot by itself, as soon as writes work again (the database says so, or
// free space is back), not at its next slot; slots that come due meanwhile
// are caught up by the job's policy once it is done, as after a long run.
import path from 'node:path';
import { effectiveJobs, type Config, type JobConfig } from '../../../shared/config';
import { describeFieldErrors } from '../../../shared/field-errors';
import type { JobStatus } from '../../../shared/status';
import { systemClock, type Clock } from '../../core/clock';
import { FileWriteError } from '../../core/atomic-write';
import { backoffDelay } from '../../core/backoff';
import { DisposableStore, toDisposable, type Disposable } from '../../core/disposable';
import { freeBytes, SPACE_BACK_BYTES } from '../../core/free-space';
import { silentLogger, type Logger } from '../../core/logger';
import { errorMessage, ServiceError, type HealthProbe, type Service, type ServiceHost } from '../../core/service';
import { DatabaseError, isBusy, type EncoreDatabase } from '../../db/database';
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
/** How often a job waiting to run again checks whether it can (one statfs, or a look at the database's state). */
const BLOCKED_CHECK_MS = 2_000;
/**
 * Between retries of a job that keeps failing although the check said go
 * (a quota statfs cannot see, a lock that comes back): the first retry goes
 * at once, later ones back off to 5 minutes.
 */
const BLOCKED_RETRY_BACKOFF = { initialMs: 2_000, maxMs: 300_000, jitter: 0 };

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

/** What keeps a failed run from working now, and so what its retry waits for. */
interface Blocker {
  kind: 'database' | 'disk';
  /** The folder whose disk is full (kind 'disk'). */
  dir: string | null;
  /** For the job's last run: what happened and what to do. */
  message: string;
}

/** A run that failed for a lock or a full disk, to be run again for the same slot. */
interface PendingRetry {
  runId: number;
  scheduledFor: number | null;
  blocker: Blocker;
  /** Blocked failures in a row. */
  failures: number;
  failedAt: number;
  check: Disposable | null;
}

/** A run waiting for its row (the database may be locked or full). */
interface Claim {
  cancelled: boolean;
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
  claiming: Claim | null;
  retry: PendingRetry | null;
  lastRun: JobRun | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class SchedulerService implements Service {
  readonly id = 'scheduler' as const;
  readonly role = 'worker' as const;
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
      // Queued like every run record: ahead of the claims that follow it, so it never closes one of them.
      this.database
        .enqueue('close runs an earlier Encore left unfinished', () => this.runs.closeAbandoned(now, live))
        .then((abandoned) => abandoned && this.log.warn(`${abandoned} run(s) were left unfinished by an earlier Encore; recorded as failed`))
        .catch((error: unknown) => this.log.error('could not close the runs an earlier Encore left unfinished', error));
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
    const session = new DisposableStore();
    this.session = session;
    this.host = host;
    this.started = true;
    // Writes work again: runs that failed for a lock or a full database go now; the jobs' states change.
    session.add(
      toDisposable(
        this.database.onDidChangeTrouble((trouble) => {
          if (!trouble) for (const job of this.states.values()) if (job.retry?.blocker.kind === 'database') this.retryIfReady(job, true);
          this.report();
        }),
      ),
    );
    // A retry that waited through a sleep or a stop: at once if it can, else when it can.
    for (const job of this.states.values()) if (job.retry && !this.retryIfReady(job, false)) this.watchRetry(job);
    for (const job of this.states.values()) this.tick(job);
    this.report();
  }

  private get database(): EncoreDatabase {
    return this.options.database;
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
      waiting: this.waitingFor(job),
    }));
  }

  /** What a job waits for before it runs (again) by itself, for a person; null when nothing. */
  private waitingFor(job: JobState): string | null {
    if (job.claiming) {
      const trouble = this.database.trouble;
      return trouble ? `Waiting to start: the database is ${trouble.kind === 'locked' ? 'locked by another program' : 'on a full disk'}; it starts by itself as soon as Encore can write again.` : null;
    }
    const retry = job.retry;
    // A retry that runs waits for nothing.
    if (!retry || job.active) return null;
    return retry.blocker.kind === 'database'
      ? 'Runs again by itself as soon as the database can be written.'
      : `Runs again by itself once there is room on the disk holding ${retry.blocker.dir}.`;
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
    if (job.active || job.claiming) throw new JobRunError(`${job.definition.label} is already running.`, 'busy');
    // Run now stands in for a retry that waits: it does the same work.
    this.dropRetry(job);
    const result = await this.begin(job, null, { manual: true });
    if (!result) throw new JobRunError(`${job.definition.label} could not be started (Encore is asleep or restoring); try again in a moment.`, 'not-running');
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
      if (problem) throw new ServiceError(`${describeFieldErrors([problem])}. Fix it in config.json, then restart Encore.`, { retryable: false });
      const schedule = new JobSchedule(jobConfig.schedule, jobConfig.timezone);
      seen.add(id);
      const existing = this.states.get(id);
      // Updated in place: a run still settling holds on to this object.
      if (existing) Object.assign(existing, { definition, config: jobConfig, schedule });
      else this.states.set(id, { id, definition, config: jobConfig, schedule, timer: null, nextRunAt: null, handledThrough: null, active: null, claiming: null, retry: null, lastRun: null });
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
      if (job.claiming) this.cancelClaim(job);
      // A retry that waits goes on waiting; its check is armed again by the next start.
      if (job.retry) job.retry.check = null;
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
    // One run at a time: when it ends (or its retry does), tick() comes back here.
    if (job.active || job.claiming || job.retry) return this.arm(job);
    const now = this.clock.now();
    const plan = planCatchUp({
      now,
      handledThrough: job.handledThrough,
      graceMs: job.config.graceMs,
      missedPolicy: job.config.missedPolicy,
      nextAfter: (ms) => job.schedule.nextAfter(ms),
    });
    for (const note of plan.notes) this.log.info(`${job.id}: ${note}`);
    for (const slot of plan.notRun) this.recordNotRun(job, slot.slot, slot.outcome, now, slot.error);
    if (plan.notRun.length) job.lastRun = this.runs.lastRun(job.id);
    if (plan.run) {
      this.begin(job, plan.run.slot, { missed: plan.run.missed, coalesced: plan.run.coalesced });
      return;
    }
    if (plan.handledThrough !== null) job.handledThrough = plan.handledThrough;
    this.arm(job, plan.continueNow);
  }

  /** A slot not run (missed, skipped), queued with the other run records. */
  private recordNotRun(job: JobState, slot: number, verdict: 'missed' | 'skipped', at: number, note: string | null): void {
    this.database
      .enqueue(`${job.id}: record a ${verdict} run`, () => this.runs.recordNotRun(job.id, slot, verdict, at, note))
      .catch((error: unknown) => this.log.error(`${job.id}: could not record the ${verdict} run for ${iso(slot)}`, error));
  }

  /**
   * Claims the slot (a row in job_runs, through the write queue: at once when
   * the database is writable, else as soon as it is), then runs the job.
   * Resolves with the outcome, or null when it did not run (the slot was
   * already recorded, or the scheduler stopped while the claim waited).
   */
  private begin(job: JobState, scheduledFor: number | null, flags: { missed?: boolean; coalesced?: boolean; manual?: boolean }): Promise<JobRunResult | null> | null {
    const session = this.session;
    if (!session) return null;
    const startedAt = this.clock.now();
    const handledBefore = job.handledThrough;
    if (scheduledFor !== null) job.handledThrough = Math.max(job.handledThrough ?? scheduledFor, scheduledFor);
    const run = { jobId: job.id, scheduledFor, startedAt, ...flags };
    return this.claim(job, session, () => this.runs.begin(run), () => (job.handledThrough = handledBefore)).then((runId) => {
      if (runId === undefined) return null;
      if (runId === null) {
        // The unique (job, slot) index: this slot already ran (another process, or a race).
        this.log.info(`${job.id}: the run for ${iso(scheduledFor)} is already recorded; not running it again`);
        this.arm(job, true);
        return null;
      }
      job.lastRun = { id: runId, jobId: job.id, scheduledFor, startedAt, finishedAt: null, outcome: 'running', error: null, missed: !!flags.missed, coalesced: !!flags.coalesced, manual: !!flags.manual };
      this.log.info(`${job.id}: started${flags.manual ? ' (run now)' : ''}${scheduledFor !== null ? ` for ${iso(scheduledFor)}` : ''}`);
      return this.run(job, session, runId, scheduledFor, startedAt);
    });
  }

  /**
   * Writes a run's claim through the queue. Resolves with what `write`
   * returned, or undefined when the claim was given up (stop, sleep, or a
   * write error that is not a lock or a full disk: logged, the scheduler fails).
   */
  private claim<T>(job: JobState, session: DisposableStore, write: () => T, giveUp: () => void): Promise<T | undefined> {
    const claim: Claim = { cancelled: false };
    job.claiming = claim;
    const queued = this.database.enqueue(`${job.id}: claim its run`, () => (claim.cancelled ? undefined : write()));
    // Waiting behind a lock or a full disk: the job says so meanwhile.
    if (job.claiming === claim && this.database.trouble) {
      this.log.warn(`${job.id}: waiting to record its start (${this.database.trouble.message})`);
      this.report();
    }
    return queued.then(
      (result) => {
        if (job.claiming === claim) job.claiming = null;
        if (!claim.cancelled && this.session === session) return result;
        // Stopped between the write and now: a claimed row is closed like an interrupted run.
        if (typeof result === 'number') {
          this.database
            .enqueue(`${job.id}: close an interrupted run`, () => this.runs.finish(result, 'failed', `${job.definition.label} interrupted: the scheduler stopped.`, this.clock.now()))
            .catch((error: unknown) => this.log.error(`${job.id}: could not close run ${result}`, error));
        } else giveUp();
        return undefined;
      },
      (error: unknown) => {
        if (job.claiming === claim) job.claiming = null;
        giveUp();
        this.log.error(`${job.id}: could not record its start`, error);
        this.host?.fail(new ServiceError(`The scheduler could not record ${job.definition.label}: ${errorMessage(error)}`, { cause: error }));
        return undefined;
      },
    );
  }

  private cancelClaim(job: JobState): void {
    if (job.claiming) job.claiming.cancelled = true;
    job.claiming = null;
  }

  /** Runs the job for a claimed row; resolves with its recorded outcome. */
  private run(job: JobState, session: DisposableStore, runId: number, scheduledFor: number | null, startedAt: number): Promise<JobRunResult> {
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
    // The next slot stays armed while this one runs: the job reads as armed,
    // and a slot that comes due meanwhile is handled when this run ends.
    this.arm(job);
    this.report();

    const ctx: JobContext = {
      jobId: job.id,
      signal: active.controller.signal,
      clock: this.clock,
      logger: this.log.scope(`job:${job.id}`),
      database: this.database,
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
      let blocker: Blocker | null = null;
      try {
        const r = await job.definition.run(ctx);
        if (r && 'skipped' in r) {
          outcome = 'skipped';
          error = r.skipped;
        }
      } catch (e) {
        outcome = 'failed';
        blocker = active.recorded ? null : this.blockerOf(job, e);
        error = blocker ? blocker.message : errorMessage(e);
      }
      if (active.recorded) this.log.info(`${job.id}: the aborted run ended only now (${outcome}${error ? `: ${error}` : ''})`);
      else {
        this.record(job, active, outcome, error);
        if (blocker) this.awaitRetry(job, active, blocker);
        else this.dropRetry(job);
      }
      if (job.active === active) job.active = null;
      // Writes may work again already (the outcome was just written): then the retry goes at once.
      if (blocker && job.retry?.runId === runId && !this.retryIfReady(job, false)) this.watchRetry(job);
      this.report();
      this.tick(job);
    })().catch((error: unknown) => this.log.error(`${job.id}: bookkeeping after the run failed`, error));
    return result;
  }

  /**
   * Whether a failure came from the database (locked, full) or a full disk
   * under one of the job's files: worth running again by itself once that is
   * over. The message says what happened and what to do.
   */
  private blockerOf(job: JobState, error: unknown): Blocker | null {
    for (let e: unknown = error, i = 0; e && i < 5; i++, e = (e as { cause?: unknown }).cause) {
      if (e instanceof FileWriteError) {
        if (!e.diskFull) return null;
        const dir = path.dirname(e.file);
        return {
          kind: 'disk',
          dir,
          message: `Could not write ${e.file}: the disk is full (${e.code ?? 'ENOSPC'}). Free some space on it; Encore runs ${job.definition.label} again by itself once there is room.`,
        };
      }
      const code = (e as { code?: unknown }).code;
      if ((code === 'ENOSPC' || code === 'EDQUOT') && !(e instanceof DatabaseError)) {
        // A file written some other way: the disk under it (or under the data folder) is full, not the database.
        const file = (e as { path?: unknown }).path;
        const dir = typeof file === 'string' ? path.dirname(file) : this.options.dataDir;
        return { kind: 'disk', dir, message: `${job.definition.label} could not write to ${dir}: the disk is full (${code}). Free some space on it; Encore runs it again by itself once there is room.` };
      }
      if (isBusy(e) || code === 'SQLITE_FULL' || (e instanceof DatabaseError && (e.kind === 'locked' || e.kind === 'full'))) {
        // The database's own words (what to do included), and its waiting state until writes work again.
        const noted = this.database.noteWriteFailure(e);
        return { kind: 'database', dir: null, message: `${job.definition.label} could not write to the database: ${errorMessage(noted)}` };
      }
    }
    return null;
  }

  private awaitRetry(job: JobState, active: ActiveRun, blocker: Blocker): void {
    const failures = job.retry?.runId === active.runId ? job.retry.failures + 1 : 1;
    this.dropRetry(job);
    job.retry = { runId: active.runId, scheduledFor: active.scheduledFor, blocker, failures, failedAt: this.clock.now(), check: null };
    this.log.warn(`${job.id}: waits to run again (${blocker.kind === 'database' ? 'the database cannot be written' : `the disk holding ${blocker.dir} is full`}; ${failures} time(s) in a row)`);
  }

  private dropRetry(job: JobState): void {
    if (job.retry?.check) this.session?.delete(job.retry.check);
    job.retry = null;
  }

  /** Checks every BLOCKED_CHECK_MS whether the retry can go (the database also says so at once when its trouble clears). */
  private watchRetry(job: JobState): void {
    const retry = job.retry;
    const session = this.session;
    if (!retry || !session || !this.started) return;
    if (retry.check) session.delete(retry.check);
    const check: Disposable = session.add(
      this.clock.setTimeout(() => {
        session.delete(check);
        if (retry.check !== check) return;
        retry.check = null;
        if (!this.retryIfReady(job, false)) this.watchRetry(job);
      }, BLOCKED_CHECK_MS),
    );
    retry.check = check;
  }

  /** Runs the retry when what blocked it is over; `evidence`: the database just said writes work. */
  private retryIfReady(job: JobState, evidence: boolean): boolean {
    const retry = job.retry;
    if (!retry || !this.started || job.active || job.claiming) return false;
    const ready =
      retry.blocker.kind === 'database'
        ? this.database.isOpen && !this.database.trouble
        : (freeBytes(retry.blocker.dir!) ?? 0) >= SPACE_BACK_BYTES;
    if (!ready) return false;
    // The first retry goes at once; one that failed again although this said go waits longer each time.
    const wait = retry.failures > 1 ? backoffDelay(retry.failures - 1, BLOCKED_RETRY_BACKOFF) : 0;
    if (this.clock.now() - retry.failedAt < wait) return false;
    const session = this.session!;
    if (retry.check) session.delete(retry.check);
    retry.check = null;
    const startedAt = this.clock.now();
    this.log.info(`${job.id}: ${evidence ? 'the database is writable again' : retry.blocker.kind === 'database' ? 'the database looks writable' : 'there is room on the disk again'}; running it again`);
    void this.claim(job, session, () => this.runs.retry(retry.runId, startedAt), () => undefined).then((reopened) => {
      if (reopened === undefined) return;
      if (!reopened) {
        // Its row is no longer a failure (closed by another process, pruned): nothing to retry.
        if (job.retry === retry) this.dropRetry(job);
        this.tick(job);
        return;
      }
      if (job.lastRun?.id === retry.runId) job.lastRun = { ...job.lastRun, startedAt, finishedAt: null, outcome: 'running', error: null };
      this.run(job, session, retry.runId, retry.scheduledFor, startedAt);
    });
    return true;
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
    // A retry that timed out is over (its outcome says why); one stopped by
    // sleep or a stop stays pending, and goes again after the next start.
    if (outcome === 'timeout' && job.retry?.runId === active.runId) this.dropRetry(job);
    this.report();
  }

  private record(job: JobState, active: ActiveRun, outcome: JobRunResult['outcome'], error: string | null): void {
    if (active.recorded) return;
    active.recorded = true;
    active.owner.delete(active.timeout);
    const finishedAt = this.clock.now();
    // Queued: written now, or as soon as the database can be written (kept across a reopen).
    this.database
      .enqueue(`${job.id}: record its outcome`, () => this.runs.finish(active.runId, outcome, error, finishedAt))
      // Left 'running' in the table; the next start closes it as abandoned.
      .catch((e: unknown) => this.log.error(`${job.id}: could not record the outcome (${outcome})`, e));
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
    const waiting = [...this.states.values()].filter((j) => this.waitingFor(j) !== null);
    if (waiting.length) parts.push(`${waiting.map((j) => j.definition.label).join(', ')} waiting to run (${waiting.map((j) => this.waitingFor(j)).join(' ')})`);
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
