import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopQuerySchema, type TopQuery } from '../../src/shared/explore';
import { DAY, HOUR, iso, NOW, openExplore, type ExploreHarness } from './harness';

let h: ExploreHarness;
beforeEach(async () => (h = await openExplore()));
afterEach(() => h.close());

const top = (q: Partial<TopQuery>) => h.api.top(TopQuerySchema.parse({ kind: 'artist', ...q }));
const brief = async (q: Partial<TopQuery>) => (await top(q)).items.map((i) => [i.name, i.plays, i.rank, i.previousRank]);

describe('top lists', () => {
  it('counts every credited artist of a multi-artist play, and a band with "&" as one', async () => {
    h.add(
      { artist: 'Daft Punk / Pharrell Williams', title: 'Get Lucky', at: NOW - 5 * HOUR },
      { artist: 'Pharrell Williams', title: 'Happy', at: NOW - 4 * HOUR },
      { artist: 'Simon & Garfunkel', title: 'The Boxer', at: NOW - 3 * HOUR },
      { artist: 'Mark Ronson', title: 'Uptown Funk (feat. Bruno Mars)', at: NOW - 2 * HOUR },
    );
    expect(await brief({})).toEqual([
      ['Pharrell Williams', 2, 1, null],
      ['Daft Punk', 1, 2, null],
      ['Simon & Garfunkel', 1, 2, null],
      ['Mark Ronson', 1, 2, null],
      ['Bruno Mars', 1, 2, null],
    ]);
    const [lucky] = (await top({ kind: 'track', limit: 1, by: 'plays' })).items;
    expect(lucky!.artists.map((a) => a.name)).toEqual(['Daft Punk', 'Pharrell Williams']);
  });

  it('ranks by plays or by time listened, ties sharing a rank, with the rank of the period before', async () => {
    const week = 7 * DAY;
    const from = NOW - week;
    // Previous week: B leads A.
    h.add({ artist: 'B', title: 'b1', at: from - 3 * DAY }, { artist: 'B', title: 'b2', at: from - 2 * DAY }, { artist: 'A', title: 'a1', at: from - DAY });
    // This week: A twice, B once, C once (C long, heard for long).
    h.add(
      { artist: 'A', title: 'a1', at: from + HOUR },
      { artist: 'A', title: 'a2', at: from + 2 * HOUR },
      { artist: 'B', title: 'b1', at: from + 3 * HOUR },
      { artist: 'C', title: 'c1', secondsListened: 3000, lengthSeconds: 3000, at: from + 4 * HOUR },
    );
    expect(await brief({ from: iso(from), to: iso(NOW) })).toEqual([
      ['A', 2, 1, 2],
      ['C', 1, 2, null],
      ['B', 1, 2, 1],
    ]);
    const byTime = await top({ from: iso(from), to: iso(NOW), by: 'time' });
    expect(byTime.items.map((i) => [i.name, i.seconds, i.rank])).toEqual([
      ['C', 3000, 1],
      ['A', 360, 2],
      ['B', 180, 3],
    ]);
    expect(byTime.previous).toEqual({ from: iso(from - week), to: iso(from) });
  });

  it('counts a period exactly at its edges (partial days come from the plays)', async () => {
    const day = Math.floor(NOW / DAY) * DAY - 10 * DAY;
    h.add(
      { artist: 'Before', at: day + 2 * DAY - 1 },
      { artist: 'In', at: day + 2 * DAY + 5 * HOUR },
      { artist: 'In', title: 'x', at: day + 5 * DAY },
      { artist: 'Edge', at: day + 7 * DAY + 3 * HOUR - 1 },
      { artist: 'After', at: day + 7 * DAY + 3 * HOUR },
    );
    const from = iso(day + 2 * DAY);
    const to = iso(day + 7 * DAY + 3 * HOUR);
    expect((await brief({ from, to })).map((r) => [r[0], r[1]])).toEqual([
      ['In', 2],
      ['Edge', 1],
    ]);
    // Within one day.
    expect((await brief({ from: iso(day + 7 * DAY), to })).map((r) => r[0])).toEqual(['Edge']);
    // Partial days of more than half a day: read as whole days less the plays outside.
    h.add({ artist: 'Late', at: day + 1 * DAY + 2 * HOUR }, { artist: 'Inside', at: day + 1 * DAY + 5 * HOUR }, { artist: 'Inside', title: 'y', at: day + 7 * DAY + 20 * HOUR }, { artist: 'Out', at: day + 7 * DAY + 22 * HOUR });
    const wide = await brief({ from: iso(day + 1 * DAY + 3 * HOUR), to: iso(day + 7 * DAY + 21 * HOUR) });
    expect(wide.map((r) => [r[0], r[1]])).toEqual([
      ['In', 2],
      ['Inside', 2],
      ['Before', 1],
      ['Edge', 1],
      ['After', 1],
    ]);
  });

  it('agrees between all time (totals) and a period spanning everything (per-day tables)', async () => {
    for (let i = 0; i < 40; i++) h.add({ artist: `Artist ${i % 7}`, title: `T${i % 11}`, album: `Al${i % 3}`, at: NOW - i * 13 * HOUR, secondsListened: i % 4 ? 100 + i : null });
    for (const kind of ['artist', 'album', 'track'] as const) {
      const all = (await top({ kind, limit: 100 })).items.map((i) => [i.id, i.plays, Math.round(i.seconds), i.rank]);
      const span = (await top({ kind, limit: 100, from: iso(NOW - 100 * DAY), to: iso(NOW + 1) })).items.map((i) => [i.id, i.plays, Math.round(i.seconds), i.rank]);
      expect(span).toEqual(all);
    }
  });

  it('counts a scrobble without a measured time at its track\'s length', async () => {
    h.add({ artist: 'A', title: 'x', source: 'lastfm', secondsListened: null, lengthSeconds: null, zone: null, at: NOW - 2 * HOUR });
    expect((await top({})).items[0]!.seconds).toBe(0);
    // Roon plays the same track later and says how long it is.
    h.add({ artist: 'A', title: 'x', lengthSeconds: 240, secondsListened: 100, at: NOW - HOUR });
    expect((await top({ kind: 'track' })).items[0]!.seconds).toBe(340);
  });

  it('sees plays stored after the last read, and takes a deleted play back out', async () => {
    h.add({ artist: 'A', at: NOW - 2 * HOUR });
    expect(await brief({})).toEqual([['A', 1, 1, null]]);
    h.add({ artist: 'A', title: 'again', at: NOW - HOUR }, { artist: 'B', at: NOW - HOUR });
    expect(await brief({})).toEqual([
      ['A', 2, 1, null],
      ['B', 1, 2, null],
    ]);
    h.db.raw.prepare("DELETE FROM plays WHERE track_id IN (SELECT id FROM tracks WHERE title = 'again')").run();
    expect(await brief({})).toEqual([
      ['A', 1, 1, null],
      ['B', 1, 1, null],
    ]);
    expect(await brief({ from: iso(NOW - DAY), to: iso(NOW) })).toEqual([
      ['A', 1, 1, null],
      ['B', 1, 1, null],
    ]);
    // The newest play deleted: the next one takes its id, and is counted all the same.
    h.db.raw.prepare('DELETE FROM plays WHERE id = (SELECT max(id) FROM plays)').run();
    h.add({ artist: 'C', at: NOW - 30 * 60_000 });
    expect((await brief({})).map((r) => [r[0], r[1]])).toEqual([
      ['A', 1],
      ['C', 1],
    ]);
  });
});

describe('listening clock', () => {
  const cell = (cells: Array<{ weekday: number; hour: number; plays: number }>) => cells.filter((c) => c.plays > 0).map((c) => [c.weekday, c.hour, c.plays]);

  it('puts plays into local weekday (Monday 0) and hour, across the change to summer time', async () => {
    h.add(
      // Saturday 28 March 2026, 01:30 UTC = 02:30 CET.
      { title: 'sat', at: Date.UTC(2026, 2, 28, 1, 30) },
      // Sunday 29 March, 01:30 UTC = 03:30 CEST (the clocks went from 02:00 to 03:00).
      { title: 'sun', at: Date.UTC(2026, 2, 29, 1, 30) },
      // Monday 26 October, 00:30 UTC = 01:30 CET (winter time again).
      { title: 'mon', at: Date.UTC(2026, 9, 26, 0, 30) },
    );
    const { cells, tz } = await h.api.heatmap({ tz: 'Europe/Berlin' });
    expect(tz).toBe('Europe/Berlin');
    expect(cells).toHaveLength(168);
    expect(cell(cells)).toEqual([
      [0, 1, 1],
      [5, 2, 1],
      [6, 3, 1],
    ]);
    expect(cell((await h.api.heatmap({ tz: 'UTC' })).cells)).toEqual([
      [0, 0, 1],
      [5, 1, 1],
      [6, 1, 1],
    ]);
  });

  it('counts half-hour zones per play, and a period exactly at its edges', async () => {
    h.add({ at: Date.UTC(2026, 0, 5, 0, 45) }, { title: 'b', at: Date.UTC(2026, 0, 5, 1, 15) }, { title: 'c', at: Date.UTC(2026, 0, 5, 2, 50) });
    // Kolkata is UTC+5:30: 06:15, 06:45 and 08:20 on Monday.
    expect(cell((await h.api.heatmap({ tz: 'Asia/Kolkata' })).cells)).toEqual([
      [0, 6, 2],
      [0, 8, 1],
    ]);
    const from = iso(Date.UTC(2026, 0, 5, 1, 0));
    const to = iso(Date.UTC(2026, 0, 5, 2, 50));
    expect(cell((await h.api.heatmap({ tz: 'UTC', from, to })).cells)).toEqual([[0, 1, 1]]);
    expect(cell((await h.api.heatmap({ tz: 'UTC', from: iso(Date.UTC(2026, 0, 5, 0, 50)), to: iso(Date.UTC(2026, 0, 5, 2, 51)) })).cells)).toEqual([
      [0, 1, 1],
      [0, 2, 1],
    ]);
  });

  it('refuses an unknown time zone', async () => {
    await expect(h.api.heatmap({ tz: 'Mars/Olympus' })).rejects.toThrow(/unknown time zone/);
  });
});

describe('breakdown', () => {
  it('counts per zone and per source, a listen both sources saw once as both', async () => {
    const at = NOW - 2 * HOUR;
    h.add({ title: 'x', zone: 'Kitchen', at });
    h.add({ title: 'x', zone: null, source: 'lastfm', secondsListened: null, at: at + 20_000 });
    h.add({ title: 'y', zone: 'Study', at: NOW - HOUR }, { title: 'z', zone: null, source: 'lastfm', secondsListened: null, at: NOW - 30 * 60_000 });
    const b = await h.api.breakdown({});
    // Most played first, then longest heard, then by name.
    expect(b.zones).toEqual([
      { zone: null, plays: 1, seconds: 200 },
      { zone: 'Kitchen', plays: 1, seconds: 180 },
      { zone: 'Study', plays: 1, seconds: 180 },
    ]);
    expect(b.sources.map((s) => [s.source, s.plays]).sort()).toEqual([
      ['both', 1],
      ['lastfm', 1],
      ['roon', 1],
    ]);
  });
});

describe('breakdown after a merge', () => {
  it('moves a counted play to "both" when the second source reports it', async () => {
    const at = NOW - 2 * HOUR;
    h.add({ title: 'x', zone: 'Kitchen', at });
    expect((await h.api.breakdown({})).sources).toEqual([{ source: 'roon', plays: 1, seconds: 180 }]);
    h.add({ title: 'x', zone: null, source: 'lastfm', secondsListened: null, at: at + 20_000 });
    const b = await h.api.breakdown({});
    expect(b.sources).toEqual([{ source: 'both', plays: 1, seconds: 180 }]);
    expect(b.zones).toEqual([{ zone: 'Kitchen', plays: 1, seconds: 180 }]);
    // Edges come from the plays: a period inside one day.
    expect((await h.api.breakdown({ from: iso(at - 1), to: iso(at + 1) })).sources).toEqual([{ source: 'both', plays: 1, seconds: 180 }]);
  });
});

describe('year in review', () => {
  it('totals, top lists, the busiest local day and the artists first heard that year', async () => {
    h.add({ artist: 'Old Friend', at: Date.UTC(2024, 5, 1) });
    h.add(
      { artist: 'Old Friend', title: 'again', at: Date.UTC(2025, 1, 1, 12) },
      { artist: 'Newcomer', at: Date.UTC(2025, 2, 3, 12) },
      { artist: 'Newcomer', title: 'two', at: Date.UTC(2025, 2, 3, 13) },
      { artist: 'Old Friend feat. Guest', title: 'duet', at: Date.UTC(2025, 2, 3, 14) },
      // 31 December 23:30 UTC is already 2026 in Berlin.
      { artist: 'Late', at: Date.UTC(2025, 11, 31, 23, 30) },
    );
    const y = await h.api.year({ year: 2025, tz: 'Europe/Berlin' });
    // Albums belong to their artist: Old Friend's "Album" and Newcomer's are two.
    expect(y.totals).toEqual({ plays: 4, seconds: 720, artists: 3, albums: 2, tracks: 4, days: 2 });
    expect(y.busiestDay).toEqual({ day: '2025-03-03', plays: 3, seconds: 540 });
    expect(y.newArtists.map((a) => [a.name, a.plays])).toEqual([
      ['Newcomer', 2],
      ['Guest', 1],
    ]);
    expect(y.newArtistCount).toBe(2);
    expect(y.topArtists.map((a) => [a.name, a.plays])).toEqual([
      ['Old Friend', 2],
      ['Newcomer', 2],
      ['Guest', 1],
    ]);
    expect(y.topArtists[0]!.previousRank).toBe(1);
    expect(y.months).toHaveLength(12);
    expect(y.months[2]).toEqual({ month: '2025-03', plays: 3, seconds: 540 });
    expect((await h.api.year({ year: 2026, tz: 'Europe/Berlin' })).newArtists.map((a) => a.name)).toEqual(['Late']);
    expect((await h.api.year({ year: 2025, tz: 'UTC' })).totals.plays).toBe(5);
    // A half-hour zone reads the plays themselves: the same answers.
    const kolkata = await h.api.year({ year: 2025, tz: 'Asia/Kolkata' });
    expect(kolkata.totals).toEqual({ plays: 4, seconds: 720, artists: 3, albums: 2, tracks: 4, days: 2 });
    expect(kolkata.busiestDay).toEqual({ day: '2025-03-03', plays: 3, seconds: 540 });
    expect(kolkata.months[2]).toEqual({ month: '2025-03', plays: 3, seconds: 540 });
  });
});
