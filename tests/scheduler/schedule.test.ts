import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/main/config';
import { ConfigSchema } from '../../src/shared/config';
import { JobSchedule, validateJobSchedules } from '../../src/main/services/scheduler/schedule';
import { localDay, localDayBounds, localHourMinute } from '../../src/main/services/scheduler/zoned-time';

const config = (jobs: object) => ConfigSchema.parse({ jobs });

describe('validateJobSchedules', () => {
  it('accepts the defaults', () => {
    expect(() => validateJobSchedules(ConfigSchema.parse({}))).not.toThrow();
  });

  it('names the job with a bad cron expression', () => {
    expect(() => validateJobSchedules(config({ 'db-backup': { schedule: '61 3 * * *' } }))).toThrow(ConfigError);
    expect(() => validateJobSchedules(config({ 'db-backup': { schedule: '61 3 * * *' } }))).toThrow(/^jobs\.db-backup\.schedule: "61 3 \* \* \*" is not a valid cron expression/);
    expect(() => validateJobSchedules(config({ 'daily-export': { schedule: 'every day' } }), { where: 'config.json' })).toThrow(/^config\.json: jobs\.daily-export\.schedule: /);
  });

  it('names the job with a bad time zone, a schedule that never fires, or an unknown job', () => {
    expect(() => validateJobSchedules(config({ 'db-backup': { schedule: '0 3 * * *', timezone: 'Mars/Olympus' } }))).toThrow(/^jobs\.db-backup\.timezone: unknown time zone "Mars\/Olympus"/);
    expect(() => validateJobSchedules(config({ 'db-backup': { schedule: '0 0 31 2 *' } }))).toThrow(/^jobs\.db-backup\.schedule: "0 0 31 2 \*" never fires/);
    expect(() => validateJobSchedules(config({ 'db-bakup': { schedule: '0 3 * * *' } }))).toThrow(/^jobs\.db-bakup: there is no such job/);
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
});
