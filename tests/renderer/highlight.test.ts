import { describe, expect, it } from 'vitest';
import { matchRanges, segments } from '../../src/renderer/lib/highlight';

const marked = (text: string, query: string) =>
  segments(text, matchRanges(text, query))
    .map((s) => (s.mark ? `[${s.text}]` : s.text))
    .join('');

describe('search highlight', () => {
  it('marks word prefixes, ignoring case and accents both ways', () => {
    expect(marked('Beyoncé', 'beyo')).toBe('[Beyo]ncé');
    expect(marked('Café Tacvba', 'cafe')).toBe('[Café] Tacvba');
    expect(marked('Sigur Ros', 'rós')).toBe('Sigur [Ros]');
    expect(marked('So What', 'wh so')).toBe('[So] [Wh]at');
  });
  it('marks only word starts, as the index matches', () => {
    expect(marked('Miles Davis', 'avis')).toBe('Miles Davis');
    expect(marked('Blue in Green', 'in')).toBe('Blue [in] Green');
  });
  it('maps folded lengths back onto the original characters', () => {
    // "Å" is one UTF-16 unit but two code points in NFD: the mark must still cover exactly "Å".
    expect(marked('Ålborg', 'a')).toBe('[Å]lborg');
    expect(marked('e\u0301toile', 'e')).toBe('[e\u0301]toile');
  });
  it('merges overlapping and unsorted ranges, clamps the ones that overshoot', () => {
    expect(segments('abcdef', [{ start: 3, end: 10 }, { start: 0, end: 2 }, { start: 1, end: 3 }])).toEqual([
      { text: 'abcdef', mark: true },
    ]);
    expect(segments('abc', [])).toEqual([{ text: 'abc', mark: false }]);
    expect(segments('', [{ start: 0, end: 1 }])).toEqual([{ text: '', mark: false }]);
  });
  it('marks nothing for a query of punctuation only', () => {
    expect(matchRanges('AC/DC', '/ -')).toEqual([]);
  });
});
