import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Deterministic local time; tests about zones and daylight saving name theirs.
    env: { TZ: 'UTC' },
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
