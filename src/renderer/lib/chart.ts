// Small helpers for the hand-drawn SVG charts.
import type { PlaysPerDay } from '../../shared/plays';

/** A round axis maximum at or above `value`: 1, 2, 5, 10, 20, 50… */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * Exactly `count` consecutive days ending today (or at the latest day the
 * server reported, if its clock or time zone is ahead), days without plays as 0.
 */
export function fillDays(days: PlaysPerDay, count: number, now: number): PlaysPerDay {
  const byDay = new Map(days.map((d) => [d.day.slice(0, 10), d.plays]));
  const today = isoDay(new Date(now));
  const latest = [...byDay.keys()].sort().at(-1);
  const end = latest && latest > today ? new Date(`${latest}T12:00:00`) : new Date(now);
  const out: PlaysPerDay = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = new Date(end.getFullYear(), end.getMonth(), end.getDate() - i, 12);
    const day = isoDay(d);
    out.push({ day, plays: byDay.get(day) ?? 0 });
  }
  return out;
}

/** "3 Mar" from "2025-03-03". */
export function shortDay(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T12:00:00`);
  return Number.isNaN(d.getTime()) ? day : d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}
