// Calendar arithmetic in a job's time zone: which local day an instant falls
// on, where that day starts and ends across DST changes, and "03:00" for the
// status line. All of it comes from ZoneOffsets (src/main/db), the one place
// the app cuts local days; its zone rules are luxon's, which the cron package
// also uses for its slots, so both agree.
import { IANAZone } from 'luxon';
import { ZoneOffsets } from '../../db/zone-offsets';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** "2026-03-29": the local calendar day of an instant. */
export function localDay(ms: number, timeZone: string): string {
  return ZoneOffsets.of(timeZone).day(ms);
}

/** "2026-03-29 03:00:00" local wall time, for people and spreadsheets. */
export function localDateTime(ms: number, timeZone: string): string {
  return ZoneOffsets.of(timeZone).wallTime(ms);
}

/** "03:00": the local wall clock, for the status line. */
export function localHourMinute(ms: number, timeZone: string): string {
  return localDateTime(ms, timeZone).slice(11, 16);
}

/**
 * The UTC instants where a local day starts and the next one starts. Where
 * midnight falls into a DST gap, the day starts at the first instant that
 * exists, which is where that day really starts.
 */
export function localDayBounds(day: string, timeZone: string): { start: number; end: number } {
  try {
    return ZoneOffsets.of(timeZone).dayBounds(day);
  } catch (error) {
    throw new RangeError(`not a day in ${timeZone}: ${day} (${(error as Error).message})`);
  }
}
