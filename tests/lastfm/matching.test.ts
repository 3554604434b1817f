import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeArtist, normalizeName } from '../../src/main/core/normalize';
import { EncoreDatabase } from '../../src/main/db/database';
import { matchKey, matchToleranceMs, PlayStore, type NewPlay, type PlayStoreTuning } from '../../src/main/db/plays';

describe('normalizeName', () => {
  it.each([
    ['Teardrop', 'TEARDROP'],
    ['Jóga', 'Joga'],
    ['Sigur Rós', 'sigur ros'],
    ['Mø', 'MO'],
    ['Straße', 'Strasse'],
    ['Crazy in Love (feat. Jay-Z)', 'Crazy In Love'],
    ['Crazy in Love [ft. Jay-Z]', 'crazy in love'],
    ['Crazy in Love (featuring Jay-Z)', 'Crazy in Love'],
    ['Crazy in Love feat. Jay-Z', 'Crazy in Love'],
    ['Crazy in Love ft Jay-Z', 'Crazy in Love'],
    ['Señorita (with Camila Cabello)', 'Senorita'],
    ["Don't Stop Me Now", 'Dont Stop Me Now'],
    ['Don’t Stop Me Now', "Don't Stop Me Now"],
    ['Rock & Roll', 'Rock and Roll'],
    ['Hey, Jude!', 'hey jude'],
    ['  Spaced   Out  ', 'spaced out'],
    ['Song 2 - Remastered', 'Song 2 (Remastered)'],
  ])('%s ≡ %s', (a, b) => {
    expect(normalizeName(a)).toBe(normalizeName(b));
  });

  it('keeps what tells titles apart', () => {
    expect(normalizeName('Stay With Me')).toBe('stay with me');
    expect(normalizeName('Song 2')).not.toBe(normalizeName('Song 3'));
    expect(normalizeName('Intro')).not.toBe(normalizeName('Outro'));
  });
});

describe('normalizeArtist', () => {
  it.each([
    ['Beyoncé feat. JAY-Z', 'Beyonce'],
    ['Beyoncé ft. Jay-Z', 'BEYONCÉ'],
    ['Beyoncé featuring Jay-Z', 'beyonce'],
    ['Daft Punk / Pharrell Williams', 'Daft Punk'],
    ['Calvin Harris & Dua Lipa', 'Calvin Harris'],
    ['Calvin Harris, Dua Lipa', 'Calvin Harris'],
    ['Skrillex x Diplo', 'Skrillex'],
  ])('%s credits %s first', (a, b) => {
    expect(normalizeArtist(a)).toBe(normalizeArtist(b));
  });

  it('an artist that is only a separator word still has a key', () => {
    expect(normalizeArtist('Feat')).toBe('feat');
  });

  it('matchKey joins artist and title', () => {
    expect(matchKey('Beyoncé feat. Jay-Z', 'Crazy In Love')).toBe(matchKey('BEYONCE', 'Crazy in Love (feat. JAY-Z)'));
    expect(matchKey('Massive Attack', 'Teardrop')).not.toBe(matchKey('Massive Attack', 'Angel'));
  });
});

describe('matchToleranceMs', () => {
  it('is tied to the track length and stays under half of it', () => {
    expect(matchToleranceMs(330)).toBe(148_500);
    expect(matchToleranceMs(330)).toBeLessThan(330_000 / 2);
    expect(matchToleranceMs(3600)).toBe(300_000);
    expect(matchToleranceMs(null)).toBe(90_000);
    expect(matchToleranceMs(0)).toBe(90_000);
  });
});

// A batch finds its candidates in its preloaded window, or (a window too full)
// by a query per play: both must give the same answers.
const paths: Array<[string, PlayStoreTuning]> = [
  ['window preloaded', {}],
  ['a query per play', { preloadLimit: () => -1 }],
];

describe.each(paths)('PlayStore matching across sources (%s)', (_path, tuning) => {
  const T = Date.UTC(2026, 10, 1, 20, 0, 0);
  let db: EncoreDatabase;
  let plays: PlayStore;
  beforeEach(async () => {
    db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    plays = new PlayStore(db, () => Date.UTC(2026, 10, 28), tuning);
  });
  const roon = (over: Partial<NewPlay> = {}): NewPlay => ({
    artist: 'Beyoncé feat. JAY-Z',
    title: 'Crazy in Love',
    album: 'Dangerously in Love',
    lengthSeconds: 236,
    startedAt: T,
    secondsListened: 236,
    zone: 'Kitchen',
    source: 'roon',
    ...over,
  });
  // Last.fm: no length, its own spelling, album sometimes missing.
  const lastfm = (over: Partial<NewPlay> = {}): NewPlay => ({
    artist: 'Beyonce',
    title: 'Crazy In Love (feat. Jay-Z)',
    album: null,
    lengthSeconds: null,
    startedAt: T,
    secondsListened: null,
    zone: null,
    source: 'lastfm',
    ...over,
  });

  it('Roon first, then Last.fm a few seconds apart: one play with both sources, Roon’s start kept', () => {
    plays.ingest([roon({ startedAt: T + 4_000 })]);
    expect(plays.ingest([lastfm()])).toMatchObject({ merged: 1, inserted: 0 });
    expect(plays.count()).toBe(1);
    expect(plays.list(1)[0]).toMatchObject({ sources: ['lastfm', 'roon'], startedAt: new Date(T + 4_000).toISOString(), zone: 'Kitchen' });
  });

  it('Last.fm first, then Roon: one play', () => {
    plays.ingest([lastfm()]);
    expect(plays.ingest([roon({ startedAt: T + 2_000 })])).toMatchObject({ merged: 1 });
    expect(plays.count()).toBe(1);
  });

  it('the same scrobble seen again after a merge is a no-op, not a second play', () => {
    plays.ingest([roon({ startedAt: T + 4_000 })]);
    plays.ingest([lastfm()]);
    expect(plays.ingest([lastfm()])).toMatchObject({ duplicates: 1, inserted: 0, merged: 0 });
    expect(plays.ingest([roon({ startedAt: T + 4_000 })])).toMatchObject({ duplicates: 1 });
    expect(plays.count()).toBe(1);
  });

  it('the same track twice in a row stays two plays, each matched to its own scrobble', () => {
    plays.ingest([roon(), roon({ startedAt: T + 236_000 })]);
    // Newest first, as Last.fm lists them, and one second off.
    const r = plays.ingest([lastfm({ startedAt: T + 237_000 }), lastfm({ startedAt: T + 1_000 })]);
    expect(r).toMatchObject({ merged: 2, inserted: 0 });
    expect(plays.count()).toBe(2);
    expect(plays.list(5).map((p) => p.sources)).toEqual([
      ['lastfm', 'roon'],
      ['lastfm', 'roon'],
    ]);
  });

  it('a Last.fm track played twice in a row (no Roon) is two plays', () => {
    expect(plays.ingest([lastfm(), lastfm({ startedAt: T + 236_000 })])).toMatchObject({ inserted: 2 });
  });

  it('uses the stored track’s length when Last.fm sends none: a short track’s replay is not merged', () => {
    // 40 s track: tolerance 20 s, although an unknown length alone would allow 90 s.
    plays.ingest([roon({ title: 'Interlude', lengthSeconds: 40 })]);
    const r = plays.ingest([lastfm({ title: 'Interlude', startedAt: T + 41_000 })]);
    expect(r).toMatchObject({ inserted: 1, merged: 0 });
    expect(plays.count()).toBe(2);
  });

  it('too far apart, or a different title, stays separate', () => {
    plays.ingest([roon()]);
    expect(plays.ingest([lastfm({ startedAt: T + 200_000 })])).toMatchObject({ inserted: 1 });
    expect(plays.ingest([lastfm({ title: 'Naughty Girl', startedAt: T + 1_000 })])).toMatchObject({ inserted: 1 });
    expect(plays.count()).toBe(3);
  });

  it('one batch holding both the Roon and the Last.fm view of a listen stores one play', () => {
    const r = plays.ingest([roon({ startedAt: T + 4_000 }), lastfm()]);
    expect(r).toMatchObject({ inserted: 1, merged: 1, duplicates: 0 });
    expect(plays.list(5)).toEqual([expect.objectContaining({ sources: ['lastfm', 'roon'], startedAt: new Date(T + 4_000).toISOString() })]);
    // Last.fm first in the batch: its start is kept, and Roon's zone is not (the play is Last.fm's).
    const later = T + 3_600_000;
    expect(plays.ingest([lastfm({ startedAt: later }), roon({ startedAt: later + 2_000 })])).toMatchObject({ inserted: 1, merged: 1 });
    expect(plays.list(1)[0]).toMatchObject({ sources: ['lastfm', 'roon'], startedAt: new Date(later).toISOString() });
    expect(plays.count()).toBe(2);
  });

  it('the same listen twice in one batch, and again after a merge in it, is stored once', () => {
    const r = plays.ingest([roon(), roon(), lastfm({ startedAt: T + 1_000 }), lastfm({ startedAt: T + 1_000 }), roon()]);
    expect(r).toMatchObject({ inserted: 1, merged: 1, duplicates: 3 });
    expect(r.insertedIds).toHaveLength(1);
    expect(plays.count()).toBe(1);
  });

  it('a mixed batch: replays, both sources, an unmatched scrobble and another track, in Last.fm’s newest-first order', () => {
    const r = plays.ingest([
      lastfm({ title: 'Halo', startedAt: T + 900_000 }),
      lastfm({ startedAt: T + 237_000 }),
      roon({ startedAt: T + 236_000 }),
      roon(),
      lastfm({ startedAt: T + 1_000 }),
      roon({ title: 'Halo', lengthSeconds: 261, startedAt: T + 901_000 }),
      lastfm({ startedAt: T + 600_000 }),
    ]);
    expect(r).toMatchObject({ inserted: 4, merged: 3, duplicates: 0 });
    expect(plays.list(10).map((p) => [p.title, p.startedAt, p.sources])).toEqual([
      ['Halo', new Date(T + 900_000).toISOString(), ['lastfm', 'roon']],
      ['Crazy In Love (feat. Jay-Z)', new Date(T + 600_000).toISOString(), ['lastfm']],
      ['Crazy In Love (feat. Jay-Z)', new Date(T + 237_000).toISOString(), ['lastfm', 'roon']],
      ['Crazy in Love', new Date(T).toISOString(), ['lastfm', 'roon']],
    ]);
    // Ids in batch order, as one INSERT per play would give them.
    expect(r.insertedIds).toEqual([...r.insertedIds].sort((a, b) => a - b));
    expect(plays.perDay(T - 86_400_000, T + 86_400_000)).toEqual([{ day: '2026-11-01', plays: 4 }]);
  });

  it('a source’s report at the very start another source’s report of the same track took is already stored', () => {
    const same = (over: Partial<NewPlay>) => roon({ artist: 'Massive Attack', title: 'Teardrop', album: 'Mezzanine', lengthSeconds: 330, ...over });
    plays.ingest([same({ startedAt: T })]);
    expect(plays.ingest([same({ source: 'lastfm', startedAt: T + 3_000 })])).toMatchObject({ merged: 1 });
    // Last.fm again, now at Roon's start: the play at (track, T) is this listen, not a new one.
    expect(plays.ingest([same({ source: 'lastfm', startedAt: T })])).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(plays.count()).toBe(1);
  });

  it('the newest start per source, also when it sits on an older play', () => {
    expect(plays.newestFrom('lastfm')).toBeNull();
    plays.ingest([roon()]);
    plays.ingest([lastfm({ title: 'Halo', startedAt: T + 50_000 })]);
    // Merged into the Roon play that started at T, with a start later than Halo's.
    plays.ingest([lastfm({ startedAt: T + 100_000 })]);
    expect(plays.newestFrom('lastfm')).toBe(T + 100_000);
    expect(plays.newestFrom('roon')).toBe(T);
  });

  it('a batch that fails leaves nothing behind, and the next one stores its tracks again', () => {
    const broken = { ...roon({ title: 'New Song' }) };
    Object.defineProperty(broken, 'zone', {
      get() {
        throw new Error('unreadable zone');
      },
    });
    expect(() => plays.ingest([roon(), broken])).toThrow('unreadable zone');
    expect(plays.count()).toBe(0);
    expect(db.raw.prepare('SELECT count(*) FROM tracks').pluck().get()).toBe(0);
    // Nothing remembered from the rolled-back batch (its track ids were never stored).
    expect(plays.ingest([roon(), roon({ title: 'New Song', startedAt: T + 300_000 })])).toMatchObject({ inserted: 2 });
    expect(plays.list(5).map((p) => p.title)).toEqual(['New Song', 'Crazy in Love']);
  });
});

describe('PlayStore batch windows', () => {
  it('a batch spanning a full window falls back to a query per play, with the same answers', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    const plays = new PlayStore(db, () => Date.UTC(2026, 10, 28));
    const T = Date.UTC(2026, 10, 1);
    const filler = Array.from({ length: 2_500 }, (_, i): NewPlay => ({
      artist: `Artist ${i % 50}`,
      title: `Song ${i}`,
      album: null,
      lengthSeconds: 200,
      startedAt: T + i * 30_000,
      secondsListened: 200,
      zone: 'Kitchen',
      source: 'roon',
    }));
    expect(plays.ingest(filler)).toMatchObject({ inserted: 2_500 });
    const window = db.raw.prepare('SELECT count(*) FROM plays WHERE started_at BETWEEN ? AND ?').pluck();
    // Two scrobbles 20 hours apart: their window holds 2,500 plays, more than 2,000 + 4 per play.
    const first = filler[0]!;
    const last = filler[2_499]!;
    expect(window.get(first.startedAt - 300_000, last.startedAt + 300_000)).toBeGreaterThan(2_008);
    const r = plays.ingest([
      { ...last, source: 'lastfm', lengthSeconds: null, startedAt: last.startedAt + 2_000 },
      { ...first, source: 'lastfm', lengthSeconds: null, startedAt: first.startedAt - 1_000 },
      { ...first, source: 'lastfm', lengthSeconds: null, title: 'Unheard', startedAt: first.startedAt + 5_000 },
      { ...first, source: 'lastfm', lengthSeconds: null, startedAt: first.startedAt - 1_000 },
    ]);
    expect(r).toMatchObject({ merged: 2, inserted: 1, duplicates: 1 });
    expect(plays.count()).toBe(2_501);
    expect(plays.list(1)[0]).toMatchObject({ title: 'Song 2499', sources: ['lastfm', 'roon'], startedAt: new Date(last.startedAt).toISOString() });
  });
});
