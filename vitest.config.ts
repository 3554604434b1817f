import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const ALL = ['src/**/*.test.ts', 'tests/**/*.test.ts'];

const ROOT = import.meta.dirname;

/** Test files under dir, relative to the project, with forward slashes (as vitest's globs want them). */
const testFiles = (dir: string): string[] =>
  fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `${dir}/${file.split(path.sep).join('/')}`);

/** Files that count live disposables: a process-wide counter, which a timer left by the file before could move. */
const COUNTS_DISPOSABLES = [...testFiles('src'), ...testFiles('tests')].filter((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').includes('liveDisposables('));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest keeps one core for itself by default: on a 2-core machine that runs the files one at a
    // time. Most files wait on sockets, browsers and child hosts, so two workers halve the run (78 s → 49 s).
    maxWorkers: 2,
    // Deterministic local time; tests about zones and daylight saving name theirs.
    // ENCORE_DISCOVERY_LOOPBACK_ONLY: no test may send to the real SOOD group or a broadcast address.
    env: { TZ: 'UTC', ENCORE_DISCOVERY_LOOPBACK_ONLY: '1' },
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Files share their worker's modules (isolate: false): each one loading the app's schemas and
    // modules afresh was a third of the run (import 17 s → 6 s, the run 55 s → 40 s). The files
    // that count live disposables (a process-wide counter) keep a fresh module graph each, so a
    // timer left by the file before cannot move their count.
    projects: [
      { extends: true, test: { name: 'isolated', include: COUNTS_DISPOSABLES, isolate: true } },
      { extends: true, test: { name: 'shared', include: ALL, exclude: COUNTS_DISPOSABLES, isolate: false } },
    ],
  },
});
