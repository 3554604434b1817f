import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryQuerySchema, type HistoryQuery } from '../../src/shared/explore';
import { DAY, HOUR, iso, NOW, openExplore, type ExploreHarness } from './harness';

let h: ExploreHarness;
beforeEach(async () => (h = await openExplore()));
afterEach(() => h.close());

const query = (q: Partial<HistoryQuery> = {}) => h.api.history(HistoryQuerySchema.parse(q));
const titles = async (q: Partial<HistoryQuery> = {}) => (await query(q)).plays.map((p) => p.title);

async function allPages(q: Partial<HistoryQuery>): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await query({ ...q, ...(cursor ? { cursor } : {}) });
    out.push(...page.plays.map((p) => p.title));
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error('never ended');
}

describe('history pages', () => {
  it('pages newest first by cursor, and the pages stay put while new plays arrive', async () => {
    for (let i = 0; i < 25; i++) h.add({ title: `T${i}`, at: NOW - (25 - i) * HOUR });
    const first = await query({ limit: 10 });
    expect(first.plays.map((p) => p.title)).toEqual(['T24', 'T23', 'T22', 'T21', 'T20', 'T19', 'T18', 'T17', 'T16', 'T15']);
    // A new listen arrives between two pages: the next page goes on where the first stopped.
    h.add({ title: 'NEW', at: NOW - 10 * 60_000 });
    const second = await query({ limit: 10, cursor: first.nextCursor! });
    expect(second.plays.map((p) => p.title)).toEqual(['T14', 'T13', 'T12', 'T11', 'T10', 'T9', 'T8', 'T7', 'T6', 'T5']);
    const third = await query({ limit: 10, cursor: second.nextCursor! });
    expect(third.plays.map((p) => p.title)).toEqual(['T4', 'T3', 'T2', 'T1', 'T0']);
    expect(third.nextCursor).toBeNull();
    expect((await titles({ limit: 1 }))[0]).toBe('NEW');
  });

  it('breaks ties of equal starts by id, never repeating or skipping a play', async () => {
    for (let i = 0; i < 7; i++) h.add({ title: `Same${i}`, artist: `A${i}`, at: NOW - HOUR });
    const seen = await allPages({ limit: 2 });
    expect(seen.sort()).toEqual(['Same0', 'Same1', 'Same2', 'Same3', 'Same4', 'Same5', 'Same6']);
  });

  it('keeps `before` (older than an instant)', async () => {
    h.add({ title: 'old', at: NOW - 3 * HOUR }, { title: 'edge', at: NOW - 2 * HOUR }, { title: 'new', at: NOW - HOUR });
    expect(await titles({ before: iso(NOW - 2 * HOUR) })).toEqual(['old']);
  });

  it('filters by period, zone and source', async () => {
    h.add(
      { title: 'kitchen', zone: 'Kitchen', at: NOW - 5 * DAY },
      { title: 'study', zone: 'Study', at: NOW - 3 * DAY },
      { title: 'scrobble', zone: null, source: 'lastfm', secondsListened: null, at: NOW - 2 * DAY },
    );
    expect(await titles({ zone: 'Kitchen' })).toEqual(['kitchen']);
    expect(await titles({ source: 'lastfm' })).toEqual(['scrobble']);
    expect(await titles({ source: 'roon' })).toEqual(['study', 'kitchen']);
    expect(await titles({ from: iso(NOW - 4 * DAY), to: iso(NOW - 2 * DAY) })).toEqual(['study']);
    expect(await titles({ from: iso(NOW - 4 * DAY), to: iso(NOW - 2 * DAY + 1) })).toEqual(['scrobble', 'study']);
  });

  it('filters by artist (credits included), album and track, with the ids to link to', async () => {
    h.add(
      { artist: 'Calvin Harris feat. Rihanna', title: 'This Is What You Came For', album: 'Single', at: NOW - 3 * HOUR },
      { artist: 'Rihanna', title: 'Umbrella', album: 'Good Girl Gone Bad', at: NOW - 2 * HOUR },
      { artist: 'Calvin Harris', title: 'Summer', album: 'Motion', at: NOW - HOUR },
    );
    const page = await query();
    const came = page.plays.find((p) => p.title === 'This Is What You Came For')!;
    expect(came.artists.map((a) => a.name)).toEqual(['Calvin Harris', 'Rihanna']);
    const rihanna = came.artists[1]!.id;
    expect(await titles({ artist: rihanna })).toEqual(['Umbrella', 'This Is What You Came For']);
    expect(await titles({ artist: came.artists[0]!.id })).toEqual(['Summer', 'This Is What You Came For']);
    const umbrella = page.plays.find((p) => p.title === 'Umbrella')!;
    expect(await titles({ album: umbrella.albumId! })).toEqual(['Umbrella']);
    expect(await titles({ track: umbrella.trackId })).toEqual(['Umbrella']);
    expect(await titles({ track: umbrella.trackId, artist: came.artists[0]!.id })).toEqual([]);
  });

  it('pages a filtered view by cursor both ways it can read it', async () => {
    // Artist X on a few tracks (read through track_plays), and on many (walked in time order).
    for (let i = 0; i < 30; i++) h.add({ artist: i % 3 ? 'Other' : 'X', title: `S${i}`, at: NOW - (30 - i) * HOUR });
    const x = (await query({ q: 'x' })).plays[0]!.artists[0]!.id;
    const expected = Array.from({ length: 10 }, (_, k) => `S${27 - 3 * k}`);
    expect(await allPages({ artist: x, limit: 3 })).toEqual(expected);
    expect(await allPages({ q: 'x', limit: 3 })).toEqual(expected);
  });
});

describe('search as you type', () => {
  beforeEach(() => {
    h.add(
      { artist: 'Sigur Rós', title: 'Hoppípolla', album: 'Takk...', at: NOW - 4 * HOUR },
      { artist: 'Beyoncé', title: 'Halo', album: 'I Am... Sasha Fierce', at: NOW - 3 * HOUR },
      { artist: 'Joy Division', title: 'Love Will Tear Us Apart', album: null, at: NOW - 2 * HOUR },
      { artist: 'Rosalía', title: 'Malamente', album: 'El Mal Querer', at: NOW - HOUR },
    );
  });

  it('ignores case and diacritics and matches word prefixes over artist, title and album', async () => {
    expect(await titles({ q: 'sigur ros' })).toEqual(['Hoppípolla']);
    expect(await titles({ q: 'BEYO' })).toEqual(['Halo']);
    expect(await titles({ q: 'hoppipolla' })).toEqual(['Hoppípolla']);
    expect(await titles({ q: 'ros' })).toEqual(['Malamente', 'Hoppípolla']);
    expect(await titles({ q: 'sasha' })).toEqual(['Halo']);
    expect(await titles({ q: 'love tear' })).toEqual(['Love Will Tear Us Apart']);
    // A word must start a word: "ear" is inside "Tear".
    expect(await titles({ q: 'ear' })).toEqual([]);
    expect(await titles({ q: 'joy halo' })).toEqual([]);
  });

  it('marks what matched in the shown strings', async () => {
    const [halo] = (await query({ q: 'beyonce ha' })).plays;
    expect(halo!.highlight).toEqual({ artist: [[0, 7]], title: [[0, 2]], album: [], credits: [halo!.artists[0]!.id] });
    const [love] = (await query({ q: 'apart' })).plays;
    expect(love!.highlight).toEqual({ artist: [], title: [[18, 23]], album: [], credits: [] });
    expect((await query()).plays[0]!.highlight).toBeUndefined();
  });

  it('names the credit that matched when the artist string does not spell it out', async () => {
    // Stored under Massive Attack's row (the first spelling of its artist), credited to both.
    h.add({ artist: 'Massive Attack', title: 'Angel', at: NOW - 6 * HOUR }, { artist: 'Massive Attack feat. Elizabeth Fraser', title: 'Black Milk', at: NOW - 5 * HOUR });
    const [milk] = (await query({ q: 'fraser' })).plays;
    expect(milk!.title).toBe('Black Milk');
    expect(milk!.highlight!.artist).toEqual([]);
    expect(milk!.highlight!.credits).toEqual([milk!.artists.find((a) => a.name === 'Elizabeth Fraser')!.id]);
  });

  it('survives FTS syntax in the query', async () => {
    expect(await titles({ q: '"AND OR NOT* ( ^' })).toEqual([]);
    expect(await titles({ q: '***' })).toHaveLength(4);
  });
});

describe('search over a large match set', () => {
  it('walks plays in time order when thousands of tracks match', async () => {
    const batch = [];
    for (let i = 0; i < 2_100; i++) batch.push({ artist: `Band ${i}`, title: `Track ${i}`, at: NOW - (2_100 - i) * 60_000 });
    h.add(...batch);
    const page = await query({ q: 'band', limit: 5 });
    expect(page.plays.map((p) => p.title)).toEqual(['Track 2099', 'Track 2098', 'Track 2097', 'Track 2096', 'Track 2095']);
    const next = await query({ q: 'band', limit: 5, cursor: page.nextCursor! });
    expect(next.plays[0]!.title).toBe('Track 2094');
    expect(page.plays[0]!.highlight!.artist).toEqual([[0, 4]]);
  });
});
