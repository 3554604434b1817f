// A scheduler on a ManualClock with an in-memory database, fake jobs and a host
// that keeps every report.
import { ConfigSchema, type ConfigInput } from '../../src/shared/config';
import { ManualClock } from '../../src/main/core/clock';
import { MemoryLogger } from '../../src/main/core/logger';
import type { ServiceHost, ServiceReport } from '../../src/main/core/service';
import { EncoreDatabase } from '../../src/main/db/database';
import type { JobContext, JobRegistry, JobResult } from '../../src/main/services/scheduler/job';
import { JobRunStore, type JobRun } from '../../src/main/services/scheduler/job-runs';
import { SchedulerService } from '../../src/main/services/scheduler/scheduler-service';

export class RecordingHost implements ServiceHost {
  reports: ServiceReport[] = [];
  failures: Error[] = [];
  fatals: Error[] = [];
  report(report: ServiceReport) {
    this.reports.push(report);
  }
  fail(error: Error) {
    this.failures.push(error);
  }
  fatal(error: Error) {
    this.fatals.push(error);
  }
  get lastJobs() {
    return [...this.reports].reverse().find((r) => r.jobs)?.jobs;
  }
  get lastDetail() {
    return [...this.reports].reverse().find((r) => r.detail)?.detail;
  }
}

type Behaviour = 'ok' | 'throw' | 'hang' | 'hang-until-abort' | 'manual';

/** A job whose every invocation is counted; 'manual' runs wait for finish(). */
export class FakeJob {
  calls: Array<{ scheduledFor: number | null; at: number; signal: AbortSignal }> = [];
  running = 0;
  maxConcurrent = 0;
  private pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(
    public behaviour: Behaviour = 'ok',
    private readonly clock: ManualClock,
  ) {}

  run = async (ctx: JobContext): Promise<JobResult> => {
    this.calls.push({ scheduledFor: ctx.scheduledFor, at: this.clock.now(), signal: ctx.signal });
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      switch (this.behaviour) {
        case 'ok':
          return;
        case 'throw':
          throw new Error('disk full');
        case 'hang':
          // Ignores its signal: only finish() ends it.
          return await new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
        case 'hang-until-abort':
          return await new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
        case 'manual':
          return await new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
      }
    } finally {
      this.running--;
    }
  };

  /** Ends the oldest pending run. */
  finish(error?: Error): void {
    const p = this.pending.shift();
    if (!p) throw new Error('no pending run');
    if (error) p.reject(error);
    else p.resolve();
  }

  get slots(): Array<number | null> {
    return this.calls.map((c) => c.scheduledFor);
  }
}

/**
 * Lets every promise chain that waits on nothing else run to its end: Node
 * drains the whole microtask queue, including what those callbacks queue,
 * before the next macrotask, so one setImmediate is enough (no counting of
 * microtask turns). What waits on a timer needs the clock moved; what waits on
 * I/O is awaited by the test itself.
 */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface HarnessOptions {
  start?: number;
  jobs?: ConfigInput['jobs'];
  behaviours?: Record<string, Behaviour>;
  database?: EncoreDatabase;
  clock?: ManualClock;
}

export async function harness(options: HarnessOptions = {}) {
  const clock = options.clock ?? new ManualClock(options.start ?? Date.UTC(2026, 0, 1, 12, 10));
  const database = options.database ?? new EncoreDatabase({ file: ':memory:', clock });
  if (!database.isOpen) await database.open();
  const jobsConfig = options.jobs ?? { tick: { schedule: '0 * * * *' } };
  // Jobs default to the machine's zone; these tests speak UTC unless they name one.
  let config = ConfigSchema.parse({ jobs: Object.fromEntries(Object.entries(jobsConfig).map(([id, job]) => [id, { timezone: 'UTC', ...job }])) });
  const fakes: Record<string, FakeJob> = {};
  const registry: Record<string, JobRegistry[string]> = {};
  for (const id of Object.keys(jobsConfig)) {
    const fake = new FakeJob(options.behaviours?.[id] ?? 'ok', clock);
    fakes[id] = fake;
    registry[id] = { label: `Job ${id}`, run: fake.run };
  }
  const logger = new MemoryLogger();
  const scheduler = new SchedulerService({ database, dataDir: '/nonexistent', config: () => config, clock, logger, jobs: registry });
  const runs = new JobRunStore(database);
  let host = new RecordingHost();

  const h = {
    clock,
    database,
    scheduler,
    fakes,
    logger,
    runs,
    get host() {
      return host;
    },
    setConfig(input: ConfigInput) {
      config = ConfigSchema.parse(input);
    },
    async start() {
      host = new RecordingHost();
      await scheduler.start(new AbortController().signal, host);
      await flush();
      return host;
    },
    /** What the supervisor does on suspend. */
    async suspend() {
      await scheduler.prepareForSleep();
      await scheduler.stop();
    },
    async advance(ms: number, step = 60_000) {
      await clock.advanceAsync(ms, step);
      await flush();
    },
    history(jobId = 'tick'): JobRun[] {
      return runs.recent(1000, jobId).reverse();
    },
  };
  await h.start();
  return h;
}

export const utc = (iso: string) => Date.parse(iso);
