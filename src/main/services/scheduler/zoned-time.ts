// Calendar arithmetic in a job's time zone, with luxon (which the cron package
// already uses for its slots, so both agree on every zone rule): which local
// day an instant falls on, where that day starts and ends across DST changes,
// and "03:00" for the status line.
import { DateTime, IANAZone } from 'luxon';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const inZone = (ms: number, timeZone: string) => DateTime.fromMillis(ms, { zone: timeZone });

/** "2026-03-29": the local calendar day of an instant. */
export function localDay(ms: number, timeZone: string): string {
  return inZone(ms, timeZone).toFormat('yyyy-MM-dd');
}

/** "2026-03-29 03:00:00" local wall time, for people and spreadsheets. */
export function localDateTime(ms: number, timeZone: string): string {
  return inZone(ms, timeZone).toFormat('yyyy-MM-dd HH:mm:ss');
}

export function localHourMinute(ms: number, timeZone: string): string {
  return inZone(ms, timeZone).toFormat('HH:mm');
}

/**
 * The UTC instants where a local day starts and the next one starts. Where
 * midnight falls into a DST gap, luxon moves it forward to the first instant
 * that exists, which is where that day really starts.
 */
export function localDayBounds(day: string, timeZone: string): { start: number; end: number } {
  const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
  if (!start.isValid) throw new RangeError(`not a day in ${timeZone}: ${day} (${start.invalidExplanation ?? start.invalidReason})`);
  return { start: start.toMillis(), end: start.plus({ days: 1 }).startOf('day').toMillis() };
}
