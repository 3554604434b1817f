import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, resolveDataDir, saveConfig } from './config';
import { effectiveJobs } from '../shared/config';

const temp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'encore-config-'));

describe('config', () => {
  it('runs with no file at all: embedded database, Roon by discovery, Last.fm not configured', () => {
    const config = loadConfig(temp());
    expect(config.roon).toMatchObject({ host: null, port: null });
    expect(config.lastfm).toMatchObject({ user: null, apiKey: null, apiRoot: 'https://ws.audioscrobbler.com/2.0/', pollSeconds: 60 });
    expect(config.restore.timeoutsMs).toEqual({ database: 10_000, roon: 10_000, lastfm: 10_000, scheduler: 15_000 });
    expect(config.db.busyTimeoutMs).toBe(5000);
  });

  it('names the bad field', () => {
    expect(() => parseConfig({ lastfm: { pollSeconds: -1 } })).toThrow(/lastfm\.pollSeconds/);
    expect(() => parseConfig({ restore: { timeoutsMs: { roon: 'sometimes' } } })).toThrow(/restore\.timeoutsMs\.roon/);
    expect(() => parseConfig({ lastfm: { apiRoot: 'not a url' } })).toThrow(/lastfm\.apiRoot/);
    expect(() => parseConfig({ roon: { hots: 'typo' } })).toThrow(/roon.*hots/);
    expect(() => parseConfig({ jobs: { 'db-backup': { schedule: '61 * * * *' } } })).toThrow(/jobs\.db-backup\.schedule/);
    expect(() => parseConfig({ jobs: { 'db-backup': { schedule: '0 3 * * *', timezone: 'Nowhere/Land' } } })).toThrow(/jobs\.db-backup\.timezone/);
    expect(() => parseConfig({ jobs: { 'db-backup': { timezone: 'Nowhere/Land' } } })).toThrow(/jobs\.db-backup\.timezone/);
    expect(() => parseConfig({ roon: { port: 9330 } })).toThrow(/roon\.host: set it together with roon\.port/);
    expect(() => parseConfig({ roon: { host: 'core.local' } })).toThrow(/roon\.port: set it together with roon\.host/);
    expect(() => parseConfig({ jobs: { nope: { enabled: false } } })).toThrow(/jobs\.nope: there is no such job/);
    expect(() => parseConfig({ lastfm: { apiRoot: 'ftp://example.com/2.0/' } })).toThrow(/lastfm\.apiRoot: an http/);
    expect(() => parseConfig({ roon: { discovery: { multicastGroup: 'everyone' } } })).toThrow(/roon\.discovery\.multicastGroup: an IPv4 address/);
    expect(() => parseConfig({ roon: { discovery: { broadcastAddresses: ['10.0.0.255', 'x'] } } })).toThrow(/roon\.discovery\.broadcastAddresses\.1/);
    expect(parseConfig({ restore: { timeoutsMs: { roon: 'auto' } } }).restore.timeoutsMs.roon).toBe('auto');
  });

  it('carries each bad field as data, not only in its message', () => {
    const refused = (value: unknown) => {
      try {
        parseConfig(value, 'settings');
      } catch (error) {
        if (error instanceof ConfigError) return { where: error.where, errors: error.errors };
        throw error;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused({ lastfm: { pollSeconds: -1 }, roon: { port: 0 } })).toEqual({ where: 'settings', errors: [expect.objectContaining({ field: 'roon.port' }), expect.objectContaining({ field: 'lastfm.pollSeconds' })] });
    expect(refused({ roon: { port: 9330 } }).errors).toEqual([{ field: 'roon.host', message: 'set it together with roon.port (or leave both out to use discovery)' }]);
    expect(refused({ jobs: { 'db-backup': { schedule: '61 * * * *' } } }).errors).toEqual([expect.objectContaining({ field: 'jobs.db-backup.schedule' })]);
  });

  it('bounds every duration and count, naming the field (a huge delay once became a 1 ms timer)', () => {
    const refused: Array<[unknown, RegExp]> = [
      [{ restore: { backoff: { initialMs: 1e12 } } }, /restore\.backoff\.initialMs: at most/],
      [{ restore: { backoff: { maxMs: 2 ** 31 } } }, /restore\.backoff\.maxMs: at most 86400000 ms \(1 day\)/],
      [{ restore: { backoff: { initialMs: 5000, maxMs: 1000 } } }, /restore\.backoff\.maxMs: must not be below initialMs/],
      [{ restore: { heartbeatMs: 1e12 } }, /restore\.heartbeatMs: at most/],
      [{ restore: { heartbeatMs: 10 } }, /restore\.heartbeatMs: at least 1000 ms/],
      [{ restore: { clockJumpMs: 1e12 } }, /restore\.clockJumpMs: at most/],
      [{ restore: { timeoutsMs: { lastfm: 3e9 } } }, /restore\.timeoutsMs\.lastfm/],
      [{ jobs: { 'db-backup': { timeoutMs: 3e9 } } }, /jobs\.db-backup\.timeoutMs: at most/],
      [{ jobs: { 'db-backup': { timeoutMs: 50 } } }, /jobs\.db-backup\.timeoutMs: at least/],
      [{ jobs: { 'db-backup': { graceMs: 1e12 } } }, /jobs\.db-backup\.graceMs: at most/],
      [{ db: { busyTimeoutMs: 1e12 } }, /db\.busyTimeoutMs/],
      [{ lastfm: { requestTimeoutMs: 1e12 } }, /lastfm\.requestTimeoutMs/],
      [{ lastfm: { pollSeconds: 1e9 } }, /lastfm\.pollSeconds/],
      [{ backups: { keep: 1e6 } }, /backups\.keep/],
      [{ roon: { discovery: { broadcastAddresses: Array.from({ length: 65 }, () => '10.0.0.255') } } }, /roon\.discovery\.broadcastAddresses/],
    ];
    for (const [value, message] of refused) expect(() => parseConfig(value), JSON.stringify(value).slice(0, 80)).toThrow(message);
    // The limits themselves are accepted.
    const edge = parseConfig({ restore: { backoff: { initialMs: 10, maxMs: 86_400_000 }, heartbeatMs: 86_400_000, clockJumpMs: 1_000 }, jobs: { 'db-backup': { timeoutMs: 6 * 3_600_000, graceMs: 0 } } });
    expect(edge.restore.backoff.maxMs).toBe(86_400_000);
    expect(edge.jobs['db-backup']!.timeoutMs).toBe(6 * 3_600_000);
  });

  it('a job named in the file keeps its default schedule unless it sets one', () => {
    const jobs = effectiveJobs(parseConfig({ jobs: { 'db-backup': { enabled: false }, 'daily-export': { missedPolicy: 'skip' } } }));
    expect(jobs['db-backup']).toMatchObject({ enabled: false, schedule: '0 3 * * *' });
    expect(jobs['daily-export']).toMatchObject({ missedPolicy: 'skip', schedule: '55 23 * * *', enabled: true });
    expect(effectiveJobs(parseConfig({ jobs: { 'db-backup': { schedule: '5 4 * * *' } } }))['db-backup']!.schedule).toBe('5 4 * * *');
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const dir = temp();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ "roon": ');
    expect(() => loadConfig(dir)).toThrow(ConfigError);
    expect(() => loadConfig(dir)).toThrow(/config\.json: is not valid JSON/);
  });

  it('round-trips through saveConfig', () => {
    const dir = temp();
    const config = parseConfig({ roon: { host: 'core.local', port: 9330 }, lastfm: { user: 'me' } });
    saveConfig(dir, config);
    expect(loadConfig(dir)).toEqual(config);
  });

  it('takes the data directory from --data-dir, then ENCORE_DATA_DIR', () => {
    expect(resolveDataDir(['--data-dir', '/tmp/a'], { ENCORE_DATA_DIR: '/tmp/b' })).toBe('/tmp/a');
    expect(resolveDataDir(['--data-dir=/tmp/c'], {})).toBe('/tmp/c');
    expect(resolveDataDir([], { ENCORE_DATA_DIR: '/tmp/b' })).toBe('/tmp/b');
    expect(resolveDataDir([], {}, '/default')).toBe('/default');
  });
});
