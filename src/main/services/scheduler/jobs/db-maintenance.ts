// Weekly upkeep: prune what would otherwise grow for ever (the power journal
// and job runs, per `retention` in the config), refresh the query planner's
// statistics, and fold the WAL back into the database file so it does not
// grow without bound.
import { StateStore } from '../../../db/state';
import type { JobContext, JobResult } from '../job';
import { JobRunStore } from '../job-runs';

export async function dbMaintenance(ctx: JobContext): Promise<JobResult> {
  const raw = ctx.database.raw;
  const now = ctx.clock.now();
  const { retention } = ctx.config;
  ctx.signal.throwIfAborted();
  const journal = new StateStore(ctx.database).pruneJournal(now, retention);
  const runs = new JobRunStore(ctx.database).prune(now, retention);
  ctx.logger.info(`pruned ${journal} journal entr${journal === 1 ? 'y' : 'ies'} and ${runs} job run(s) (keeping ${retention.days} days, at most ${retention.maxRows} rows each)`);
  ctx.signal.throwIfAborted();
  raw.pragma('optimize');
  ctx.signal.throwIfAborted();
  const [result] = raw.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  // busy: a reader held the WAL; the pages are still safe, the file just was not shrunk.
  if (result?.busy) ctx.logger.warn(`WAL checkpoint was blocked by a reader (${result.checkpointed}/${result.log} pages); will try again next time`);
  else ctx.logger.info('optimized; WAL checkpointed and truncated');
}
