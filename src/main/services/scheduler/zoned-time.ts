// Calendar arithmetic in a job's time zone: which local day an instant falls
// on and where that day starts and ends across DST changes come from
// ZoneOffsets (src/main/db), the one place the app cuts local days; the zone
// rules are luxon's, which the cron package also uses for its slots, so both
// agree. Wall times for people ("03:00") are formatted with luxon.
import { DateTime, IANAZone } from 'luxon';
import { ZoneOffsets } from '../../db/zone-offsets';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const inZone = (ms: number, timeZone: string) => DateTime.fromMillis(ms, { zone: timeZone });

/** "2026-03-29": the local calendar day of an instant. */
export function localDay(ms: number, timeZone: string): string {
  return ZoneOffsets.of(timeZone).day(ms);
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
