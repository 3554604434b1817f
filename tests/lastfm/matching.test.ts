import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeArtist, normalizeName } from '../../src/main/core/normalize';
import { EncoreDatabase } from '../../src/main/db/database';
import { matchKey, matchToleranceMs, PlayStore, type NewPlay } from '../../src/main/db/plays';

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

describe('PlayStore matching across sources', () => {
  const T = Date.UTC(2026, 10, 1, 20, 0, 0);
  let plays: PlayStore;
  beforeEach(async () => {
    const db = new EncoreDatabase({ file: ':memory:' });
    await db.open();
    plays = new PlayStore(db, () => Date.UTC(2026, 10, 28));
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
});
