import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
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
  },
});
