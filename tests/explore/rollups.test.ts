import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Rollups } from '../../src/main/db/rollups';
import { HOUR, NOW, openExplore, type ExploreHarness } from './harness';

let h: ExploreHarness;
beforeEach(async () => (h = await openExplore()));
afterEach(() => h.close());

describe('rollups', () => {
  it('catch up in chunks, giving the event loop a turn between them', async () => {
    const batch = [];
    for (let i = 0; i < 12_000; i++) batch.push({ artist: `A${i % 30}`, title: `T${i % 500}`, at: NOW - 12_000 * 60_000 + i * 60_000 });
    h.add(...batch);
    let turns = 0;
    const rollups = new Rollups(h.db, async () => void turns++);
    expect(rollups.behind()).toBe(12_000);
    await rollups.ready();
    expect(rollups.behind()).toBe(0);
    // 2,000 plays per step: six steps, five turns between them.
    expect(turns).toBe(5);
    const counted = h.db.raw.prepare('SELECT sum(plays) FROM track_stats').pluck().get();
    const perDay = h.db.raw.prepare('SELECT sum(plays) FROM artist_days').pluck().get();
    const inOrder = h.db.raw.prepare('SELECT count(*) FROM track_plays').pluck().get();
    expect([counted, perDay, inOrder]).toEqual([12_000, 12_000, 12_000]);
  });

  it('stops when the caller gives up, and the next read finishes the count', async () => {
    const batch = [];
    for (let i = 0; i < 11_000; i++) batch.push({ artist: 'A', title: `T${i % 50}`, at: NOW - 11_000 * 60_000 + i * 60_000 });
    h.add(...batch);
    const controller = new AbortController();
    const rollups = new Rollups(h.db, async () => controller.abort(new Error('gone')));
    await expect(rollups.ready(controller.signal)).rejects.toThrow('gone');
    expect(rollups.behind()).toBe(9_000);
    await new Rollups(h.db, async () => undefined).ready();
    expect(h.db.raw.prepare('SELECT plays FROM artist_stats').pluck().get()).toBe(11_000);
  });

  it('leaves the plain history and the whole-history export to the time index: no catch-up to wait for', async () => {
    h.add({ artist: 'A', at: NOW - 2 * HOUR }, { artist: 'B', at: NOW - HOUR });
    expect((await h.api.history({ limit: 5 })).plays.map((p) => p.artist)).toEqual(['B', 'A']);
    expect(h.api.rollups.behind()).toBe(2);
    await h.api.history({ limit: 5, q: 'a' });
    expect(h.api.rollups.behind()).toBe(0);
  });

  it('answers 503 at once while another program holds the database, and counts once it lets go', async () => {
    h.add({ artist: 'A', at: NOW - 2 * HOUR });
    const other = new BetterSqlite3(h.db.options.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(h.api.top({ kind: 'artist', limit: 5, by: 'plays' })).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/another program holds/) });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await h.api.top({ kind: 'artist', limit: 5, by: 'plays' })).items.map((i) => i.plays)).toEqual([1]);
  });

  it('counts a play once however many readers catch up at the same time', async () => {
    h.add({ artist: 'A', at: NOW - 2 * HOUR }, { artist: 'A', title: 'b', at: NOW - HOUR });
    await Promise.all([h.api.top({ kind: 'artist', limit: 5, by: 'plays' }), h.api.top({ kind: 'artist', limit: 5, by: 'plays' }), h.api.history({ limit: 5 })]);
    expect((await h.api.top({ kind: 'artist', limit: 5, by: 'plays' })).items.map((i) => i.plays)).toEqual([2]);
  });
});
