import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Deterministic local time; tests about zones and daylight saving name theirs.
    // ENCORE_DISCOVERY_LOOPBACK_ONLY: no test may send to the real SOOD group or a broadcast address.
    env: { TZ: 'UTC', ENCORE_DISCOVERY_LOOPBACK_ONLY: '1' },
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
