import { useEffect, useMemo, useState } from 'preact/hooks';
import { throttle } from '../lib/throttle';

/**
 * A counter that moves when `trigger` changes, at most once per `ms`, and at
 * least every `maxIdleMs`: lists and charts that depend on it reload after new
 * snapshots without hammering the API during a burst.
 */
export function useThrottledTick(trigger: unknown, ms: number, maxIdleMs: number): number {
  const [tick, setTick] = useState(0);
  const bump = useMemo(() => throttle(() => setTick((t) => t + 1), ms), [ms]);
  useEffect(() => () => bump.cancel(), [bump]);
  useEffect(() => {
    if (trigger !== null && trigger !== undefined) bump();
  }, [trigger, bump]);
  useEffect(() => {
    const timer = setInterval(bump, maxIdleMs);
    return () => clearInterval(timer);
  }, [bump, maxIdleMs]);
  return tick;
}
