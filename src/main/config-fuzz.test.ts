// Fuzzing config.json: a real-shaped file with one bad element mixed in is
// refused naming exactly that field (never accepted, never a crash), and the
// same file without it is accepted with every value kept.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

/** A config.json as a user would write it, every section filled in. */
function realShaped(): Record<string, unknown> {
  return {
    roon: { host: 'core.local', port: 9330, discovery: { multicastGroup: '239.255.90.90', port: 9003, broadcastAddresses: ['192.168.1.255', '10.0.0.255'] } },
    lastfm: { user: 'alice', apiKey: '0123456789abcdef0123456789abcdef', apiRoot: 'https://ws.audioscrobbler.com/2.0/', pollSeconds: 60, importRatePerSecond: 4, requestTimeoutMs: 15_000 },
    restore: { timeoutsMs: { database: 10_000, roon: 'auto', lastfm: 10_000, scheduler: 15_000 }, backoff: { initialMs: 1_000, maxMs: 60_000 }, heartbeatMs: 30_000, clockJumpMs: 5_000 },
    db: { busyTimeoutMs: 5_000 },
    jobs: { 'db-backup': { schedule: '0 3 * * *', timezone: 'Europe/Berlin', missedPolicy: 'coalesce', graceMs: 3_600_000, timeoutMs: 600_000, enabled: true }, 'daily-export': { enabled: false } },
    backups: { keep: 7 },
    headless: { port: 0 },
    notifications: { enabled: true },
  };
}

/** Every leaf path of a value ("roon.discovery.broadcastAddresses.1"). */
function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  return [prefix];
}

function setPath(target: Record<string, unknown>, at: string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[at.at(-1)!] = value;
}

/** A small seeded generator: the same run every time, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Values wrong for any field whose good value is `good`. */
/** Numbers that may have a fraction. */
const FRACTIONS_ALLOWED = new Set(['lastfm.importRatePerSecond']);

function badValuesFor(good: unknown, field: string): unknown[] {
  const common: unknown[] = [{ nested: true }, [1, 2], 'Symbol(x)\u0000'];
  if (typeof good === 'number') return [...common, 'soon', -1, 1e12, 2 ** 31, Number.MAX_SAFE_INTEGER, true, ...(FRACTIONS_ALLOWED.has(field) ? [] : [1.5])];
  if (typeof good === 'boolean') return [...common, 'yes', 1, 0];
  if (typeof good === 'string') {
    if (good === 'auto') return [...common, 'never', 1e12, -5];
    return [...common, 42, '', 'x'.repeat(5000), false];
  }
  return common;
}

describe('config.json fuzz', () => {
  it('the real-shaped file is accepted, every value kept', () => {
    const config = parseConfig(realShaped());
    expect(config.roon.discovery.broadcastAddresses).toEqual(['192.168.1.255', '10.0.0.255']);
    expect(config.jobs['db-backup']).toMatchObject({ timezone: 'Europe/Berlin', graceMs: 3_600_000 });
    expect(config.restore.timeoutsMs.roon).toBe('auto');
  });

  it('one bad element anywhere is refused naming its field; the rest of the file is never the problem', () => {
    const next = random(12);
    const paths = leaves(realShaped());
    expect(paths.length).toBeGreaterThan(30);
    let cases = 0;
    for (const at of paths) {
      const good = at.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], realShaped());
      const bad = badValuesFor(good, at.join('.'));
      // Every path with a few of its bad values, picked by the seeded generator.
      for (const value of bad.filter(() => next() < 0.6)) {
        const file = realShaped();
        setPath(file, at, value);
        let error: unknown = null;
        try {
          parseConfig(file);
        } catch (e) {
          error = e;
        }
        const shown = `${at.join('.')} = ${JSON.stringify(value)?.slice(0, 40)}`;
        // Strings such as a user name or a schedule may take many values: a
        // refusal must then name this field, and an acceptance keep the value.
        if (error === null) {
          expect(typeof value === 'string' && typeof good === 'string' && !['auto'].includes(good), `accepted ${shown}`).toBe(true);
          continue;
        }
        expect(error, shown).toBeInstanceOf(ConfigError);
        // The field named: its own path, or (for roon.host/port, which go together) its partner.
        const named = (error as Error).message;
        const field = at.join('.');
        const partner = field === 'roon.host' ? 'roon.port' : field === 'roon.port' ? 'roon.host' : field;
        expect(named.includes(field) || named.includes(partner), `${shown}: ${named}`).toBe(true);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(60);
  });

  it('an unknown key (a typo) beside good ones is refused naming it', () => {
    const file = realShaped();
    (file.lastfm as Record<string, unknown>).pollSecs = 30;
    expect(() => parseConfig(file)).toThrow(/lastfm.*pollSecs/);
  });
});
