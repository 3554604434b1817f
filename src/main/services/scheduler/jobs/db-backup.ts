// Online backup with better-sqlite3 (SQLite's backup API: consistent while the
// app keeps writing), verified before it counts, then pruned to the last N.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { writeViaTempFile } from '../../../core/atomic-write';
import type { JobContext, JobResult } from '../job';

const BACKUP_NAME = /^encore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z(?:-\d+)?\.db$/;

export function backupDir(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

/** Backups in the folder, oldest first (names carry a sortable UTC timestamp). */
export function listBackups(dataDir: string): string[] {
  const dir = backupDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Opens the copy on its own connection: it must be a database that passes quick_check. */
export function verifyBackup(file: string, nativeBinding?: string): void {
  const copy = new BetterSqlite3(file, { readonly: true, fileMustExist: true, nativeBinding });
  try {
    const problems = (copy.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length) throw new Error(`the backup failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
    const tables = copy.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('plays', 'job_runs')").pluck().get() as number;
    if (tables !== 2) throw new Error('the backup does not contain the Encore tables');
  } finally {
    copy.close();
  }
}

export async function dbBackup(ctx: JobContext): Promise<JobResult> {
  const dir = backupDir(ctx.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-');
  let file = path.join(dir, `encore-${stamp}.db`);
  for (let n = 1; fs.existsSync(file); n++) file = path.join(dir, `encore-${stamp}-${n}.db`);
  // Written under a name the pruning ignores, renamed only once verified:
  // a half-written or damaged copy never counts as one of the N kept, and
  // neither it nor the -wal/-shm its check made is left behind.
  await writeViaTempFile(file, async (partial) => {
    await ctx.database.raw.backup(partial, {
      progress: () => {
        ctx.signal.throwIfAborted();
        return 100;
      },
    });
    ctx.signal.throwIfAborted();
    verifyBackup(partial, ctx.database.options.nativeBinding);
  });

  const keep = ctx.config.backups.keep;
  const all = listBackups(ctx.dataDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    for (const f of [old, `${old}-wal`, `${old}-shm`]) fs.rmSync(f, { force: true });
  }
  ctx.logger.info(`backup written to ${file}; keeping the last ${keep}`);
}
