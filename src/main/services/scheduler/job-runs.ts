// Run history in job_runs. One row per slot (the unique (job_id, scheduled_for)
// index is what makes "never twice for one slot" hold across restarts), plus
// rows with a null slot for "Run now".
//
// Flags: missed = the slot's time passed while the job was not armed (asleep,
// quit, or still busy with its previous run), whether or not it ran later;
// coalesced = this run stood in for missed slots under the `coalesce` policy;
// manual = "Run now".
import type { EncoreDatabase } from '../../db/database';
import type { JobRunsTable } from '../../db/schema';

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

const COLUMNS = 'id, job_id, scheduled_for, started_at, finished_at, outcome, error, missed, coalesced, manual';

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

// Statements are prepared per call: these run a few times an hour, and the
// database may have been reopened (new handle) since the last call.
export class JobRunStore {
  constructor(private readonly database: EncoreDatabase) {}

  /** The newest slot recorded for a job (run, missed or skipped): catch-up starts after it. */
  lastSlot(jobId: string): number | null {
    return (this.database.raw.prepare('SELECT max(scheduled_for) FROM job_runs WHERE job_id = ?').pluck().get(jobId) as number | null) ?? null;
  }

  /** Claims the slot and records the start; null when the slot already has a row. */
  begin(run: RunStart): number | null {
    const id = this.database.raw
      .prepare(
        `INSERT INTO job_runs (job_id, scheduled_for, started_at, outcome, missed, coalesced, manual)
         VALUES (?, ?, ?, 'running', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
      )
      .pluck()
      .get(run.jobId, run.scheduledFor, run.startedAt, run.missed ? 1 : 0, run.coalesced ? 1 : 0, run.manual ? 1 : 0) as number | undefined;
    return id ?? null;
  }

  finish(id: number, outcome: Exclude<RunOutcome, 'running'>, error: string | null, finishedAt: number): void {
    const raw = this.database.raw;
    raw.transaction(() => {
      raw.prepare("UPDATE job_runs SET outcome = ?, error = ?, finished_at = ? WHERE id = ? AND outcome = 'running'").run(outcome, error, finishedAt, id);
      // A run that had nothing to do is not history: only the job's latest
      // such row stays, as what the window shows last and as the claim on its
      // slot (catch-up starts after a job's newest slot).
      if (outcome === 'skipped') raw.prepare("DELETE FROM job_runs WHERE job_id = (SELECT job_id FROM job_runs WHERE id = ?) AND outcome = 'skipped' AND missed = 0 AND id <> ?").run(id, id);
    })();
  }

  /**
   * Keeps the rows of the last `days` days or the last `maxRows` rows,
   * whichever is fewer; never a running row, nor a job's newest row or the
   * row of its newest slot. Returns how many rows went.
   */
  prune(now: number, retention: { days: number; maxRows: number }): number {
    const raw = this.database.raw;
    // The newest slot of each job is what catch-up starts after; the newest row is the job's "last run".
    const keep =
      "outcome = 'running' OR id IN (SELECT max(id) FROM job_runs GROUP BY job_id) OR (job_id, scheduled_for) IN (SELECT job_id, max(scheduled_for) FROM job_runs GROUP BY job_id)";
    const cutoff = now - retention.days * 86_400_000;
    return raw.transaction(() => {
      const old = raw.prepare(`DELETE FROM job_runs WHERE started_at < ? AND NOT (${keep})`).run(cutoff).changes;
      const excess = raw.prepare(`DELETE FROM job_runs WHERE id NOT IN (SELECT id FROM job_runs ORDER BY started_at DESC, id DESC LIMIT ?) AND NOT (${keep})`).run(retention.maxRows).changes;
      return old + excess;
    })();
  }

  /**
   * A run that failed because the database or the disk could not be written
   * is run again for the same slot: its row becomes the retry's (one row per
   * slot, showing how it finally went). False when the row is not a failure.
   */
  retry(id: number, startedAt: number): boolean {
    return (
      this.database.raw.prepare("UPDATE job_runs SET outcome = 'running', started_at = ?, finished_at = NULL, error = NULL WHERE id = ? AND outcome = 'failed'").run(startedAt, id)
        .changes === 1
    );
  }

  /** A slot that was not run (missed or skipped by policy); a slot that already has a row is left alone. */
  recordNotRun(jobId: string, scheduledFor: number, outcome: 'missed' | 'skipped', at: number, note: string | null): void {
    this.database.raw
      .prepare(
        `INSERT INTO job_runs (job_id, scheduled_for, started_at, finished_at, outcome, error, missed)
         VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`,
      )
      .run(jobId, scheduledFor, at, at, outcome, note);
  }

  /**
   * Rows still 'running' that no live run owns: Encore quit or crashed mid-run.
   * They are closed as failed so the history does not show them running forever.
   */
  closeAbandoned(at: number, liveIds: readonly number[]): number {
    const keep = liveIds.length ? `AND id NOT IN (${liveIds.map(() => '?').join(',')})` : '';
    return this.database.raw
      .prepare(`UPDATE job_runs SET outcome = 'failed', error = ?, finished_at = ? WHERE outcome = 'running' ${keep}`)
      .run('Encore stopped while this job was running.', at, ...liveIds).changes;
  }

  lastRun(jobId: string): JobRun | null {
    const row = this.database.raw.prepare(`SELECT ${COLUMNS} FROM job_runs WHERE job_id = ? ORDER BY id DESC LIMIT 1`).get(jobId) as Row | undefined;
    return row ? toRun(row) : null;
  }

  /** Newest first; one job or all. */
  recent(limit: number, jobId?: string): JobRun[] {
    const rows = (
      jobId === undefined
        ? this.database.raw.prepare(`SELECT ${COLUMNS} FROM job_runs ORDER BY id DESC LIMIT ?`).all(limit)
        : this.database.raw.prepare(`SELECT ${COLUMNS} FROM job_runs WHERE job_id = ? ORDER BY id DESC LIMIT ?`).all(jobId, limit)
    ) as Row[];
    return rows.map(toRun);
  }

  get(id: number): JobRun | null {
    const row = this.database.raw.prepare(`SELECT ${COLUMNS} FROM job_runs WHERE id = ?`).get(id) as Row | undefined;
    return row ? toRun(row) : null;
  }
}
