import { describe, expect, it } from 'vitest';
import { splitCredits } from '../../src/main/db/credits';
import { highlightRanges, matchExpression, searchWords } from '../../src/main/db/search';
import { ZoneOffsets } from '../../src/main/db/zone-offsets';
import { timeline } from '../../src/main/db/explore';

const names = (artist: string, title = 'Song') => splitCredits(artist, title).map((c) => c.name);

describe('credits', () => {
  it('splits Roon\'s " / " and the featuring forms, keeping the order', () => {
    expect(names('Daft Punk / Pharrell Williams')).toEqual(['Daft Punk', 'Pharrell Williams']);
    expect(names('Calvin Harris feat. Rihanna')).toEqual(['Calvin Harris', 'Rihanna']);
    expect(names('Calvin Harris ft Rihanna')).toEqual(['Calvin Harris', 'Rihanna']);
    expect(names('Gorillaz featuring De La Soul')).toEqual(['Gorillaz', 'De La Soul']);
    expect(names('Jay-Z (feat. Alicia Keys)')).toEqual(['Jay-Z', 'Alicia Keys']);
    expect(names('Moby vs. Public Enemy')).toEqual(['Moby', 'Public Enemy']);
  });

  it('keeps bands joined by "&", "and", "," or "x" as one artist, and "/" without spaces', () => {
    expect(names('Simon & Garfunkel')).toEqual(['Simon & Garfunkel']);
    expect(names('Earth, Wind & Fire')).toEqual(['Earth, Wind & Fire']);
    expect(names('Tyler, the Creator')).toEqual(['Tyler, the Creator']);
    expect(names('Lil Nas X')).toEqual(['Lil Nas X']);
    expect(names('AC/DC')).toEqual(['AC/DC']);
  });

  it('splits a guest list, and credits guests named in the title', () => {
    expect(names('A feat. B & C')).toEqual(['A', 'B', 'C']);
    expect(names('A feat. B, C & D')).toEqual(['A', 'B', 'C', 'D']);
    expect(names('Mark Ronson', 'Uptown Funk (feat. Bruno Mars)')).toEqual(['Mark Ronson', 'Bruno Mars']);
    expect(names('Mark Ronson', 'Uptown Funk feat. Bruno Mars')).toEqual(['Mark Ronson', 'Bruno Mars']);
    expect(splitCredits('A feat. B', 'x').map((c) => c.main)).toEqual([true, false]);
  });

  it('credits each artist once, however spelt, and never nobody', () => {
    expect(names('Björk / Bjork')).toEqual(['Björk']);
    expect(names('A feat. A')).toEqual(['A']);
    expect(names(' / ')).toEqual(['/']);
  });
});

describe('search words and highlights', () => {
  it('folds case and diacritics and builds a prefix query', () => {
    expect(searchWords('  Sigur RÓS ')).toEqual(['sigur', 'ros']);
    expect(searchWords('AC/DC')).toEqual(['ac', 'dc']);
    expect(searchWords('"; DROP')).toEqual(['drop']);
    expect(matchExpression(['sigur', 'ros'])).toBe('"sigur"* "ros"*');
  });

  it('marks the start of each matching word in the shown text', () => {
    expect(highlightRanges('Sigur Rós', ['ro'])).toEqual([[6, 8]]);
    expect(highlightRanges('Sigur Rós', ['ros'])).toEqual([[6, 9]]);
    expect(highlightRanges('Beyoncé', ['beyonce'])).toEqual([[0, 7]]);
    // Decomposed é: the mark belongs to the letter.
    expect(highlightRanges('Beyonce\u0301', ['beyonce'])).toEqual([[0, 8]]);
    expect(highlightRanges('Love Will Tear Us Apart', ['wi', 'tea'])).toEqual([
      [5, 7],
      [10, 13],
    ]);
    expect(highlightRanges('Glove', ['lo'])).toEqual([]);
  });
});

describe('zone offsets', () => {
  it('follows daylight saving to the second', () => {
    const berlin = ZoneOffsets.of('Europe/Berlin');
    const change = Date.UTC(2026, 2, 29, 1, 0, 0);
    expect(berlin.offset(change - 1000)).toBe(3600_000);
    expect(berlin.offset(change)).toBe(7200_000);
    expect(berlin.offset(Date.UTC(2026, 9, 25, 0, 59, 59))).toBe(7200_000);
    expect(berlin.offset(Date.UTC(2026, 9, 25, 1, 0, 0))).toBe(3600_000);
    expect(berlin.wholeHours).toBe(true);
    expect(ZoneOffsets.of('Asia/Kolkata').offset(change)).toBe(19_800_000);
    expect(ZoneOffsets.of('Asia/Kolkata').wholeHours).toBe(false);
  });

  it('finds the instant of a local wall time', () => {
    const berlin = ZoneOffsets.of('Europe/Berlin');
    expect(berlin.utc(Date.UTC(2026, 0, 1))).toBe(Date.UTC(2025, 11, 31, 23));
    expect(berlin.utc(Date.UTC(2026, 6, 1))).toBe(Date.UTC(2026, 5, 30, 22));
  });
});

describe('timeline', () => {
  it('buckets by local week from Monday, empty weeks included', () => {
    // Sunday 23:30 UTC is Monday 00:30 in Berlin: the next week there.
    const sundayNight = Date.UTC(2026, 0, 11, 23, 30);
    const t = timeline(
      [
        [sundayNight, 100],
        [Date.UTC(2026, 0, 26, 12), 50],
      ],
      'week',
      'Europe/Berlin',
    );
    expect(t.points).toEqual([
      { start: '2026-01-12', plays: 1, seconds: 100 },
      { start: '2026-01-19', plays: 0, seconds: 0 },
      { start: '2026-01-26', plays: 1, seconds: 50 },
    ]);
    expect(timeline([[sundayNight, 100]], 'week', 'UTC').points[0]!.start).toBe('2026-01-05');
  });

  it('buckets by local month', () => {
    const t = timeline(
      [
        [Date.UTC(2025, 11, 31, 23, 30), 1],
        [Date.UTC(2026, 2, 2), 1],
      ],
      'month',
      'Europe/Berlin',
    );
    expect(t.points.map((p) => [p.start, p.plays])).toEqual([
      ['2026-01-01', 1],
      ['2026-02-01', 0],
      ['2026-03-01', 1],
    ]);
  });
});
