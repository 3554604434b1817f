import { describe, expect, it } from 'vitest';
import { customPeriod, localDay, parseDay, periodLabel, periodRange, yearRange } from '../../src/renderer/lib/period';

// vitest runs with TZ=UTC; the daylight saving case sets its own zone through Date arithmetic below.
const NOW = Date.parse('2025-03-10T15:30:00Z');

describe('periods', () => {
  it('rolls presets over whole local days ending today', () => {
    const to = '2025-03-11T00:00:00.000Z';
    expect(periodRange({ preset: 'week' }, NOW)).toEqual({ from: '2025-03-04T00:00:00.000Z', to });
    expect(periodRange({ preset: 'month' }, NOW)).toEqual({ from: '2025-02-09T00:00:00.000Z', to });
    expect(periodRange({ preset: 'year' }, NOW)).toEqual({ from: '2024-03-11T00:00:00.000Z', to });
    expect(periodRange({ preset: 'all' }, NOW)).toEqual({});
  });
  it('is the same all day, so a request does not change between renders', () => {
    expect(periodRange({ preset: 'week' }, Date.parse('2025-03-10T00:00:01Z'))).toEqual(periodRange({ preset: 'week' }, Date.parse('2025-03-10T23:59:59Z')));
  });
  it('covers both ends of a custom range, the last day included', () => {
    expect(periodRange({ preset: 'custom', from: '2025-03-01', to: '2025-03-01' }, NOW)).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-03-02T00:00:00.000Z' });
    expect(yearRange(2024)).toEqual({ from: '2024-01-01T00:00:00.000Z', to: '2025-01-01T00:00:00.000Z' });
  });
  it('accepts only real days, in order', () => {
    expect(parseDay('2025-02-29')).toBeNull();
    expect(parseDay('2024-02-29')?.getDate()).toBe(29);
    expect(parseDay('2025-3-1')).toBeNull();
    expect(customPeriod('2025-03-02', '2025-03-01')).toBeNull();
    expect(customPeriod('2025-03-01', '2025-03-02')).toEqual({ preset: 'custom', from: '2025-03-01', to: '2025-03-02' });
    expect(localDay(NOW)).toBe('2025-03-10');
  });
  it('names presets and ranges', () => {
    expect(periodLabel({ preset: 'month' })).toBe('Last 30 days');
    expect(periodLabel({ preset: 'custom', from: '2025-03-01', to: '2025-03-09' })).toMatch(/2025.*–.*2025/);
  });
  it('keeps local midnights across a daylight saving change', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
    try {
      // Clocks went forward on 30 March 2025: the week starts at CET midnight and ends at CEST midnight.
      expect(periodRange({ preset: 'week' }, Date.parse('2025-03-31T10:00:00Z'))).toEqual({ from: '2025-03-24T23:00:00.000Z', to: '2025-03-31T22:00:00.000Z' });
    } finally {
      process.env.TZ = saved;
    }
  });
});
