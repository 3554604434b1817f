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

/** How dark a heatmap cell is: 0 for none, then 1…levels by share of the busiest cell (a square root, so quiet hours still show). */
export function heatLevel(value: number, max: number, levels = 5): number {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.min(levels, Math.max(1, Math.ceil(Math.sqrt(value / max) * levels)));
}

/**
 * At most `maxTicks` label positions out of `count` evenly spaced slots,
 * always the first; `preferred` slots (a year's first month) win when they fit.
 */
export function pickTicks(count: number, maxTicks: number, preferred: (i: number) => boolean = () => false): number[] {
  if (count <= 0 || maxTicks <= 0) return [];
  if (count <= maxTicks) return Array.from({ length: count }, (_, i) => i);
  const spacing = count / maxTicks;
  const wanted = Array.from({ length: count }, (_, i) => i).filter(preferred);
  if (wanted.length > 0 && wanted.length <= maxTicks) {
    // Preferred ticks, thinned so no two are closer than the spacing.
    const out: number[] = [];
    for (const i of wanted) if (out.length === 0 || i - out.at(-1)! >= spacing * 0.75) out.push(i);
    return out;
  }
  const step = Math.ceil(spacing);
  return Array.from({ length: Math.ceil(count / step) }, (_, k) => k * step);
}

export interface RankChange {
  /** Shown: "▲ 3", "▼ 2", "=", "new". */
  text: string;
  /** Read out: "up 3 places from 5", "new this period". */
  label: string;
  direction: 'up' | 'down' | 'same' | 'new';
}

/** The change of a rank against the previous period's (null: not ranked then). */
export function rankChange(rank: number, previousRank: number | null | undefined): RankChange {
  if (previousRank === null || previousRank === undefined) return { text: 'new', label: 'new this period', direction: 'new' };
  const d = previousRank - rank;
  if (d === 0) return { text: '=', label: `same place as before`, direction: 'same' };
  const places = Math.abs(d) === 1 ? 'place' : 'places';
  return d > 0
    ? { text: `▲ ${d}`, label: `up ${d} ${places} from ${previousRank}`, direction: 'up' }
    : { text: `▼ ${-d}`, label: `down ${-d} ${places} from ${previousRank}`, direction: 'down' };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket's first day ("2025-03-03") as a short label: "Mar 2025" for a month, "3 Mar 2025" for a week. */
export function bucketLabel(start: string, grain: 'week' | 'month'): string {
  const [y, m, d] = start.split('-');
  const month = MONTHS[Number(m) - 1] ?? m;
  return grain === 'month' ? `${month} ${y}` : `${Number(d)} ${month} ${y}`;
}

/**
 * Labels for a timeline of weeks or months: the years where they fit (a
 * year's first bucket), otherwise months at even spacing.
 */
export function timelineTicks(starts: readonly string[], maxTicks: number): { index: number; label: string }[] {
  const yearStart = (i: number) => {
    const s = starts[i]!;
    if (i === 0) return false;
    return s.slice(0, 4) !== starts[i - 1]!.slice(0, 4);
  };
  const indices = pickTicks(starts.length, maxTicks, yearStart);
  // The first bucket is labelled too (with its month), unless a year label sits right next to it.
  if (indices.length > 0 && indices[0] !== 0 && indices[0]! >= (starts.length / maxTicks) * 0.75) indices.unshift(0);
  return indices.map((i) => {
    const s = starts[i]!;
    const [y, m] = s.split('-');
    return { index: i, label: yearStart(i) ? y! : `${MONTHS[Number(m) - 1] ?? m} ${y!}` };
  });
}

/** An axis figure: whole numbers as they are, halves (a mid line of an odd maximum) with one decimal. */
export function axisNumber(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(1);
}
