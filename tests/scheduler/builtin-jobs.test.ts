import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_JOBS, type ConfigInput } from '../../src/shared/config';
import { ManualClock } from '../../src/main/core/clock';
import { silentLogger } from '../../src/main/core/logger';
import { EncoreDatabase } from '../../src/main/db/database';
import { PlayStore, type NewPlay } from '../../src/main/db/plays';
import { StateStore } from '../../src/main/db/state';
import type { JobContext } from '../../src/main/services/scheduler/job';
import { builtinJobs } from '../../src/main/services/scheduler/jobs';
import { csvField, dailyExport, playsToCsv } from '../../src/main/services/scheduler/jobs/daily-export';
import { dbBackup, listBackups, verifyBackup } from '../../src/main/services/scheduler/jobs/db-backup';
import { dbMaintenance } from '../../src/main/services/scheduler/jobs/db-maintenance';
import { lastfmSync } from '../../src/main/services/scheduler/jobs/lastfm-sync';
import { JobRunStore } from '../../src/main/services/scheduler/job-runs';
import { SchedulerService } from '../../src/main/services/scheduler/scheduler-service';
import { RecordingHost, flush } from './harness';

const dirs: string[] = [];
const open: EncoreDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setup(configInput: ConfigInput = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-jobs-'));
  dirs.push(dataDir);
  const clock = new ManualClock(Date.UTC(2026, 5, 2, 21, 55));
  const database = new EncoreDatabase({ file: path.join(dataDir, 'encore.db'), clock });
  await database.open();
  open.push(database);
  const config = ConfigSchema.parse(configInput);
  const ctx = (over: Partial<JobContext> = {}): JobContext => ({
    jobId: 'test',
    signal: new AbortController().signal,
    clock,
    logger: silentLogger,
    database,
    dataDir,
    config,
    timezone: 'UTC',
    scheduledFor: null,
    ...over,
  });
  return { dataDir, clock, database, config, ctx, plays: new PlayStore(database, () => clock.now()) };
}

const play = (over: Partial<NewPlay>): NewPlay => ({
  artist: 'Massive Attack',
  title: 'Teardrop',
  album: 'Mezzanine',
  lengthSeconds: 330,
  startedAt: Date.UTC(2026, 5, 1, 20, 0),
  secondsListened: 300,
  zone: 'Living Room',
  source: 'roon',
  ...over,
});

describe('db-backup', () => {
  it('writes a verified online backup to <data-dir>/backups and keeps the last N', async () => {
    const s = await setup({ backups: { keep: 2 } });
    s.plays.ingest([play({})]);
    for (let i = 0; i < 3; i++) {
      await dbBackup(s.ctx());
      s.clock.advance(3600_000);
    }
    const files = listBackups(s.dataDir);
    expect(files.map((f) => path.basename(f))).toEqual(['encore-2026-06-02T22-55-00-000Z.db', 'encore-2026-06-02T23-55-00-000Z.db']);
    // Nothing but the backups themselves: no partial copy, no -wal/-shm its check made.
    expect(fs.readdirSync(path.join(s.dataDir, 'backups')).sort()).toEqual(files.map((f) => path.basename(f)));
    for (const file of files) {
      verifyBackup(file);
      const copy = new BetterSqlite3(file, { readonly: true });
      expect(copy.prepare('SELECT count(*) FROM plays').pluck().get()).toBe(1);
      copy.close();
    }
  });

  it('refuses a copy that is not an Encore database, and leaves no partial file when aborted', async () => {
    const s = await setup();
    const bogus = path.join(s.dataDir, 'bogus.db');
    fs.writeFileSync(bogus, 'not a database '.repeat(200));
    expect(() => verifyBackup(bogus)).toThrow();
    const empty = path.join(s.dataDir, 'empty.db');
    new BetterSqlite3(empty).close();
    expect(() => verifyBackup(empty)).toThrow(/does not contain the Encore tables/);

    const controller = new AbortController();
    controller.abort(new Error('going to sleep'));
    await expect(dbBackup(s.ctx({ signal: controller.signal }))).rejects.toThrow('going to sleep');
    expect(fs.readdirSync(path.join(s.dataDir, 'backups'))).toEqual([]);
  });
});

describe('db-maintenance', () => {
  it('optimizes and truncates the WAL', async () => {
    const s = await setup();
    s.plays.ingest(Array.from({ length: 50 }, (_, i) => play({ title: `Track ${i}`, startedAt: Date.UTC(2026, 5, 1, 10, i) })));
    const wal = path.join(s.dataDir, 'encore.db-wal');
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    await dbMaintenance(s.ctx());
    expect(fs.statSync(wal).size).toBe(0);
  });
});

describe('db-maintenance: retention', () => {
  const DAY = 86_400_000;

  it('prunes the power journal and job runs to the last 90 days by default, never a job’s newest row', async () => {
    const s = await setup();
    const now = s.clock.now();
    const state = new StateStore(s.database);
    const runs = new JobRunStore(s.database);
    for (let d = 200; d >= 0; d -= 10) state.journal({ at: now - d * DAY, kind: 'online', source: 'network' });
    for (let d = 200; d >= 0; d -= 10) {
      const id = runs.begin({ jobId: 'db-backup', scheduledFor: now - d * DAY, startedAt: now - d * DAY })!;
      runs.finish(id, 'success', null, now - d * DAY + 1000);
    }
    // A job that last ran long ago keeps that row: it is the claim on its newest slot.
    const old = runs.begin({ jobId: 'daily-export', scheduledFor: now - 300 * DAY, startedAt: now - 300 * DAY })!;
    runs.finish(old, 'success', null, now - 300 * DAY);
    await dbMaintenance(s.ctx());
    const ages = state.recentJournal(1000).map((e) => (now - e.at) / DAY);
    expect(Math.max(...ages)).toBe(90);
    expect(ages).toHaveLength(10);
    const left = runs.recent(1000);
    expect(left.filter((r) => r.jobId === 'db-backup').map((r) => (now - r.startedAt) / DAY)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(left.filter((r) => r.jobId === 'daily-export')).toHaveLength(1);
    expect(runs.lastSlot('daily-export')).toBe(now - 300 * DAY);
  });

  it('keeps at most retention.maxRows rows of each, the newest', async () => {
    const s = await setup({ retention: { days: 3650, maxRows: 100 } });
    const now = s.clock.now();
    const state = new StateStore(s.database);
    const runs = new JobRunStore(s.database);
    for (let i = 0; i < 250; i++) state.journal({ at: now - i * 60_000, kind: i % 2 ? 'lock-screen' : 'unlock-screen' });
    for (let i = 249; i >= 0; i--) runs.finish(runs.begin({ jobId: 'db-backup', scheduledFor: now - i * 60_000, startedAt: now - i * 60_000 })!, 'success', null, now);
    await dbMaintenance(s.ctx());
    const journal = state.recentJournal(1000);
    expect(journal).toHaveLength(100);
    expect(journal.at(-1)!.at).toBe(now - 99 * 60_000);
    const left = runs.recent(1000);
    expect(left).toHaveLength(100);
    expect(left.at(-1)!.startedAt).toBe(now - 99 * 60_000);
    expect(runs.lastSlot('db-backup')).toBe(now);
  });

  it('is configurable, and refuses a retention that would keep nothing', () => {
    expect(ConfigSchema.parse({}).retention).toEqual({ days: 90, maxRows: 10_000 });
    expect(ConfigSchema.safeParse({ retention: { days: 0 } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ retention: { maxRows: 10 } }).success).toBe(false);
  });
});

describe('daily-export', () => {
  it("exports the slot's local day (job time zone) to JSON and CSV with proper escaping", async () => {
    const s = await setup();
    s.plays.ingest([
      // 1 June 23:59 in Berlin is 21:59 UTC; 2 June 00:30 Berlin is 1 June 22:30 UTC.
      play({ artist: 'Crosby, Stills & Nash', title: 'Suite: "Judy Blue Eyes"', album: null, startedAt: Date.UTC(2026, 5, 1, 21, 59), zone: null }),
      play({ artist: 'Bonobo', title: 'Kerala\nEdit', album: 'Migration', startedAt: Date.UTC(2026, 5, 1, 22, 30), secondsListened: 12.5 }),
      play({ artist: 'Early', title: 'Morning', album: 'x', startedAt: Date.UTC(2026, 4, 31, 22, 0) }), // 1 June 00:00 Berlin
      play({ artist: 'Late', title: 'Night', album: 'y', startedAt: Date.UTC(2026, 4, 31, 21, 59, 59) }), // 31 May 23:59:59 Berlin
    ]);
    s.plays.ingest([play({ artist: 'Early', title: 'Morning', album: 'x', startedAt: Date.UTC(2026, 4, 31, 22, 0, 20), source: 'lastfm' })]);

    // The 23:55 Berlin slot of 1 June, run late the next day (a caught-up run).
    s.clock.setWall(Date.UTC(2026, 5, 2, 6, 0));
    await dailyExport(s.ctx({ timezone: 'Europe/Berlin', scheduledFor: Date.UTC(2026, 5, 1, 21, 55) }));

    const dir = path.join(s.dataDir, 'exports');
    expect(fs.readdirSync(dir).sort()).toEqual(['plays-2026-06-01.csv', 'plays-2026-06-01.json']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'plays-2026-06-01.json'), 'utf8'));
    expect(json).toMatchObject({ day: '2026-06-01', timezone: 'Europe/Berlin', count: 2, exportedAt: '2026-06-02T06:00:00.000Z' });
    expect(json.plays).toEqual([
      {
        startedAt: '2026-05-31T22:00:00.000Z',
        localTime: '2026-06-01 00:00:00',
        artist: 'Early',
        title: 'Morning',
        album: 'x',
        secondsListened: 300,
        zone: 'Living Room',
        sources: ['lastfm', 'roon'],
      },
      {
        startedAt: '2026-06-01T21:59:00.000Z',
        localTime: '2026-06-01 23:59:00',
        artist: 'Crosby, Stills & Nash',
        title: 'Suite: "Judy Blue Eyes"',
        album: null,
        secondsListened: 300,
        zone: null,
        sources: ['roon'],
      },
    ]);
    const csv = fs.readFileSync(path.join(dir, 'plays-2026-06-01.csv'), 'utf8');
    expect(csv).toBe(
      'started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources\r\n' +
        '2026-05-31T22:00:00.000Z,2026-06-01 00:00:00,Early,Morning,x,300,Living Room,lastfm;roon\r\n' +
        '2026-06-01T21:59:00.000Z,2026-06-01 23:59:00,"Crosby, Stills & Nash","Suite: ""Judy Blue Eyes""",,300,,roon\r\n',
    );

    // "Run now" exports today, in the job's zone: 2 June in Berlin.
    await dailyExport(s.ctx({ timezone: 'Europe/Berlin', scheduledFor: null }));
    const today = JSON.parse(fs.readFileSync(path.join(dir, 'plays-2026-06-02.json'), 'utf8'));
    expect(today.plays.map((p: { title: string }) => p.title)).toEqual(['Kerala\nEdit']);
    expect(fs.readFileSync(path.join(dir, 'plays-2026-06-02.csv'), 'utf8')).toContain('"Kerala\nEdit"');
  });

  it('writes empty files for a day without plays', async () => {
    const s = await setup();
    await dailyExport(s.ctx({ timezone: 'UTC' }));
    const csv = fs.readFileSync(path.join(s.dataDir, 'exports', 'plays-2026-06-02.csv'), 'utf8');
    expect(csv).toBe('started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources\r\n');
  });

  it('escapes CSV fields per RFC 4180', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\r\nbreak')).toBe('"line\r\nbreak"');
    expect(playsToCsv([])).toBe('started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources\r\n');
  });
});

describe('lastfm-sync', () => {
  it('skips when Last.fm is not set up, and re-reads Last.fm whether or not polling is on (late scrobbles)', async () => {
    const unset = await setup({ lastfm: { pollSeconds: 0 } });
    expect(await lastfmSync(unset.ctx())).toEqual({ skipped: expect.stringMatching(/not set up/) });
    // The tracker is always there; without a user and key its catch-up would fail: a skip, not an hourly failure.
    const refused = async () => {
      throw new Error('Last.fm: set your user name and API key in Settings');
    };
    const notSetUp = () => 'Last.fm: set your user name and API key in Settings';
    expect(await lastfmSync(unset.ctx({ lastfmCatchUp: refused, lastfmNotConfigured: notSetUp }))).toEqual({ skipped: notSetUp() });
    const s = await setup({ lastfm: { pollSeconds: 0 } });
    const signals: AbortSignal[] = [];
    const ctx = s.ctx({ lastfmCatchUp: async (signal) => void signals.push(signal) });
    expect(await lastfmSync(ctx)).toBeUndefined();
    expect(signals).toEqual([ctx.signal]);

    const polling = await setup({ lastfm: { pollSeconds: 60 } });
    const pollingCtx = polling.ctx({ lastfmCatchUp: async (signal) => void signals.push(signal) });
    expect(await lastfmSync(pollingCtx)).toBeUndefined();
    expect(signals).toEqual([ctx.signal, pollingCtx.signal]);
  });

  it('runs hourly by default', () => {
    expect(ConfigSchema.parse({}).jobs['lastfm-sync']).toBeUndefined();
    expect(DEFAULT_JOBS['lastfm-sync']!.schedule).toBe('7 * * * *');
  });
});

describe('built-in jobs in the scheduler', () => {
  it('Run now backs up, and a skipped Last.fm sync is recorded as skipped', async () => {
    const s = await setup();
    const scheduler = new SchedulerService({ database: s.database, dataDir: s.dataDir, config: () => s.config, clock: s.clock, jobs: builtinJobs() });
    const host = new RecordingHost();
    await scheduler.start(new AbortController().signal, host);
    expect(scheduler.jobs().map((j) => [j.id, j.armed])).toEqual([
      ['lastfm-sync', true],
      ['db-backup', true],
      ['db-maintenance', true],
      ['daily-export', true],
    ]);
    expect(await scheduler.runNow('db-backup')).toMatchObject({ outcome: 'success' });
    expect(listBackups(s.dataDir)).toHaveLength(1);
    // No Last.fm set up in this scheduler: nothing to read.
    expect(await scheduler.runNow('lastfm-sync')).toMatchObject({ outcome: 'skipped' });
    await flush();
    expect(scheduler.history(10).map((r) => [r.jobId, r.outcome, r.manual])).toEqual([
      ['lastfm-sync', 'skipped', true],
      ['db-backup', 'success', true],
    ]);
    // A run that did nothing is not history: the next one replaces it.
    s.clock.advance(60_000);
    expect(await scheduler.runNow('lastfm-sync')).toMatchObject({ outcome: 'skipped' });
    await flush();
    expect(scheduler.history(10).map((r) => [r.jobId, r.outcome, r.startedAt])).toEqual([
      ['lastfm-sync', 'skipped', s.clock.now()],
      ['db-backup', 'success', s.clock.now() - 60_000],
    ]);
    await scheduler.stop();
    expect(s.clock.pendingTimers).toBe(0);
  });
});
