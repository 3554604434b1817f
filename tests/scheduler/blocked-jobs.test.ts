// A job and its run records when the database is locked by another program or
// a disk is full: the job says so (with what to do), the scheduler does not
// fail with SQLite's words, and the run happens by itself as soon as writes
// work again, for the same slot, not at the next one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../src/shared/config';
import { ManualClock } from '../../src/main/core/clock';
import { MemoryLogger } from '../../src/main/core/logger';
import { EncoreDatabase } from '../../src/main/db/database';
import { PlayStore } from '../../src/main/db/plays';
import { JobRunStore } from '../../src/main/services/scheduler/job-runs';
import { builtinJobs } from '../../src/main/services/scheduler/jobs';
import { SchedulerService } from '../../src/main/services/scheduler/scheduler-service';
import { holdWriteLock, type LockHolder } from '../support/lock-holder';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';
import { RecordingHost } from '../support/recording-host';
import { flush, harness, utc } from './harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-blocked-jobs-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A database file of its own at 12:10 on a manual clock, open, closed after the test. */
async function openDatabase() {
  const file = path.join(tempDir(), 'encore.db');
  const clock = new ManualClock(utc('2026-01-01T12:10:00Z'));
  const database = new EncoreDatabase({ file, clock });
  await database.open();
  cleanups.push(() => database.dispose());
  return { file, clock, database };
}

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('a job while the database is locked', () => {
  it('waits to be claimed, shows why, and runs for its slot within a fraction of a second of the release', async () => {
    const { file, clock, database } = await openDatabase();
    const h = await harness({ clock, database });
    cleanups.push(() => h.suspend());
    let lock: LockHolder | null = await holdWriteLock(file);
    cleanups.push(() => lock?.release());

    await h.advance(50 * 60_000);
    expect(h.fakes.tick!.calls).toHaveLength(0);
    expect(database.trouble?.kind).toBe('locked');
    const job = h.host.lastJobs!.find((j) => j.id === 'tick')!;
    expect(job.waiting).toMatch(/^Waiting to start: the database is locked by another program; it starts by itself as soon as Encore can write again\.$/);
    expect(h.host.lastDetail).toMatch(/Job tick waiting to run/);
    // Not a scheduler failure with SQLite's message.
    expect(h.host.failures).toEqual([]);

    await lock.release();
    lock = null;
    await h.advance(300, 50);
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z')]);
    expect(h.history().map((r) => [r.scheduledFor, r.outcome])).toEqual([[utc('2026-01-01T13:00:00Z'), 'success']]);
    expect(h.scheduler.jobs()[0]!.waiting).toBeNull();
  });

  it('a run that failed for a lock is run again for the same slot as soon as the lock goes, not at the next slot', async () => {
    const { file, clock, database } = await openDatabase();
    const h = await harness({ clock, database, behaviours: { tick: 'manual' } });
    cleanups.push(() => h.suspend());
    await h.advance(50 * 60_000);
    expect(h.fakes.tick!.calls).toHaveLength(1);
    let lock: LockHolder | null = await holdWriteLock(file);
    cleanups.push(() => lock?.release());
    // What db-maintenance's pragmas or a page's own transaction meet: SQLite's raw error.
    h.fakes.tick!.finish(busy());
    await flush();

    const failed = h.scheduler.jobs()[0]!;
    expect(failed.lastRun).toMatchObject({ outcome: 'failed' });
    expect(failed.lastRun!.error).toBe(
      `Job tick could not write to the database: The database is locked by another program (database is locked): close the other copy of Encore or the tool that has ${file} open; Encore retries by itself.`,
    );
    expect(failed.waiting).toBe('Runs again by itself as soon as the database can be written.');
    expect(database.trouble?.kind).toBe('locked');
    await h.advance(10_000, 100);
    expect(h.fakes.tick!.calls).toHaveLength(1);

    await lock.release();
    lock = null;
    // The database's probe (every 200 ms) finds it writable: the job goes again at once.
    await h.advance(300, 50);
    expect(database.trouble).toBeNull();
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T13:00:00Z')]);
    expect(h.scheduler.jobs()[0]).toMatchObject({ running: true, waiting: null });
    h.fakes.tick!.finish();
    await flush();
    // One row for the slot, showing how it finally went.
    expect(h.history().map((r) => [r.scheduledFor, r.outcome, r.error])).toEqual([[utc('2026-01-01T13:00:00Z'), 'success', null]]);
    expect(h.scheduler.jobs()[0]).toMatchObject({ waiting: null, lastRun: { outcome: 'success' } });
    expect(h.host.failures).toEqual([]);
  });

  it('a run that failed for a lock already gone goes again at once', async () => {
    const h = await harness({ behaviours: { tick: 'manual' } });
    cleanups.push(() => h.suspend());
    await h.advance(50 * 60_000);
    h.fakes.tick!.finish(busy());
    await flush();
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T13:00:00Z')]);
    h.fakes.tick!.finish();
    await flush();
    expect(h.history().map((r) => r.outcome)).toEqual(['success']);
  });

  it('a run that keeps failing although writes work backs off between retries', async () => {
    const h = await harness({ behaviours: { tick: 'manual' } });
    cleanups.push(() => h.suspend());
    await h.advance(50 * 60_000);
    const fake = h.fakes.tick!;
    fake.finish(busy());
    await flush();
    // The first retry goes at once.
    expect(fake.calls).toHaveLength(2);
    fake.finish(busy());
    await flush();
    expect(fake.calls).toHaveLength(2);
    await h.advance(2_000, 500);
    expect(fake.calls).toHaveLength(3);
    fake.finish(busy());
    await flush();
    await h.advance(2_000, 500);
    expect(fake.calls).toHaveLength(3);
    await h.advance(2_000, 500);
    expect(fake.calls).toHaveLength(4);
    fake.finish();
    await flush();
    expect(h.history().map((r) => r.outcome)).toEqual(['success']);
    expect(fake.maxConcurrent).toBe(1);
  });

  it('a retry that waited through a sleep goes after the wake', async () => {
    const { file, clock, database } = await openDatabase();
    const h = await harness({ clock, database, behaviours: { tick: 'manual' } });
    await h.advance(50 * 60_000);
    const lock = await holdWriteLock(file);
    h.fakes.tick!.finish(busy());
    await flush();
    expect(h.scheduler.jobs()[0]!.waiting).toBe('Runs again by itself as soon as the database can be written.');
    await h.suspend();
    await lock.release();
    await h.advance(300, 50);
    expect(h.fakes.tick!.calls).toHaveLength(1);
    await h.start();
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T13:00:00Z')]);
    h.fakes.tick!.finish();
    await flush();
    expect(h.history().map((r) => [r.scheduledFor, r.outcome])).toEqual([[utc('2026-01-01T13:00:00Z'), 'success']]);
    await h.suspend();
  });

  it('a failure that is not the database is recorded as it was and not retried', async () => {
    const h = await harness({ behaviours: { tick: 'manual' } });
    cleanups.push(() => h.suspend());
    await h.advance(50 * 60_000);
    h.fakes.tick!.finish(new Error('the network is down'));
    await flush();
    expect(h.scheduler.jobs()[0]).toMatchObject({ waiting: null, lastRun: { outcome: 'failed', error: 'the network is down' } });
    await h.advance(10 * 60_000);
    expect(h.fakes.tick!.calls).toHaveLength(1);
  });
});

const disk = mountSmallDisk(16);
const noDisk = typeof disk === 'string' ? disk : null;
if (noDisk) console.log(`full-disk job tests skipped: ${noDisk}`);
afterAll(() => {
  if (typeof disk !== 'string') disk.unmount();
});

describe.skipIf(noDisk !== null)('a job whose files meet a full disk', () => {
  const small = disk as SmallDisk;
  afterEach(() => {
    small.free();
    for (const name of fs.readdirSync(small.dir)) fs.rmSync(path.join(small.dir, name), { recursive: true, force: true });
  });

  async function scheduler(jobId: 'daily-export' | 'db-backup', schedule: string, start: string) {
    const clock = new ManualClock(utc(start));
    // The database on another disk: only the job's own files meet the full one.
    const database = new EncoreDatabase({ file: path.join(tempDir(), 'encore.db'), clock });
    await database.open();
    cleanups.push(() => database.dispose());
    new PlayStore(database, () => clock.now()).ingest(
      Array.from({ length: 300 }, (_, i) => ({ artist: 'Björk', title: `Track ${i}`, album: 'Homogenic', lengthSeconds: 240, startedAt: utc('2026-11-01T00:00:00Z') + i * 240_000, secondsListened: 230, zone: 'Study', source: 'roon' as const })),
    );
    const config = ConfigSchema.parse({ jobs: { [jobId]: { schedule, timezone: 'UTC' } } });
    const dataDir = path.join(small.dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const service = new SchedulerService({ database, dataDir, config: () => config, clock, logger: new MemoryLogger(), jobs: { [jobId]: builtinJobs()[jobId]! } });
    const host = new RecordingHost();
    await service.start(new AbortController().signal, host);
    cleanups.push(() => service.stop());
    const runs = new JobRunStore(database);
    /** Moves the clock and lets the job's file work (synchronous inside) and its bookkeeping settle. */
    const advance = async (ms: number, step = 1_000) => {
      await clock.advanceAsync(ms, step);
      await flush();
    };
    return { clock, database, service, host, runs, dataDir, advance, job: () => service.jobs().find((j) => j.id === jobId)! };
  }

  it('a daily export: shown on the job with what to do, run again for its day once there is room', async () => {
    const s = await scheduler('daily-export', '55 23 * * *', '2026-11-01T23:50:00Z');
    small.fill();
    await s.advance(5 * 60_000, 60_000);
    const failed = s.job();
    expect(failed.lastRun).toMatchObject({ outcome: 'failed', scheduledFor: '2026-11-01T23:55:00.000Z' });
    expect(failed.lastRun!.error).toMatch(/^Could not write .*exports\/plays-2026-11-01\.json: the disk is full \(ENOSPC\)\. Free some space on it; Encore runs Daily export again by itself once there is room\.$/);
    expect(failed.waiting).toMatch(/^Runs again by itself once there is room on the disk holding .*\/data\/exports\.$/);
    expect(s.host.failures).toEqual([]);

    // Still full: checked every 2 s, nothing tried.
    await s.advance(10_000);
    expect(s.runs.recent(10, 'daily-export')).toHaveLength(1);
    expect(s.job().lastRun).toMatchObject({ outcome: 'failed' });

    small.free();
    await s.advance(2_000);
    await s.advance(0);
    expect(s.job()).toMatchObject({ waiting: null, lastRun: { outcome: 'success', scheduledFor: '2026-11-01T23:55:00.000Z' } });
    expect(fs.readdirSync(path.join(s.dataDir, 'exports')).sort()).toEqual(['plays-2026-11-01.csv', 'plays-2026-11-01.json']);
    expect(s.runs.recent(10, 'daily-export').map((r) => [r.scheduledFor, r.outcome])).toEqual([[utc('2026-11-01T23:55:00Z'), 'success']]);
  });

  it('a backup: shown on the job, run again once there is room, nothing half-written left', async () => {
    const s = await scheduler('db-backup', '0 3 * * *', '2026-11-02T02:59:00Z');
    small.fill();
    await s.advance(60_000, 60_000);
    // SQLite's backup steps over several turns of the event loop.
    await vi.waitFor(() => expect(s.job().lastRun?.outcome).toBe('failed'));
    const failed = s.job();
    expect(failed.lastRun!.error).toMatch(/^Could not write .*backups\/encore-.*\.db: the disk is full \((ENOSPC|SQLITE_FULL)\)\. Free some space on it; Encore runs Database backup again by itself once there is room\.$/);
    expect(failed.waiting).toMatch(/once there is room on the disk holding .*\/data\/backups\.$/);
    expect(fs.readdirSync(path.join(s.dataDir, 'backups'))).toEqual([]);

    small.free();
    await s.advance(2_000);
    await vi.waitFor(() => expect(s.job().lastRun?.outcome).toBe('success'));
    expect(s.job().waiting).toBeNull();
    expect(fs.readdirSync(path.join(s.dataDir, 'backups'))).toHaveLength(1);
    expect(s.runs.recent(10, 'db-backup').map((r) => r.outcome)).toEqual(['success']);
  });
});
