// Time as a port. The core never calls Date.now() or setTimeout directly, so
// tests of sleep, schedules and play detection run on simulated time.
import { toDisposable, type Disposable } from './disposable';

export interface Clock {
  /** Wall clock, UTC milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds; does not advance while the machine sleeps. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): Disposable;
  setInterval(fn: () => void, ms: number): Disposable;
}

/** The longest delay Node's timers hold; anything longer (or NaN) fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * The second line behind the config's bounds: a delay too long for a timer
 * waits as long as a timer can instead of firing at once (a runaway retry or
 * heartbeat loop), and NaN is treated the same way rather than as 1 ms.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms > MAX_TIMER_DELAY_MS) return MAX_TIMER_DELAY_MS;
  return Math.max(0, ms);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, timerDelay(ms));
    return toDisposable(() => clearTimeout(handle));
  },
  setInterval(fn, ms) {
    const handle = setInterval(fn, Math.max(1, timerDelay(ms)));
    return toDisposable(() => clearInterval(handle));
  },
};

/** Resolves after ms on the given clock; rejects with the signal's reason when aborted. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.dispose();
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
  every: number | null;
}

/**
 * A clock moved by hand. `advance(ms)` runs due timers in order, as if that much
 * time passed awake; `sleep(ms)` moves only the wall clock, as a suspended
 * machine does (timers and the monotonic clock stand still).
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private timers = new Map<number, ManualTimer>();
  private nextId = 1;

  constructor(startWallMs = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.wall = startWallMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  setTimeout(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, Math.max(1, ms));
  }

  private add(fn: () => void, ms: number, every: number | null): Disposable {
    const id = this.nextId++;
    // Bounded as the system clock bounds it, so tests see what production does.
    const wait = timerDelay(ms);
    this.timers.set(id, { id, due: this.mono + wait, fn, every: every === null ? null : Math.max(1, wait) });
    return toDisposable(() => this.timers.delete(id));
  }

  /** Moves both clocks forward, firing timers in due order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers.values()) if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      if (!next) break;
      this.wall += next.due - this.mono;
      this.mono = next.due;
      if (next.every === null) this.timers.delete(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  /** Moves both clocks and lets promise callbacks run between timers. */
  async advanceAsync(ms: number, step = Math.max(1, Math.min(ms, 1000))): Promise<void> {
    let left = ms;
    while (left > 0) {
      const s = Math.min(step, left);
      this.advance(s);
      left -= s;
      // Every promise callback runs before the next macrotask: one turn lets them all settle.
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The machine sleeps: wall time passes, nothing else moves. */
  sleep(ms: number): void {
    this.wall += ms;
  }

  setWall(ms: number): void {
    this.wall = ms;
  }
}
