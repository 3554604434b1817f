import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/main/config';
import { ConfigSchema } from '../../src/shared/config';
import { describeFieldErrors } from '../../src/shared/field-errors';
import { JobSchedule, jobSchedulesProblem } from '../../src/main/services/scheduler/schedule';
import { isValidTimeZone, localDateTime, localDay, localDayBounds, localHourMinute } from '../../src/main/services/scheduler/zoned-time';

const config = (jobs: object) => ConfigSchema.parse({ jobs });

describe('jobSchedulesProblem', () => {
  it('accepts the defaults', () => {
    expect(jobSchedulesProblem(ConfigSchema.parse({}))).toBeNull();
  });

  it('names the job with a bad cron expression; the config loader makes it a ConfigError naming the file', () => {
    expect(describeFieldErrors([jobSchedulesProblem(config({ 'db-backup': { schedule: '61 3 * * *' } }))!])).toMatch(/^jobs\.db-backup\.schedule: "61 3 \* \* \*" is not a valid cron expression/);
    expect(() => parseConfig({ jobs: { 'daily-export': { schedule: 'every day' } } })).toThrow(ConfigError);
    expect(() => parseConfig({ jobs: { 'daily-export': { schedule: 'every day' } } })).toThrow(/^config\.json: jobs\.daily-export\.schedule: /);
  });

  it('names the job with a bad time zone, a schedule that never fires, or an unknown job', () => {
    expect(describeFieldErrors([jobSchedulesProblem(config({ 'db-backup': { schedule: '0 3 * * *', timezone: 'Mars/Olympus' } }))!])).toMatch(/^jobs\.db-backup\.timezone: unknown time zone "Mars\/Olympus"/);
    expect(describeFieldErrors([jobSchedulesProblem(config({ 'db-backup': { schedule: '0 0 31 2 *' } }))!])).toMatch(/^jobs\.db-backup\.schedule: "0 0 31 2 \*" never fires/);
    expect(describeFieldErrors([jobSchedulesProblem(config({ 'db-bakup': { schedule: '0 3 * * *' } }))!])).toMatch(/^jobs\.db-bakup: there is no such job/);
  });
});

describe('JobSchedule', () => {
  it('gives the next slot strictly after an instant, in the job time zone', () => {
    const s = new JobSchedule('0 3 * * *', 'Europe/Berlin');
    expect(new Date(s.nextAfter(Date.UTC(2026, 0, 1, 12))!).toISOString()).toBe('2026-01-02T02:00:00.000Z');
    expect(new Date(s.nextAfter(Date.UTC(2026, 0, 2, 2))!).toISOString()).toBe('2026-01-03T02:00:00.000Z');
    expect(new Date(s.nextAfter(Date.UTC(2026, 6, 1, 12))!).toISOString()).toBe('2026-07-02T01:00:00.000Z');
  });
});

describe('zoned time', () => {
  it('finds local days and their bounds across DST changes', () => {
    expect(localDay(Date.UTC(2026, 2, 28, 23, 30), 'Europe/Berlin')).toBe('2026-03-29');
    expect(localHourMinute(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toBe('03:00');
    const spring = localDayBounds('2026-03-29', 'Europe/Berlin');
    expect([new Date(spring.start).toISOString(), new Date(spring.end).toISOString()]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const autumn = localDayBounds('2026-10-25', 'Europe/Berlin');
    expect(autumn.end - autumn.start).toBe(25 * 3600_000);
    const ny = localDayBounds('2026-06-01', 'America/New_York');
    expect(new Date(ny.start).toISOString()).toBe('2026-06-01T04:00:00.000Z');
  });

  it('starts a day whose midnight does not exist at the first instant that does', () => {
    // Santiago moves its clocks from 00:00 to 01:00 on the first Sunday of September.
    const gap = localDayBounds('2026-09-06', 'America/Santiago');
    expect(localDateTime(gap.start, 'America/Santiago')).toBe('2026-09-06 01:00:00');
    expect(localDay(gap.start - 1, 'America/Santiago')).toBe('2026-09-05');
    expect(gap.end - gap.start).toBe(23 * 3600_000);
  });

  it('knows IANA zones from made-up ones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(() => localDayBounds('2026-02-30', 'UTC')).toThrow(RangeError);
  });
});
