// A full disk (a tmpfs filled to the last byte): shown on the database with
// what to do, nothing lost, everything retried by itself once space is back;
// files are written atomically (no temporary file left, on failure or success);
// PUT /api/settings answers 507; a start names the file it could not write.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FileWriteError, writeFileAtomic, writeViaTempFile } from '../../src/main/core/atomic-write';
import { MemoryLogger } from '../../src/main/core/logger';
import { parseConfig } from '../../src/main/config';
import { EncoreDatabase } from '../../src/main/db/database';
import { PlayStore, type NewPlay } from '../../src/main/db/plays';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import type { JobContext } from '../../src/main/services/scheduler/job';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';
import { nextTrouble } from '../support/database-trouble';
import { waitForStatus } from '../support/wait-for-status';

// 8 MB: the WAL of 4,000 new tracks with their search entries and credits (003-explore) outgrew 4 MB before its first checkpoint.
const disk = mountSmallDisk(8);
const skip = typeof disk === 'string' ? disk : null;
if (skip) console.log(`disk-full tests skipped: ${skip}`);
const LOOPBACK_DISCOVERY = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  if (typeof disk !== 'string') {
    disk.free();
    for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), { recursive: true, force: true });
  }
});
afterAll(() => {
  if (typeof disk !== 'string') disk.unmount();
});

const play = (i: number): NewPlay => ({
  artist: 'Massive Attack',
  title: `Track ${i}`,
  album: 'Mezzanine',
  lengthSeconds: 300,
  startedAt: Date.UTC(2026, 10, 1, 12, 0) + i * 400_000,
  secondsListened: 280,
  zone: 'Living Room',
  source: 'roon',
});

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('.tmp-') || f.includes('partial'));

describe.skipIf(skip !== null)('a full disk', () => {
  const small = disk as SmallDisk;

  it('an atomic write names the file and the cause and leaves no temporary file; on success nothing but the file', async () => {
    const file = path.join(small.dir, 'config.json');
    writeFileAtomic(file, '{"old":true}\n', { mode: 0o600 });
    expect(fs.readdirSync(small.dir)).toEqual(['config.json']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    small.fill();
    let error: unknown;
    try {
      writeFileAtomic(file, JSON.stringify({ big: 'x'.repeat(200_000) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error as FileWriteError).diskFull).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^Could not write ${file.replace(/[.]/g, '\\.')}: the disk is full \\(ENOSPC\\)\\. Free some space`));
    expect(leftovers(small.dir)).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"old":true}\n');

    await expect(writeViaTempFile(path.join(small.dir, 'copy.bin'), (tmp) => fs.writeFileSync(tmp, Buffer.alloc(100_000)))).rejects.toThrow(/copy\.bin: the disk is full/);
    expect(leftovers(small.dir)).toEqual([]);
    small.free();
  });

  it('the database shows "the disk is full" with what to do, keeps the queued plays, and writes them by itself once space is back', async () => {
    const db = new EncoreDatabase({ file: path.join(small.dir, 'encore.db') });
    cleanups.push(() => db.dispose());
    await db.open();
    const plays = new PlayStore(db, () => Date.UTC(2026, 10, 28));
    plays.ingest([play(0)]);
    small.fill();
    // Enough plays that the WAL must grow.
    const queued = Array.from({ length: 40 }, (_, b) => plays.ingestQueued(Array.from({ length: 100 }, (_, i) => play(1 + b * 100 + i))));
    const trouble = await nextTrouble(db, (t) => t?.kind === 'full');
    expect(trouble!.message).toMatch(/the disk is full .*Free some space on the disk holding .*encore\.db; Encore keeps what it records/);
    expect(db.queuedWrites).toBeGreaterThan(0);
    small.free();
    await Promise.all(queued);
    expect(db.trouble).toBeNull();
    expect(plays.count()).toBe(4001);
    expect(db.raw.pragma('quick_check', { simple: true })).toBe('ok');
  });

  it('a backup on a full disk fails naming the file and the cause, and leaves nothing in backups/', async () => {
    const { dbBackup, backupDir } = await import('../../src/main/services/scheduler/jobs/db-backup');
    const { ManualClock } = await import('../../src/main/core/clock');
    const dataDir = path.join(small.dir, 'data');
    const db = new EncoreDatabase({ file: path.join(dataDir, 'encore.db') });
    cleanups.push(() => db.dispose());
    await db.open();
    new PlayStore(db, () => Date.UTC(2026, 10, 28)).ingest(Array.from({ length: 2000 }, (_, i) => play(i)));
    fs.mkdirSync(backupDir(dataDir));
    small.fill();
    const ctx: JobContext = { jobId: 'db-backup', database: db, dataDir, clock: new ManualClock(), signal: new AbortController().signal, config: parseConfig({}), logger: new MemoryLogger(), timezone: 'UTC', scheduledFor: null };
    await expect(dbBackup(ctx)).rejects.toThrow(/^Could not write .*backups\/encore-.*\.db: the disk is full/);
    expect(fs.readdirSync(backupDir(dataDir))).toEqual([]);
    small.free();
    await dbBackup(ctx);
    expect(fs.readdirSync(backupDir(dataDir))).toHaveLength(1);
  });

  it('a daily export on a full disk fails naming the file and the cause, and leaves no temporary file', async () => {
    const { dailyExport, exportDir } = await import('../../src/main/services/scheduler/jobs/daily-export');
    const { ManualClock } = await import('../../src/main/core/clock');
    const dataDir = path.join(small.dir, 'data');
    const db = new EncoreDatabase({ file: path.join(dataDir, 'encore.db') });
    cleanups.push(() => db.dispose());
    await db.open();
    const clock = new ManualClock(Date.UTC(2026, 10, 1, 23, 55));
    new PlayStore(db, () => clock.now()).ingest(Array.from({ length: 2000 }, (_, i) => ({ ...play(i), startedAt: Date.UTC(2026, 10, 1) + i * 40_000 })));
    fs.mkdirSync(exportDir(dataDir));
    small.fill();
    const ctx: JobContext = { jobId: 'daily-export', database: db, dataDir, clock, signal: new AbortController().signal, config: parseConfig({}), logger: new MemoryLogger(), timezone: 'UTC', scheduledFor: null };
    await expect(dailyExport(ctx)).rejects.toThrow(/^Could not write .*exports\/plays-2026-11-01\.json: the disk is full/);
    expect(fs.readdirSync(exportDir(dataDir))).toEqual([]);
    small.free();
    await dailyExport(ctx);
    expect(fs.readdirSync(exportDir(dataDir)).sort()).toEqual(['plays-2026-11-01.csv', 'plays-2026-11-01.json']);
  });

  describe('the headless host', () => {
    async function start(dataDir: string): Promise<Headless> {
      const headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery: LOOPBACK_DISCOVERY } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null, consoleLog: false });
      cleanups.push(() => headless.close());
      return headless;
    }

    it('PUT /api/settings on a full disk is a 507 naming the cause; config.json and its folder are as before', async () => {
      const dataDir = path.join(small.dir, 'data');
      const headless = await start(dataDir);
      await waitForStatus(headless.encore, (s) => s.services.find((x) => x.id === 'database')?.state === 'running');
      const put = (body: unknown) => fetch(`${headless.url}/api/settings`, { method: 'PUT', headers: { authorization: `Bearer ${headless.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await put({ lastfm: { pollSeconds: 120 } })).status).toBe(200);
      const before = fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8');
      small.fill();
      const res = await put({ lastfm: { pollSeconds: 300 } });
      expect(res.status).toBe(507);
      expect(((await res.json()) as { error: string }).error).toMatch(/^Settings not saved: Could not write .*config\.json: the disk is full/);
      expect(leftovers(dataDir)).toEqual([]);
      expect(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')).toBe(before);
      // The API still answers.
      expect((await fetch(`${headless.url}/api/status`, { headers: { authorization: `Bearer ${headless.token}` } })).status).toBe(200);
      small.free();
      expect((await put({ lastfm: { pollSeconds: 300 } })).status).toBe(200);
    });

    it('a start on a full disk stops naming the file and the cause (runtime.json), leaving no temporary file', async () => {
      const dataDir = path.join(small.dir, 'data');
      fs.mkdirSync(dataDir);
      small.fill();
      const error = (await start(dataDir).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/^Could not write .*runtime\.json: the disk is full \(ENOSPC\)/);
      expect(leftovers(dataDir)).toEqual([]);
    });
  });
});
