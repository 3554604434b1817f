/** Exponential backoff with full jitter on the upper half: ~1 s doubling to a 60 s cap. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is randomised. */
  jitter?: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { initialMs, maxMs, jitter = 0.3, random = Math.random } = options;
  if (attempt <= 0) return 0;
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(30, attempt - 1));
  const spread = base * jitter;
  return Math.round(Math.min(maxMs, base - spread + random() * spread * 2));
}
