import { describe, expect, it } from 'vitest';
import { countdown, formatDuration, formatEta, plural, relativeTime, trackTime } from '../../src/renderer/lib/format';

const NOW = Date.parse('2025-03-03T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('relativeTime', () => {
  it('says just now, seconds, minutes, hours and days, in the past and the future', () => {
    expect(relativeTime(ago(2_000), NOW)).toBe('just now');
    expect(relativeTime(ago(12_000), NOW)).toBe('12 s ago');
    expect(relativeTime(ago(5 * 60_000 + 30_000), NOW)).toBe('5 min ago');
    expect(relativeTime(ago(3 * 3600_000), NOW)).toBe('3 h ago');
    expect(relativeTime(ago(2 * 86400_000), NOW)).toBe('2 d ago');
    expect(relativeTime(ago(-40_000), NOW)).toBe('in 40 s');
  });
  it('handles missing and unparsable times', () => {
    expect(relativeTime(null, NOW)).toBe('never');
    expect(relativeTime('not a date', NOW)).toBe('unknown');
  });
});

describe('formatDuration', () => {
  it('picks a unit a person reads at a glance', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1_234)).toBe('1.2 s');
    expect(formatDuration(14_400)).toBe('14 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(-5)).toBe('0 ms');
  });
  it('never shows 60 seconds or 60 minutes', () => {
    expect(formatDuration(119_700)).toBe('2 min 00 s');
    expect(formatDuration(2 * 3600_000 - 10_000)).toBe('2 h 00 min');
  });
});

describe('countdown', () => {
  it('counts down to the next retry and says now once it is due', () => {
    expect(countdown(new Date(NOW + 7_200).toISOString(), NOW)).toBe('0:08');
    expect(countdown(new Date(NOW + 150_000).toISOString(), NOW)).toBe('2:30');
    expect(countdown(new Date(NOW + 3_723_000).toISOString(), NOW)).toBe('1:02:03');
    expect(countdown(new Date(NOW - 1).toISOString(), NOW)).toBe('now');
    expect(countdown(null, NOW)).toBeNull();
  });
});

describe('small formats', () => {
  it('formats ETA, plurals and track positions', () => {
    expect(formatEta(null)).toBeNull();
    expect(formatEta(2)).toBe('a few seconds left');
    expect(formatEta(190)).toBe('about 3 min 10 s left');
    expect(plural(1, 'play')).toBe('1 play');
    expect(plural(1234, 'play')).toBe('1,234 plays');
    expect(trackTime(205)).toBe('3:25');
    expect(trackTime(null)).toBe('–');
  });
});
