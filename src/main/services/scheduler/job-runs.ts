// Run history in job_runs. One row per slot (the unique (job_id, scheduled_for)
// index is what makes "never twice for one slot" hold across restarts), plus
// rows with a null slot for "Run now".
//
// Flags: missed = the slot's time passed while the job was not armed (asleep,
// quit, or still busy with its previous run), whether or not it ran later;
// coalesced = this run stood in for missed slots under the `coalesce` policy;
// manual = "Run now".
import { sql, type ExpressionBuilder } from 'kysely';
import type { EncoreDatabase } from '../../db/database';
import type { Database, JobRunsTable } from '../../db/schema';

export type RunOutcome = JobRunsTable['outcome'];

export interface JobRun {
  id: number;
  jobId: string;
  scheduledFor: number | null;
  startedAt: number;
  finishedAt: number | null;
  outcome: RunOutcome;
  error: string | null;
  missed: boolean;
  coalesced: boolean;
  manual: boolean;
}

interface Row {
  id: number;
  job_id: string;
  scheduled_for: number | null;
  started_at: number;
  finished_at: number | null;
  outcome: RunOutcome;
  error: string | null;
  missed: number;
  coalesced: number;
  manual: number;
}

const toRun = (r: Row): JobRun => ({
  id: r.id,
  jobId: r.job_id,
  scheduledFor: r.scheduled_for,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  outcome: r.outcome,
  error: r.error,
  missed: r.missed === 1,
  coalesced: r.coalesced === 1,
  manual: r.manual === 1,
});

export interface RunStart {
  jobId: string;
  scheduledFor: number | null;
  startedAt: number;
  missed?: boolean;
  coalesced?: boolean;
  manual?: boolean;
}

// Typed queries (EncoreDatabase.all/first/run: compiled once, then a cached
// prepared statement). These run a few times an hour: no hot path here.
const RUN_COLUMNS = ['id', 'job_id', 'scheduled_for', 'started_at', 'finished_at', 'outcome', 'error', 'missed', 'coalesced', 'manual'] as const;

/**
 * Rows pruning never removes: a running row, a job's newest row (its "last
 * run") and the row of its newest slot (what catch-up starts after).
 */
function keptByPruning(eb: ExpressionBuilder<Database, 'job_runs'>) {
  return eb.or([
    eb('outcome', '=', 'running'),
    eb('id', 'in', eb.selectFrom('job_runs as k').select((k) => k.fn.max('k.id').as('id')).groupBy('k.job_id')),
    eb(sql`(job_id, scheduled_for)`, 'in', eb.selectFrom('job_runs as k').select(['k.job_id', (k) => k.fn.max('k.scheduled_for').as('slot')]).groupBy('k.job_id')),
  ]);
}

export class JobRunStore {
  constructor(private readonly database: EncoreDatabase) {}

  private get q() {
    return this.database.db;
  }

  /** The newest slot recorded for a job (run, missed or skipped): catch-up starts after it. */
  lastSlot(jobId: string): number | null {
    const row = this.database.first(this.q.selectFrom('job_runs').select((eb) => eb.fn.max('scheduled_for').as('slot')).where('job_id', '=', jobId));
    return row?.slot ?? null;
  }

  /** Claims the slot and records the start; null when the slot already has a row. */
  begin(run: RunStart): number | null {
    const row = this.database.first(
      this.q
        .insertInto('job_runs')
        .values({
          job_id: run.jobId,
          scheduled_for: run.scheduledFor,
          started_at: run.startedAt,
          outcome: 'running',
          missed: run.missed ? 1 : 0,
          coalesced: run.coalesced ? 1 : 0,
          manual: run.manual ? 1 : 0,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id'),
    );
    return row?.id ?? null;
  }

  finish(id: number, outcome: Exclude<RunOutcome, 'running'>, error: string | null, finishedAt: number): void {
    const { database, q } = this;
    database.raw.transaction(() => {
      database.run(q.updateTable('job_runs').set({ outcome, error, finished_at: finishedAt }).where('id', '=', id).where('outcome', '=', 'running'));
      // A run that had nothing to do is not history: only the job's latest
      // such row stays, as what the window shows last and as the claim on its
      // slot (catch-up starts after a job's newest slot).
      if (outcome === 'skipped') {
        database.run(
          q
            .deleteFrom('job_runs')
            .where('job_id', '=', (eb) => eb.selectFrom('job_runs as r').select('r.job_id').where('r.id', '=', id))
            .where('outcome', '=', 'skipped')
            .where('missed', '=', 0)
            .where('id', '<>', id),
        );
      }
    })();
  }

  /**
   * Keeps the rows of the last `days` days or the last `maxRows` rows,
   * whichever is fewer; never a running row, nor a job's newest row or the
   * row of its newest slot. Returns how many rows went.
   */
  prune(now: number, retention: { days: number; maxRows: number }): number {
    const { database, q } = this;
    const cutoff = now - retention.days * 86_400_000;
    return database.raw.transaction(() => {
      const old = database.run(q.deleteFrom('job_runs').where('started_at', '<', cutoff).where((eb) => eb.not(keptByPruning(eb)))).changes;
      const newest = q.selectFrom('job_runs as n').select('n.id').orderBy('n.started_at', 'desc').orderBy('n.id', 'desc').limit(retention.maxRows);
      const excess = database.run(q.deleteFrom('job_runs').where('id', 'not in', newest).where((eb) => eb.not(keptByPruning(eb)))).changes;
      return old + excess;
    })();
  }

  /**
   * A run that failed because the database or the disk could not be written
   * is run again for the same slot: its row becomes the retry's (one row per
   * slot, showing how it finally went). False when the row is not a failure.
   */
  retry(id: number, startedAt: number): boolean {
    const update = this.q.updateTable('job_runs').set({ outcome: 'running', started_at: startedAt, finished_at: null, error: null }).where('id', '=', id).where('outcome', '=', 'failed');
    return this.database.run(update).changes === 1;
  }

  /** A slot that was not run (missed or skipped by policy); a slot that already has a row is left alone. */
  recordNotRun(jobId: string, scheduledFor: number, outcome: 'missed' | 'skipped', at: number, note: string | null): void {
    this.database.run(
      this.q
        .insertInto('job_runs')
        .values({ job_id: jobId, scheduled_for: scheduledFor, started_at: at, finished_at: at, outcome, error: note, missed: 1, coalesced: 0, manual: 0 })
        .onConflict((oc) => oc.doNothing()),
    );
  }

  /**
   * Rows still 'running' that no live run owns: Encore quit or crashed mid-run.
   * They are closed as failed so the history does not show them running forever.
   */
  closeAbandoned(at: number, liveIds: readonly number[]): number {
    let update = this.q.updateTable('job_runs').set({ outcome: 'failed', error: 'Encore stopped while this job was running.', finished_at: at }).where('outcome', '=', 'running');
    if (liveIds.length) update = update.where('id', 'not in', [...liveIds]);
    return this.database.run(update).changes;
  }

  lastRun(jobId: string): JobRun | null {
    const row = this.database.first(this.q.selectFrom('job_runs').select(RUN_COLUMNS).where('job_id', '=', jobId).orderBy('id', 'desc').limit(1));
    return row ? toRun(row as Row) : null;
  }

  /** Newest first; one job or all. */
  recent(limit: number, jobId?: string): JobRun[] {
    let query = this.q.selectFrom('job_runs').select(RUN_COLUMNS).orderBy('id', 'desc').limit(limit);
    if (jobId !== undefined) query = query.where('job_id', '=', jobId);
    return this.database.all(query).map((r) => toRun(r as Row));
  }

  get(id: number): JobRun | null {
    const row = this.database.first(this.q.selectFrom('job_runs').select(RUN_COLUMNS).where('id', '=', id));
    return row ? toRun(row as Row) : null;
  }
}
