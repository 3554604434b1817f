import { describe, expect, it } from 'vitest';
import { axisNumber, bucketLabel, heatLevel, pickTicks, rankChange, timelineTicks } from '../../src/renderer/lib/chart';
import { exportFileName, toCsv } from '../../src/renderer/lib/export';

describe('chart scales', () => {
  it('grades heatmap cells, zero apart from any play', () => {
    expect(heatLevel(0, 40)).toBe(0);
    expect(heatLevel(1, 400)).toBe(1);
    expect(heatLevel(40, 40)).toBe(5);
    expect(heatLevel(10, 40)).toBe(3);
    expect(heatLevel(5, 0)).toBe(0);
  });
  it('thins axis labels to what fits, keeping the first', () => {
    expect(pickTicks(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(pickTicks(100, 5)).toEqual([0, 20, 40, 60, 80]);
    expect(pickTicks(0, 5)).toEqual([]);
  });
  it('prefers year starts when they fit', () => {
    // 36 months from March: Januaries at 10 and 22 (and 34).
    const ticks = pickTicks(36, 6, (i) => (i + 2) % 12 === 0);
    expect(ticks).toEqual([10, 22, 34]);
  });
  it('says how a rank moved against the previous period', () => {
    expect(rankChange(2, 5)).toEqual({ text: '▲ 3', label: 'up 3 places from 5', direction: 'up' });
    expect(rankChange(4, 3)).toEqual({ text: '▼ 1', label: 'down 1 place from 3', direction: 'down' });
    expect(rankChange(1, 1).direction).toBe('same');
    expect(rankChange(7, null)).toMatchObject({ text: 'new', direction: 'new' });
  });
});

describe('export of a view', () => {
  it('writes RFC 4180 CSV, quoting what needs it and defusing formulas', () => {
    const csv = toCsv(
      [
        { name: 'Simon & Garfunkel', plays: 3 },
        { name: 'He said "hi", then\nleft', plays: -1 },
        { name: '=HYPERLINK("x")', plays: null },
      ],
      [
        { header: 'name', value: (r) => r.name },
        { header: 'plays', value: (r) => r.plays },
      ],
    );
    expect(csv).toBe('name,plays\r\nSimon & Garfunkel,3\r\n"He said ""hi"", then\nleft",-1\r\n"\'=HYPERLINK(""x"")",\r\n');
  });
  it('names files safely', () => {
    expect(exportFileName('Top artists · Last 30 days', 'csv')).toBe('top-artists-last-30-days.csv');
    expect(exportFileName('Björk', 'json')).toBe('bjork.json');
    expect(exportFileName('///', 'json')).toBe('encore.json');
  });
});

describe('timeline labels', () => {
  const months = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${2022 + Math.floor((from + i) / 12)}-${String(((from + i) % 12) + 1).padStart(2, '0')}-01`);
  it('labels years on a long timeline', () => {
    // March 2022 to February 2025: Januaries 2023, 2024, 2025.
    expect(timelineTicks(months(2, 36), 8)).toEqual([
      { index: 0, label: 'Mar 2022' },
      { index: 10, label: '2023' },
      { index: 22, label: '2024' },
      { index: 34, label: '2025' },
    ]);
  });
  it('leaves the first month out when a year label is right beside it', () => {
    expect(timelineTicks(months(11, 24), 8).map((t) => t.label)).toEqual(['2023', '2024']);
  });
  it('labels months on a short one', () => {
    expect(timelineTicks(months(2, 4), 8).map((t) => t.label)).toEqual(['Mar 2022', 'Apr 2022', 'May 2022', 'Jun 2022']);
    expect(bucketLabel('2025-03-03', 'week')).toBe('3 Mar 2025');
    expect(axisNumber(2.5)).toBe('2.5');
    expect(axisNumber(1000)).toBe('1,000');
    expect(bucketLabel('2025-03-01', 'month')).toBe('Mar 2025');
  });
});
