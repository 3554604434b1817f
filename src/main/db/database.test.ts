import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseError, EncoreDatabase } from './database';
import { PlayStore, type NewPlay } from './plays';
import { StateStore } from './state';
import { ManualClock } from '../core/clock';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-db-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

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

describe('EncoreDatabase', () => {
  it('opens in WAL mode with foreign keys and the configured busy timeout, and migrates', async () => {
    const db = new EncoreDatabase({ file: path.join(tempDir(), 'encore.db'), busyTimeoutMs: 1234 });
    await db.open();
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    // Never SQLite's blocking busy handler: locks are waited out asynchronously.
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(0);
    const tables = db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['artists', 'albums', 'tracks', 'plays', 'play_hours', 'service_state', 'job_runs', 'power_journal']));
    db.close();
    expect(db.isOpen).toBe(false);
    expect(() => db.raw).toThrow(DatabaseError);
  });

  it('reopens and keeps what was stored', async () => {
    const file = path.join(tempDir(), 'encore.db');
    const db = new EncoreDatabase({ file });
    await db.open();
    const plays = new PlayStore(db);
    plays.ingest([play()]);
    await db.reopen();
    expect(plays.count()).toBe(1);
    db.close();
  });

  it('refuses a damaged file with a clear error and keeps a copy aside', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'encore.db');
    fs.writeFileSync(file, 'this is not a database at all, just text that fills the header. '.repeat(100));
    const db = new EncoreDatabase({ file });
    const error = await db.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).kind).toBe('corrupt');
    expect((error as Error).message).toMatch(/damaged|integrity/);
    const copies = fs.readdirSync(dir).filter((f) => f.includes('.damaged-'));
    expect(copies).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, copies[0]!), 'utf8')).toBe(fs.readFileSync(file, 'utf8'));
    expect(db.isOpen).toBe(false);
  });

  it('says where the copy is on every later attempt, copying the same damaged file only once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'encore.db');
    fs.writeFileSync(file, 'this is not a database at all, just text that fills the header. '.repeat(100));
    const clock = new ManualClock();
    const db = new EncoreDatabase({ file, clock });
    const first = (await db.open().catch((e: unknown) => e)) as Error;
    const copy = /A copy was kept at (\S+)\.$/.exec(first.message)![1]!;
    const again = (await db.reopen().catch((e: unknown) => e)) as Error;
    expect(again).toBeInstanceOf(DatabaseError);
    expect(again.message).toContain(`A copy was kept at ${copy}.`);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.damaged-'))).toHaveLength(1);
    // Another damaged file put in its place is copied too.
    fs.writeFileSync(file, 'another broken file, longer than the first one was. '.repeat(200));
    clock.sleep(60_000);
    const other = (await db.reopen().catch((e: unknown) => e)) as Error;
    expect(other.message).toMatch(/A copy was kept at /);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.damaged-') && !f.endsWith('-wal') && !f.endsWith('-shm'))).toHaveLength(2);
  });

  it('waits for a lock held by another connection, then reports it as locked', async () => {
    const file = path.join(tempDir(), 'encore.db');
    const first = new EncoreDatabase({ file });
    await first.open();
    first.close();
    const other = new BetterSqlite3(file);
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE');
    const db = new EncoreDatabase({ file, busyTimeoutMs: 150 });
    const error = await db.open().catch((e: unknown) => e);
    expect((error as DatabaseError).kind).toBe('locked');
    expect((error as Error).message).toMatch(/locked by another program/);
    other.exec('COMMIT');
    other.close();
    await db.open();
    expect(db.isOpen).toBe(true);
    db.close();
  });

  it('stops waiting for a lock when the signal aborts', async () => {
    const file = path.join(tempDir(), 'encore.db');
    const first = new EncoreDatabase({ file });
    await first.open();
    first.close();
    const other = new BetterSqlite3(file);
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE');
    const db = new EncoreDatabase({ file, busyTimeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = db.open(controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('restore timed out')), 20);
    expect(((await pending) as Error).message).toBe('restore timed out');
    other.close();
  });
});

describe('DatabaseService', () => {
  it('a damaged file is an error to fix, a locked one is retried', async () => {
    const { DatabaseService } = await import('./database-service');
    const { ServiceError } = await import('../core/service');
    const dir = tempDir();
    const file = path.join(dir, 'encore.db');
    fs.writeFileSync(file, 'not a database '.repeat(500));
    const service = new DatabaseService(new EncoreDatabase({ file }));
    const damaged = await service.start(new AbortController().signal).catch((e: unknown) => e);
    expect(damaged).toBeInstanceOf(ServiceError);
    expect((damaged as InstanceType<typeof ServiceError>).retryable).toBe(false);
    expect((damaged as Error).message).toMatch(/A copy was kept at/);

    const lockedFile = path.join(dir, 'locked.db');
    const first = new EncoreDatabase({ file: lockedFile });
    await first.open();
    first.close();
    const other = new BetterSqlite3(lockedFile);
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE');
    const locked = await new DatabaseService(new EncoreDatabase({ file: lockedFile, busyTimeoutMs: 50 })).start(new AbortController().signal).catch((e: unknown) => e);
    expect((locked as InstanceType<typeof ServiceError>).retryable).toBe(true);
    other.close();
  });
});

describe('PlayStore', () => {
  async function store() {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    return { db, plays: new PlayStore(db, () => Date.UTC(2026, 10, 28)) };
  }

  it('ingesting the same listen twice is a no-op', async () => {
    const { plays } = await store();
    expect(plays.ingest([play()]).inserted).toBe(1);
    const again = plays.ingest([play()]);
    expect(again).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(plays.count()).toBe(1);
  });

  it('one listen seen by Roon and by Last.fm becomes one play with both sources', async () => {
    const { plays } = await store();
    plays.ingest([play({ startedAt: Date.UTC(2026, 10, 1, 20, 0, 3) })]);
    const r = plays.ingest([play({ source: 'lastfm', artist: 'MASSIVE ATTACK', title: 'Teardrop ', startedAt: Date.UTC(2026, 10, 1, 20, 0, 0), zone: null, secondsListened: null })]);
    expect(r.merged).toBe(1);
    const [only] = plays.list(10);
    expect(plays.count()).toBe(1);
    expect(only!.sources).toEqual(['lastfm', 'roon']);
    expect(only!.startedAt).toBe('2026-11-01T20:00:03.000Z');
  });

  it('the same track played twice in a row stays two plays', async () => {
    const { plays } = await store();
    const t0 = Date.UTC(2026, 10, 1, 20, 0, 0);
    plays.ingest([play({ startedAt: t0 }), play({ startedAt: t0 + 330_000 })]);
    const r = plays.ingest([play({ source: 'lastfm', startedAt: t0 }), play({ source: 'lastfm', startedAt: t0 + 331_000 })]);
    expect(r.merged).toBe(2);
    expect(plays.count()).toBe(2);
  });

  it('rejects absurd values and stores the rest of the batch', async () => {
    const { plays } = await store();
    const r = plays.ingest([play({ startedAt: -5 }), play({ title: '' }), play({ secondsListened: Number.NaN }), play()]);
    expect(r).toMatchObject({ inserted: 1, rejected: 3 });
    expect(r.errors.join('\n')).toMatch(/start time/);
  });

  it('lists newest first with a before cursor, and counts plays per day', async () => {
    const { plays } = await store();
    const t0 = Date.UTC(2026, 10, 1, 23, 30);
    plays.ingest([0, 1, 2, 3].map((i) => play({ title: `Song ${i}`, startedAt: t0 + i * 3600_000 })));
    const page = plays.list(2);
    expect(page.map((p) => p.title)).toEqual(['Song 3', 'Song 2']);
    expect(plays.list(10, Date.parse(page[1]!.startedAt)).map((p) => p.title)).toEqual(['Song 1', 'Song 0']);
    expect(plays.perDay(t0 - 86400_000, t0 + 86400_000)).toEqual([
      { day: '2026-11-01', plays: 1 },
      { day: '2026-11-02', plays: 3 },
    ]);
    expect(plays.perDay(t0 - 86400_000, t0 + 86400_000, () => 60)).toEqual([{ day: '2026-11-02', plays: 4 }]);
  });
});

describe('StateStore', () => {
  it('remembers wanted services and journals power events', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    const state = new StateStore(db, () => 1000);
    state.setWanted('roon', false);
    state.setWanted('roon', true);
    state.setWanted('lastfm', false);
    expect(Object.fromEntries(state.wantedServices())).toEqual({ roon: true, lastfm: false });
    state.journal({ at: 5, kind: 'restore', outcome: 'ok', summary: '3 restored', details: { steps: [{ service: 'roon', durationMs: 12 }] } });
    expect(state.recentJournal(5)[0]).toMatchObject({ kind: 'restore', summary: '3 restored', details: { steps: [{ service: 'roon' }] } });
    state.setValue('lastfm.import', { page: 3 });
    expect(state.getValue('lastfm.import')).toEqual({ page: 3 });
  });
});
