// Another program holding the database: the event loop never waits in
// SQLite's busy handler, reads go on, writes wait (queued or retried) and run
// again as soon as the lock is released; a damaged file is copied aside once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { holdWriteLock, type LockHolder } from '../../../tests/support/lock-holder';
import { DatabaseError, EncoreDatabase } from './database';
import { DatabaseService } from './database-service';
import { PlayStore, type NewPlay } from './plays';
import { StateStore } from './state';
import { ManualClock } from '../core/clock';
import { nextTrouble } from '../../../tests/support/database-trouble';

const dirs: string[] = [];
const holders: LockHolder[] = [];
const open: EncoreDatabase[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) await h.release().catch(() => h.child.kill('SIGKILL'));
  for (const db of open.splice(0)) db.dispose();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function database(options: { busyTimeoutMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-locks-'));
  dirs.push(dir);
  const file = path.join(dir, 'encore.db');
  const db = new EncoreDatabase({ file, ...options });
  open.push(db);
  await db.open();
  return { db, file, dir, plays: new PlayStore(db, () => Date.UTC(2026, 10, 28)), state: new StateStore(db) };
}

const play = (over: Partial<NewPlay> = {}): NewPlay => ({
  artist: 'Massive Attack',
  title: 'Teardrop',
  album: 'Mezzanine',
  lengthSeconds: 330,
  startedAt: Date.UTC(2026, 10, 1, 20, 0, 0),
  secondsListened: 300,
  zone: 'Living Room',
  source: 'roon',
  ...over,
});

const turnOfTheEventLoop = () => new Promise((resolve) => setImmediate(resolve));

describe('a database locked by another program', () => {
  it('never uses the blocking busy handler', async () => {
    const { db } = await database({ busyTimeoutMs: 5000 });
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(0);
  });

  it('reads go on; a write waits without blocking the event loop, shows why, and runs within a second of the release', async () => {
    const { db, file, plays } = await database();
    plays.ingest([play()]);
    const holder = await holdWriteLock(file);
    holders.push(holder);

    // WAL readers are not blocked by the other program's write lock.
    expect(plays.count()).toBe(1);
    expect(plays.list(5)).toHaveLength(1);
    // A plain write fails at once (busy_timeout 0: no sleep inside SQLite) and the database says why.
    expect(() => plays.ingest([play({ title: 'Angel' })])).toThrow(/locked|busy/i);
    expect(db.trouble?.kind).toBe('locked');
    expect(db.trouble?.message).toMatch(/locked by another program .*Close the other copy of Encore or the tool/);

    let settled = false;
    const pending = plays.ingestWhenWritable([play({ title: 'Inertia Creeps', startedAt: Date.UTC(2026, 10, 1, 21) })]).finally(() => (settled = true));
    // The event loop keeps turning while the write waits (a busy handler would hold it here).
    for (let i = 0; i < 20; i++) await turnOfTheEventLoop();
    expect(settled).toBe(false);
    expect(plays.count()).toBe(1);
    await holder.release();
    // How soon after the release it runs is measured in bench/database-lock.ts.
    const result = await pending;
    expect(result.inserted).toBe(1);
    expect(db.trouble).toBeNull();
    expect(plays.count()).toBe(2);
  });

  it('queued writes (plays nobody waits for, journal entries) are kept in order and all written after the release', async () => {
    const { db, file, plays, state } = await database();
    const holder = await holdWriteLock(file);
    holders.push(holder);
    const titles = ['One', 'Two', 'Three'];
    const queued = titles.map((title, i) => plays.ingestQueued([play({ title, startedAt: Date.UTC(2026, 10, 1, 20, i * 10) })]));
    const journaled = db.enqueue('journal', () => state.journal({ at: 5, kind: 'startup', summary: 'while locked' }));
    await nextTrouble(db, (t) => t?.kind === 'locked');
    expect(db.queuedWrites).toBe(4);
    expect(plays.count()).toBe(0);
    await holder.release();
    await Promise.all([...queued, journaled]);
    expect(db.queuedWrites).toBe(0);
    expect(plays.list(10).map((p) => p.title)).toEqual(['Three', 'Two', 'One']);
    expect(state.recentJournal(5).map((r) => r.summary)).toContain('while locked');
    expect(db.trouble).toBeNull();
  });

  it('queued writes survive a close and are written at the next open', async () => {
    const { db, plays } = await database();
    db.close();
    const queued = plays.ingestQueued([play()]);
    expect(db.queuedWrites).toBe(1);
    await db.open();
    expect((await queued).inserted).toBe(1);
  });

  it('writes queued behind a blocked one are all written by a close once the lock is gone (a shutdown loses no journal entry)', async () => {
    const { db: first, file } = await database();
    first.close();
    // A manual clock that never moves: the queue's own retry cannot come round.
    const db = new EncoreDatabase({ file, clock: new ManualClock() });
    open.push(db);
    await db.open();
    const state = new StateStore(db);
    const holder = await holdWriteLock(file);
    holders.push(holder);
    for (let i = 0; i < 3; i++) void db.enqueue('journal', () => state.journal({ at: i, kind: 'manual', summary: `entry ${i}` }));
    expect(db.queuedWrites).toBe(3);
    await holder.release();
    db.close();
    expect(db.queuedWrites).toBe(0);
    await db.open();
    expect(state.recentJournal(10).map((r) => r.summary)).toEqual(['entry 2', 'entry 1', 'entry 0']);
  });

  it('the status recovers by itself even when the waiting write gave up', async () => {
    const { db, file, plays } = await database();
    const holder = await holdWriteLock(file);
    holders.push(holder);
    const controller = new AbortController();
    const pending = plays.ingestWhenWritable([play()], controller.signal).catch((e: unknown) => e);
    await nextTrouble(db, (t) => t?.kind === 'locked');
    controller.abort(new Error('stopped'));
    expect(((await pending) as Error).message).toBe('stopped');
    const recovered = nextTrouble(db, (t) => t === null);
    await holder.release();
    await recovered;
    expect(db.trouble).toBeNull();
  });

  it('the database service shows "waiting: locked by another program", then running again', async () => {
    const { db, file, plays } = await database();
    db.close();
    const reports: Array<{ condition?: string; detail?: string }> = [];
    const service = new DatabaseService(db);
    await service.start(new AbortController().signal, { report: (r) => reports.push(r), fail: () => undefined, fatal: () => undefined });
    const holder = await holdWriteLock(file);
    holders.push(holder);
    const pending = plays.ingestWhenWritable([play()]);
    await nextTrouble(db, (t) => t?.kind === 'locked');
    expect(reports.at(-1)).toMatchObject({ condition: 'waiting', detail: expect.stringMatching(/^Waiting: locked by another program/) });
    await holder.release();
    await pending;
    expect(reports.at(-1)).toMatchObject({ condition: 'running' });
    await service.stop();
  });

  it('a lock held from before the start: the open fails with what to do, and the release is noticed at once', async () => {
    const { db, file } = await database();
    db.close();
    // locking_mode EXCLUSIVE also keeps readers out: the hardest case at open.
    const holder = await holdWriteLock(file, 'exclusive-mode');
    holders.push(holder);
    const fresh = new EncoreDatabase({ file, busyTimeoutMs: 100 });
    open.push(fresh);
    const error = (await fresh.open().catch((e: unknown) => e)) as DatabaseError;
    expect(error.kind).toBe('locked');
    expect(fresh.unavailableReason()).toMatch(/locked by another program/);
    let noticed = false;
    const released = new Promise<void>((resolve) => fresh.onLockReleased(resolve)).then(() => (noticed = true));
    for (let i = 0; i < 5; i++) await turnOfTheEventLoop();
    expect(noticed).toBe(false);
    await holder.release();
    await released;
    await fresh.open();
    expect(fresh.isOpen).toBe(true);
  });
});

describe('a damaged database', () => {
  it('is copied aside once, across restarts (the record is on disk), and its message is not "try again"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-damaged-'));
    dirs.push(dir);
    const file = path.join(dir, 'encore.db');
    fs.writeFileSync(file, 'not a database '.repeat(500));
    const copies = () => fs.readdirSync(dir).filter((f) => /\.damaged-.*Z$/.test(f));
    for (let start = 0; start < 3; start++) {
      // A new instance each time: what a restart of Encore is.
      const db = new EncoreDatabase({ file });
      const error = (await db.open().catch((e: unknown) => e)) as DatabaseError;
      expect(error.kind).toBe('corrupt');
      expect(error.message).toMatch(/A copy was kept at .*\.damaged-/);
      expect(db.unavailableReason()).toMatch(/damaged .*Restore a backup/);
      expect(db.unavailableReason()).not.toMatch(/try again/);
    }
    expect(copies()).toHaveLength(1);
    const record = JSON.parse(fs.readFileSync(`${file}.damaged.json`, 'utf8')) as { copy: string; files: string[]; size: number };
    expect(record.copy).toBe(path.join(dir, copies()[0]!));
    expect(record.files).toContain(record.copy);
    expect(record.size).toBe(fs.statSync(file).size);
    expect(fs.readFileSync(record.copy)).toEqual(fs.readFileSync(file));

    // A different damaged file (changed since) gets its own copy.
    fs.appendFileSync(file, 'more damage');
    await new EncoreDatabase({ file }).open().catch(() => undefined);
    expect(copies()).toHaveLength(2);
  });
});
