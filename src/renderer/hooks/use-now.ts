import { useEffect, useState } from 'preact/hooks';

/**
 * The current time, re-rendering every `intervalMs`; `null` stops the ticks.
 * Only the small component that shows a ticking value calls this, so a tick
 * re-renders that value and nothing around it.
 */
export function useNow(intervalMs: number | null = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Now, re-rendering once at each local midnight: for labels that only care
 * which day it is ("14:03" today, "3 Mar, 14:03" before; the days of a chart).
 */
export function useToday(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const midnight = new Date(now);
    midnight.setHours(24, 0, 0, 0);
    // A second past midnight, so the new day is surely the local one.
    const timer = setTimeout(() => setNow(Date.now()), midnight.getTime() - Date.now() + 1_000);
    return () => clearTimeout(timer);
  }, [now]);
  return now;
}
