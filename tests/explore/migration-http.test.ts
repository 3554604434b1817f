import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { EncoreDatabase } from '../../src/main/db/database';
import { ExploreApi } from '../../src/main/db/explore-api';
import { MIGRATIONS } from '../../src/main/db/migrations';
import { HistoryQuerySchema } from '../../src/shared/explore';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import { MemoryLogger } from '../../src/main/core/logger';
import { parseConfig } from '../../src/main/config';
import { PlayStore } from '../../src/main/db/plays';
import { createEncore } from '../../src/main/app';
import { ManualClock } from '../../src/main/core/clock';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-explore-'));
  dirs.push(dir);
  return dir;
};
/** The app on a manual clock (no Roon Core, no Last.fm), once its database runs. */
async function startEncore(dataDir: string, clock: ManualClock) {
  const loopback = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };
  const secrets = new Map<string, string>();
  const encore = await createEncore({
    dataDir,
    clock,
    config: parseConfig({ roon: { discovery: loopback } }),
    logger: new MemoryLogger(),
    powerTriggers: [],
    secrets: { get: async (k) => secrets.get(k) ?? null, set: async (k, v) => void secrets.set(k, v), delete: async (k) => void secrets.delete(k) },
  });
  for (let i = 0; i < 500 && encore.status().services.find((s) => s.id === 'database')?.state !== 'running'; i++) await clock.advanceAsync(10);
  return encore;
}

let headless: Headless | null = null;
afterEach(async () => {
  await headless?.close();
  headless = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('003-explore on an existing history', () => {
  it('backfills credits and the search index, and the rollups count what was there', async () => {
    const file = path.join(tempDir(), 'encore.db');
    // A database as 001-initial left it, with plays in it.
    const handle = new BetterSqlite3(file);
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: handle }) });
    const first = new Migrator({ db: kysely, provider: { getMigrations: async () => Object.fromEntries(MIGRATIONS.slice(0, 1)) } });
    expect((await first.migrateToLatest()).error).toBeUndefined();
    handle.exec(`INSERT INTO artists (id, name, name_norm) VALUES (1, 'Daft Punk / Pharrell Williams', 'daft punk pharrell williams');
      INSERT INTO albums (id, artist_id, title, title_norm) VALUES (1, 1, 'Random Access Memories', 'random access memories');
      INSERT INTO tracks (id, artist_id, album_id, title, title_norm, album_norm, match_key, length_s) VALUES (1, 1, 1, 'Get Lucky', 'get lucky', 'random access memories', 'daft punk\u0001get lucky', 369);
      INSERT INTO plays (track_id, started_at, seconds_listened, zone, created_at, roon_started_at) VALUES (1, 1764000000000, 300, 'Kitchen', 1764000000000, 1764000000000), (1, 1764100000000, NULL, NULL, 1764100000000, 1764100000000);`);
    await kysely.destroy();

    const db = new EncoreDatabase({ file });
    await db.open();
    const api = new ExploreApi(db, () => 1764200000000, path.join(path.dirname(file), 'exports'));
    const page = await api.history(HistoryQuerySchema.parse({ q: 'pharr' }));
    expect(page.plays.map((p) => [p.title, p.artists.map((a) => a.name)])).toEqual([
      ['Get Lucky', ['Daft Punk', 'Pharrell Williams']],
      ['Get Lucky', ['Daft Punk', 'Pharrell Williams']],
    ]);
    const top = await api.top({ kind: 'artist', limit: 10, by: 'time' });
    expect(top.items.map((i) => [i.name, i.plays, i.seconds])).toEqual([
      ['Daft Punk', 2, 669],
      ['Pharrell Williams', 2, 669],
    ]);
    // New plays after the migration get credits and a search entry from the ingest path.
    new PlayStore(db, () => 1764200000000).ingest([
      { artist: 'Chic feat. Nile Rodgers', title: 'Le Freak', album: null, lengthSeconds: 330, startedAt: 1764150000000, secondsListened: 320, zone: 'Kitchen', source: 'roon' },
    ]);
    expect((await api.history(HistoryQuerySchema.parse({ q: 'nile' }))).plays.map((p) => p.title)).toEqual(['Le Freak']);
    db.close();
  });
});

describe('explore over HTTP', () => {
  it('answers the new routes and streams the export as a download', async () => {
    const dataDir = tempDir();
    const loopback = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };
    headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery: loopback } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null });
    const get = (route: string) => fetch(headless!.url + route, { headers: { authorization: `Bearer ${headless!.token}` } });
    // The database opens with the startup restore; wait for it (the API says 503 until then).
    for (let i = 0; i < 200 && (await get('/api/plays')).status === 503; i++) await new Promise((r) => setTimeout(r, 25));
    // A second connection stores plays, as a tracker would.
    const db = new EncoreDatabase({ file: path.join(dataDir, 'encore.db') });
    await db.open();
    const now = Date.now();
    new PlayStore(db, () => now).ingest(
      Array.from({ length: 30 }, (_, i) => ({ artist: 'Sigur Rós', title: `Track ${i}`, album: 'Takk', lengthSeconds: 300, startedAt: now - (i + 1) * 600_000, secondsListened: 250, zone: 'Study', source: 'roon' as const })),
    );
    db.close();

    const plays = (await (await get('/api/plays?q=ros&limit=20')).json()) as { plays: Array<{ title: string; artists: Array<{ id: number }> }>; nextCursor: string };
    expect(plays.plays).toHaveLength(20);
    expect(plays.nextCursor).toMatch(/^\d+\.\d+$/);
    const artistId = plays.plays[0]!.artists[0]!.id;
    const artist = (await (await get(`/api/artists/${artistId}?bucket=week`)).json()) as { artist: { name: string }; plays: number };
    expect(artist).toMatchObject({ artist: { name: 'Sigur Rós' }, plays: 30 });
    expect((await get('/api/artists/99999')).status).toBe(404);
    expect((await get('/api/stats/top?kind=nonsense')).status).toBe(400);
    expect((await get('/api/stats/heatmap?tz=Nowhere/Land')).status).toBe(400);
    const top = (await (await get('/api/stats/top?kind=album&limit=5')).json()) as { items: Array<{ name: string; plays: number; rank: number }> };
    expect(top.items).toEqual([expect.objectContaining({ name: 'Takk', plays: 30, rank: 1 })]);

    const download = await get(`/api/export?format=listenbrainz&artist=${artistId}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/x-ndjson');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="encore-listenbrainz-[\d-T]+\.jsonl"$/);
    const lines = (await download.text()).trim().split('\n').map((l) => JSON.parse(l) as { track_metadata: { artist_name: string } });
    expect(lines).toHaveLength(30);
    expect(lines[0]!.track_metadata.artist_name).toBe('Sigur Rós');
    const csv = await get('/api/export?format=csv&zone=Nowhere');
    expect(await csv.text()).toBe('started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources\r\n');
  });
});

describe('the rollups in the background', () => {
  it('count new plays every 30 s, without a read asking', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
    const encore = await startEncore(dataDir, clock);
    try {
      const db = new EncoreDatabase({ file: path.join(dataDir, 'encore.db') });
      await db.open();
      const now = clock.now();
      new PlayStore(db, () => now).ingest(
        Array.from({ length: 12_000 }, (_, i) => ({ artist: `A${i % 40}`, title: `T${i % 300}`, album: null, lengthSeconds: 200, startedAt: now - (i + 1) * 60_000, secondsListened: 190, zone: 'Study', source: 'roon' as const })),
      );
      const watermark = () => db.raw.prepare('SELECT watermark FROM rollup_state').pluck().get() as number;
      expect(watermark()).toBe(0);
      await clock.advanceAsync(30_000);
      // The catch-up runs in steps between turns of the event loop: let them pass.
      for (let i = 0; i < 200 && watermark() < 12_000; i++) await new Promise((r) => setImmediate(r));
      expect(watermark()).toBe(12_000);
      db.close();
    } finally {
      await encore.shutdown();
    }
  });
});

describe('plays per day in the status window', () => {
  it("cuts days at the host's local midnight, also across a DST change", async () => {
    const saved = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
    const dataDir = tempDir();
    // 13:00 on 26 October in Berlin, the day after the clocks went back: the
    // three days asked for started in summer time.
    const clock = new ManualClock(Date.UTC(2026, 9, 26, 12));
    const encore = await startEncore(dataDir, clock);
    try {
      const db = new EncoreDatabase({ file: path.join(dataDir, 'encore.db') });
      await db.open();
      const play = (startedAt: number, title: string) => ({ artist: 'Cornelius', title, album: null, lengthSeconds: 200, startedAt, secondsListened: 190, zone: 'Study', source: 'roon' as const });
      new PlayStore(db, () => clock.now()).ingest([
        play(Date.UTC(2026, 9, 23, 21, 30), '23 Oct, 23:30 CEST: before the three days'),
        play(Date.UTC(2026, 9, 23, 22, 30), '24 Oct, 00:30 CEST'),
        play(Date.UTC(2026, 9, 24, 22, 30), '25 Oct, 00:30 CEST'),
        play(Date.UTC(2026, 9, 25, 22, 30), '25 Oct, 23:30 CET'),
        play(Date.UTC(2026, 9, 25, 23, 30), '26 Oct, 00:30 CET'),
      ]);
      db.close();
      const { days } = await encore.handlers.getPlaysPerDay({ days: 3 });
      expect(days).toEqual([
        { day: '2026-10-24', plays: 1 },
        { day: '2026-10-25', plays: 2 },
        { day: '2026-10-26', plays: 1 },
      ]);
    } finally {
      await encore.shutdown();
      process.env.TZ = saved;
    }
  });
});
