// Periods the History area is viewed over, and the UTC range each covers.
// Presets are rolling windows of whole local days ending today, so a link made
// this morning shows the same window all day (and the request stays the same
// between renders), and "the previous period" has the same length.

export const PERIOD_PRESETS = ['week', 'month', 'year', 'all'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];

export type Period = { preset: PeriodPreset } | { preset: 'custom'; from: string; to: string };

export const PERIOD_LABELS: Record<PeriodPreset | 'custom', string> = {
  week: 'Last 7 days',
  month: 'Last 30 days',
  year: 'Last 365 days',
  all: 'All time',
  custom: 'Custom range',
};

const PRESET_DAYS: Record<Exclude<PeriodPreset, 'all'>, number> = { week: 7, month: 30, year: 365 };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day "YYYY-MM-DD" as a local Date at midnight, or null when it is not a real day. */
export function parseDay(day: string): Date | null {
  const m = DAY_RE.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const date = new Date(y, mo, d);
  return date.getFullYear() === y && date.getMonth() === mo && date.getDate() === d ? date : null;
}

/** "YYYY-MM-DD" of a time in the local time zone. */
export function localDay(when: number | Date): string {
  const d = new Date(when);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function addDays(date: Date, days: number): Date {
  // Calendar arithmetic (not 86,400,000 ms) so daylight saving changes keep midnight at midnight.
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** A custom period only when both days are real and in order; null otherwise. */
export function customPeriod(from: string, to: string): Period | null {
  const a = parseDay(from);
  const b = parseDay(to);
  if (!a || !b || a > b) return null;
  return { preset: 'custom', from, to };
}

export interface TimeRange {
  /** ISO UTC, inclusive; absent for "since the first play". */
  from?: string;
  /** ISO UTC, exclusive; absent for "until now". */
  to?: string;
}

/** The UTC range a period covers as seen on `now`'s local day. */
export function periodRange(period: Period, now: number): TimeRange {
  if (period.preset === 'all') return {};
  if (period.preset === 'custom') {
    const from = parseDay(period.from);
    const to = parseDay(period.to);
    if (!from || !to) return {};
    return { from: from.toISOString(), to: addDays(to, 1).toISOString() };
  }
  // Ends at tomorrow's midnight rather than now, so the period and the one
  // compared against it (the same length just before) are whole days.
  const today = parseDay(localDay(now))!;
  return { from: addDays(today, 1 - PRESET_DAYS[period.preset]).toISOString(), to: addDays(today, 1).toISOString() };
}

/** "Last 30 days", or "3 Mar 2025 – 9 Mar 2025" for a custom range. */
export function periodLabel(period: Period): string {
  if (period.preset !== 'custom') return PERIOD_LABELS[period.preset];
  const fmt = (day: string) => parseDay(day)?.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' }) ?? day;
  return period.from === period.to ? fmt(period.from) : `${fmt(period.from)} – ${fmt(period.to)}`;
}

/** The UTC range of a calendar year in the local time zone. */
export function yearRange(year: number): Required<TimeRange> {
  return { from: new Date(year, 0, 1).toISOString(), to: new Date(year + 1, 0, 1).toISOString() };
}
