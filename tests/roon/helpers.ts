// Waiting helpers for the Roon tests: every wait is for an event or a state,
// bounded so a broken build fails fast instead of hanging.
import type { EventEmitter } from 'node:events';

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves on the next `event` whose first argument passes `test`. */
export function nextEvent<T = unknown>(emitter: EventEmitter, event: string, test: (value: T) => boolean = () => true, ms = 5_000): Promise<T> {
  let handler: ((value: T) => void) | undefined;
  const seen = new Promise<T>((resolve) => {
    handler = (value: T) => {
      if (test(value)) resolve(value);
    };
    emitter.on(event, handler);
  });
  return within(seen, ms, `event "${event}"`).finally(() => emitter.off(event, handler!));
}

/** Re-checks a condition after each turn of the event loop until it holds. */
export async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
