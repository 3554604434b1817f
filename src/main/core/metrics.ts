// Per-service restore metrics, and the adaptive timeout they feed.

export interface TimeoutBounds {
  minMs: number;
  maxMs: number;
  /** Used until enough restores were measured. */
  fallbackMs: number;
}

const AUTO_TIMEOUT_BOUNDS: TimeoutBounds = { minMs: 2_000, maxMs: 60_000, fallbackMs: 10_000 };
const MIN_SAMPLES = 5;
const KEEP = 200;

export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export class ServiceMetricsRecorder {
  restores = 0;
  successes = 0;
  timeouts = 0;
  failures = 0;
  private durations: number[] = [];

  recordDuration(ms: number): void {
    this.durations.push(ms);
    if (this.durations.length > KEEP) this.durations.shift();
  }

  get samples(): number {
    return this.durations.length;
  }

  quantiles(): { p50: number | null; p95: number | null } {
    const sorted = [...this.durations].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
  }

  /** A configured number is used as is; `auto` is about twice the p95, within fixed bounds. */
  effectiveTimeout(configured: number | 'auto', bounds: TimeoutBounds = AUTO_TIMEOUT_BOUNDS): number {
    if (configured !== 'auto') return configured;
    const { p95 } = this.quantiles();
    if (p95 === null || this.samples < MIN_SAMPLES) return bounds.fallbackMs;
    return Math.round(Math.min(bounds.maxMs, Math.max(bounds.minMs, p95 * 2)));
  }
}
