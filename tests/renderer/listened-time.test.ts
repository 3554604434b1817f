import { describe, expect, it } from 'vitest';
import { listenedTime } from '../../src/renderer/lib/format';

describe('time listened', () => {
  it('reads at a glance at every size', () => {
    expect(listenedTime(42)).toBe('42 s');
    expect(listenedTime(45 * 60 + 20)).toBe('45 min');
    expect(listenedTime(12 * 3600 + 5 * 60)).toBe('12 h 05 min');
    expect(listenedTime(341.5 * 3600)).toBe('342 h');
    expect(listenedTime(12_345 * 3600)).toBe('12,345 h');
    expect(listenedTime(null)).toBe('–');
    expect(listenedTime(-1)).toBe('–');
  });
});
