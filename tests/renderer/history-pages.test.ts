import { describe, expect, it } from 'vitest';
import { mergeFirstPage } from '../../src/renderer/components/history/use-history-pages';

const play = (id: number, minute: number) => ({ id, startedAt: new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString() });

describe('refreshing a scrolled history', () => {
  it('replaces the list while only the first page is shown', () => {
    expect(mergeFirstPage([play(2, 2), play(1, 1)], [play(3, 3), play(2, 2)], 2)).toEqual([play(3, 3), play(2, 2)]);
  });
  it('puts new plays on top and keeps every page already scrolled in', () => {
    const current = [play(5, 5), play(4, 4), play(3, 3), play(2, 2), play(1, 1)];
    const first = [play(7, 7), play(6, 6), play(5, 5)];
    expect(mergeFirstPage(current, first, 3).map((p) => p.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });
  it('never moves an older play (an import filling the past) above the top', () => {
    const current = [play(5, 5), play(4, 4), play(3, 3), play(2, 2)];
    expect(mergeFirstPage(current, [play(5, 5), play(9, 4), play(4, 4)], 2).map((p) => p.id)).toEqual([5, 4, 3, 2]);
  });
});
