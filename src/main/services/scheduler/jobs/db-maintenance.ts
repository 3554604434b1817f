// Weekly upkeep: refresh the query planner's statistics and fold the WAL back
// into the database file so it does not grow without bound.
import type { JobContext, JobResult } from '../job';

export async function dbMaintenance(ctx: JobContext): Promise<JobResult> {
  const raw = ctx.database.raw;
  ctx.signal.throwIfAborted();
  raw.pragma('optimize');
  ctx.signal.throwIfAborted();
  const [result] = raw.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  // busy: a reader held the WAL; the pages are still safe, the file just was not shrunk.
  if (result?.busy) ctx.logger.warn(`WAL checkpoint was blocked by a reader (${result.checkpointed}/${result.log} pages); will try again next time`);
  else ctx.logger.info('optimized; WAL checkpointed and truncated');
}
