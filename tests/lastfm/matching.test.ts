import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeArtist, normalizeName } from '../../src/main/core/normalize';
import { EncoreDatabase } from '../../src/main/db/database';
import { classicalMatch, matchKey, matchToleranceMs, MATCH_KEY_VERSION, type NewPlay } from '../../src/main/db/play-match';
import { PlayStore, type PlayStoreTuning } from '../../src/main/db/plays';

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

  it.each([
    ['Beatles, The', 'The Beatles'],
    ['Beatles', 'The Beatles'],
    ['Beatles, The', 'beatles'],
    ['Simon + Garfunkel', 'Simon & Garfunkel'],
    ['Simon and Garfunkel', 'Simon & Garfunkel'],
    ['Florence + the Machine', 'Florence and The Machine'],
  ])('%s is the same artist as %s', (a, b) => {
    expect(normalizeArtist(a)).toBe(normalizeArtist(b));
  });

  it('keeps a band called The The, and Theatre of Tragedy, apart from "The"', () => {
    expect(normalizeArtist('The The')).toBe('the');
    expect(normalizeArtist('Theatre of Tragedy')).toBe('theatre of tragedy');
    expect(normalizeArtist('The Cure')).not.toBe(normalizeArtist('The The'));
  });

  it('an artist that is only a separator word still has a key', () => {
    expect(normalizeArtist('Feat')).toBe('feat');
  });

  it('matchKey joins artist and title', () => {
    expect(matchKey('Beyoncé feat. Jay-Z', 'Crazy In Love')).toBe(matchKey('BEYONCE', 'Crazy in Love (feat. JAY-Z)'));
    expect(matchKey('Massive Attack', 'Teardrop')).not.toBe(matchKey('Massive Attack', 'Angel'));
  });
});

describe('matchKey', () => {
  it.each([
    ['Come Together - Remastered 2009', 'Come Together - 2009 Remaster'],
    ['Come Together (2009 Remaster)', 'Come Together'],
    ['Heroes - 2017 Remaster', 'Heroes'],
    ['Hey Jude - Mono Version', 'Hey Jude'],
    ['Waterloo Sunset [Single Version]', 'Waterloo Sunset - Stereo Mix'],
    ['Rock + Roll', 'Rock and Roll'],
  ])('%s and %s are one title', (a, b) => {
    expect(matchKey('The Beatles', a)).toBe(matchKey('Beatles, The', b));
  });

  it('keeps titles apart whose tag words are part of the name', () => {
    expect(matchKey('A', 'Mix Tape')).not.toBe(matchKey('A', 'Tape'));
    expect(matchKey('A', 'Single Ladies (Put a Ring on It)')).toBe(matchKey('A', 'Single Ladies (Put a Ring on It)'));
    expect(matchKey('A', 'Re: Stacks')).toBe(matchKey('A', 'Re Stacks'));
  });

  it('a classical title keeps work and movement apart; the movement alone matches it, whoever is credited', () => {
    const full = matchKey('Carlos Kleiber', 'Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio');
    expect(full).toBe(matchKey('Carlos Kleiber', 'Symphony No. 5 in C Minor, Op. 67 - I. Allegro con brio'));
    expect(classicalMatch(full, matchKey('Ludwig van Beethoven', 'Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio'))).toBe(true);
    expect(classicalMatch(full, matchKey('Ludwig van Beethoven', 'Allegro con brio'))).toBe(true);
    expect(classicalMatch(full, matchKey('Carlos Kleiber', 'Symphony No. 5 in C Minor, Op. 67: II. Andante con moto'))).toBe(false);
    expect(classicalMatch(full, matchKey('Carlos Kleiber', 'Symphony No. 7 in A Major, Op. 92: I. Allegro con brio'))).toBe(false);
    // Two plain titles never match across artists.
    expect(classicalMatch(matchKey('A', 'Intro'), matchKey('B', 'Intro'))).toBe(false);
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

  // The real-world pairs that used to stay two plays: Roon's report first, then Last.fm's, seconds apart.
  it.each([
    ['“Beatles, The” vs “The Beatles”', { artist: 'Beatles, The', title: 'Come Together' }, { artist: 'The Beatles', title: 'Come Together' }],
    ['“Beatles” vs “The Beatles”', { artist: 'Beatles', title: 'Something' }, { artist: 'The Beatles', title: 'Something' }],
    ['“+” vs “and” in the artist', { artist: 'Florence + the Machine', title: 'Dog Days Are Over' }, { artist: 'Florence and the Machine', title: 'Dog Days Are Over' }],
    ['“+” vs “and” in the title', { artist: 'Ramones', title: 'Rock + Roll High School' }, { artist: 'Ramones', title: 'Rock and Roll High School' }],
    ['“Remastered 2009” vs “2009 Remaster”', { artist: 'The Beatles', title: 'Here Comes the Sun - Remastered 2009' }, { artist: 'The Beatles', title: 'Here Comes the Sun - 2009 Remaster' }],
    ['a remaster suffix on one side only', { artist: 'David Bowie', title: 'Heroes - 2017 Remaster' }, { artist: 'David Bowie', title: 'Heroes' }],
    ['a bracketed remaster on one side only', { artist: 'David Bowie', title: 'Life on Mars?' }, { artist: 'David Bowie', title: 'Life on Mars? (2015 Remaster)' }],
    ['a version suffix on one side only', { artist: 'The Kinks', title: 'Waterloo Sunset - Mono Version' }, { artist: 'The Kinks', title: 'Waterloo Sunset' }],
    [
      'composer vs performer as the artist',
      { artist: 'Glenn Gould', title: 'Goldberg Variations, BWV 988: Aria' },
      { artist: 'Johann Sebastian Bach', title: 'Goldberg Variations, BWV 988: Aria' },
    ],
    ['the movement title alone', { artist: 'Glenn Gould', title: 'Goldberg Variations, BWV 988: Aria' }, { artist: 'Glenn Gould', title: 'Aria' }],
    [
      'the movement alone, credited to the composer',
      { artist: 'Carlos Kleiber; Wiener Philharmoniker', title: 'Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio' },
      { artist: 'Ludwig van Beethoven', title: 'Allegro con brio' },
    ],
    [
      'a numbered movement after a dash vs the composer’s full title',
      { artist: 'Wiener Philharmoniker', title: 'Symphony No. 5 in C Minor, Op. 67 - I. Allegro con brio' },
      { artist: 'Ludwig van Beethoven', title: 'Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio' },
    ],
  ])('%s: one play with both sources', (_kind, r, l) => {
    plays.ingest([roon({ ...r, lengthSeconds: 300, startedAt: T + 3_000 })]);
    expect(plays.ingest([lastfm(l)])).toMatchObject({ merged: 1, inserted: 0 });
    expect(plays.count()).toBe(1);
    expect(plays.list(1)[0]!.sources).toEqual(['lastfm', 'roon']);
    // Last.fm first, then Roon, the other way round: one play too.
    const later = T + 3600_000;
    plays.ingest([lastfm({ ...l, startedAt: later })]);
    expect(plays.ingest([roon({ ...r, lengthSeconds: 300, startedAt: later + 2_000 })])).toMatchObject({ merged: 1, inserted: 0 });
    expect(plays.count()).toBe(2);
  });

  it('a classical movement played twice in a row stays two plays, each with its scrobble', () => {
    const movement = { artist: 'Glenn Gould', title: 'Goldberg Variations, BWV 988: Aria', lengthSeconds: 180 };
    plays.ingest([roon({ ...movement, startedAt: T }), roon({ ...movement, startedAt: T + 180_000 })]);
    const r = plays.ingest([lastfm({ artist: 'Johann Sebastian Bach', title: 'Aria', startedAt: T + 181_000 }), lastfm({ artist: 'Johann Sebastian Bach', title: 'Aria', startedAt: T + 1_000 })]);
    expect(r).toMatchObject({ merged: 2, inserted: 0 });
    expect(plays.count()).toBe(2);
  });

  it('the next movement of a work, or a plain title by someone else at the same time, stays apart', () => {
    plays.ingest([roon({ artist: 'Carlos Kleiber', title: 'Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio', lengthSeconds: 450 })]);
    expect(plays.ingest([lastfm({ artist: 'Ludwig van Beethoven', title: 'Symphony No. 5 in C Minor, Op. 67: II. Andante con moto', startedAt: T + 2_000 })])).toMatchObject({ inserted: 1 });
    plays.ingest([roon({ artist: 'Band A', title: 'Intro', lengthSeconds: 60, startedAt: T + 3600_000 })]);
    expect(plays.ingest([lastfm({ artist: 'Band B', title: 'Intro', startedAt: T + 3600_000 + 1_000 })])).toMatchObject({ inserted: 1, merged: 0 });
    expect(plays.count()).toBe(4);
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

describe('PlayStore match keys of an older version', () => {
  it('are recomputed once when the database is first used, so stored plays keep matching', async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    const T = Date.UTC(2026, 10, 1, 20, 0, 0);
    new PlayStore(db, () => T + 86_400_000).ingest([
      { artist: 'Beatles, The', title: 'Come Together - Remastered 2009', album: null, lengthSeconds: 259, startedAt: T, secondsListened: 259, zone: 'Den', source: 'roon' },
    ]);
    // As an older Encore stored it: the plain normalised names, and no version recorded.
    db.raw.prepare("UPDATE tracks SET match_key = 'beatles' || char(1) || 'come together remastered 2009'").run();
    db.raw.prepare("DELETE FROM app_state WHERE key = 'plays.matchKeyVersion'").run();
    const plays = new PlayStore(db, () => T + 86_400_000);
    expect(plays.ingest([{ artist: 'The Beatles', title: 'Come Together', album: null, lengthSeconds: null, startedAt: T + 2_000, secondsListened: null, zone: null, source: 'lastfm' }])).toMatchObject({ merged: 1 });
    // The old track re-keyed (the Last.fm spelling has a track of its own, with the same key).
    expect(new Set(db.raw.prepare('SELECT match_key FROM tracks').pluck().all())).toEqual(new Set([matchKey('The Beatles', 'Come Together')]));
    expect(plays.count()).toBe(1);
    expect(JSON.parse(db.raw.prepare("SELECT value FROM app_state WHERE key = 'plays.matchKeyVersion'").pluck().get() as string)).toBe(MATCH_KEY_VERSION);
    db.close();
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
