import { describe, expect, it, vi } from 'vitest';
import { fillDays, niceMax } from '../../src/renderer/lib/chart';
import { throttle } from '../../src/renderer/lib/throttle';

describe('chart helpers', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(41)).toBe(50);
    expect(niceMax(0.3)).toBe(0.5);
  });
  it('fills the 30 days ending today, zero where there were no plays', () => {
    const now = new Date(2025, 2, 3, 15).getTime();
    const days = fillDays([{ day: '2025-03-01', plays: 4 }, { day: '2025-01-01', plays: 9 }], 30, now);
    expect(days).toHaveLength(30);
    expect(days.at(-1)).toEqual({ day: '2025-03-03', plays: 0 });
    expect(days.at(-3)).toEqual({ day: '2025-03-01', plays: 4 });
    expect(days[0]!.day).toBe('2025-02-02');
    expect(days.reduce((n, d) => n + d.plays, 0)).toBe(4);
  });
});

describe('throttle', () => {
  it('runs at once, then once more at the end of a burst', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 1_000);
    t();
    t();
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(fn).toHaveBeenCalledTimes(2);
    t.cancel();
    vi.useRealTimers();
  });
});
