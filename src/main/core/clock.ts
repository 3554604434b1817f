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
  /**
   * Housekeeping that need not be punctual (a fallback, a slow poll): fires on
   * the first shared beat at least `ms` from now, so less than one beat late.
   */
  setCoarseTimeout(fn: () => void, ms: number): Disposable;
  /**
   * Housekeeping that repeats (a keepalive, a heartbeat): fires on every shared
   * beat whose time is a multiple of `ms` (rounded up to whole beats), the
   * first within `ms` of now.
   */
  setCoarseInterval(fn: () => void, ms: number): Disposable;
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

/**
 * Coarse timers share a beat: on a grid of `COARSE_BEAT_MS` on the monotonic
 * clock, so the clock-jump detector's tick (one beat while music plays) and
 * every keepalive, heartbeat and fallback wake the process together. A
 * wakeup costs far more CPU than the work most timers do (bench/quiet-status.ts),
 * and two timers a few milliseconds apart are two wakeups.
 */
export const COARSE_BEAT_MS = 2_000;
/** The exact timer behind the beats may fire this much before its time (whole milliseconds). */
const BEAT_SLOP_MS = 5;

interface CoarseTimer {
  id: number;
  due: number;
  fn: () => void;
  /** The period of an interval (whole beats), null for a timeout. */
  every: number | null;
}

/**
 * The beats of one clock: however many coarse timers there are, one exact
 * timer, set for the earliest beat that has work.
 */
export class CoarseTimers {
  private readonly timers = new Map<number, CoarseTimer>();
  private nextId = 1;
  private wake: Disposable | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly base: Pick<Clock, 'monotonic' | 'setTimeout'>,
    readonly beatMs = COARSE_BEAT_MS,
  ) {}

  timeout(fn: () => void, ms: number): Disposable {
    return this.add(fn, this.beatAtOrAfter(this.base.monotonic() + timerDelay(ms)), null);
  }

  interval(fn: () => void, ms: number): Disposable {
    const every = Math.max(1, Math.ceil(timerDelay(ms) / this.beatMs)) * this.beatMs;
    return this.add(fn, this.nextMultiple(this.base.monotonic(), every), every);
  }

  private beatAtOrAfter(t: number): number {
    return Math.ceil(t / this.beatMs) * this.beatMs;
  }

  /** The first multiple of `every` after `t`. */
  private nextMultiple(t: number, every: number): number {
    return (Math.floor(t / every) + 1) * every;
  }

  private add(fn: () => void, due: number, every: number | null): Disposable {
    const id = this.nextId++;
    this.timers.set(id, { id, due, fn, every });
    this.arm();
    return toDisposable(() => {
      this.timers.delete(id);
      if (this.timers.size === 0) this.disarm();
    });
  }

  /** One exact timer for the earliest beat. An earlier one already set stays: it re-arms when it fires. */
  private arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.timers.values()) next = Math.min(next, t.due);
    if (next === Number.POSITIVE_INFINITY) return this.disarm();
    if (this.wake && this.wakeAt <= next) return;
    this.wake?.dispose();
    this.wakeAt = next;
    this.wake = this.base.setTimeout(() => this.beat(), Math.max(0, Math.ceil(next - this.base.monotonic())));
  }

  private disarm(): void {
    this.wake?.dispose();
    this.wake = null;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  /** Runs every timer due at this beat in order; one that throws stops none of the others. */
  private beat(): void {
    this.disarm(); // the timer that fired: let go, so it is not counted as live
    const now = this.base.monotonic();
    const due = [...this.timers.values()].filter((t) => t.due <= now + BEAT_SLOP_MS).sort((a, b) => a.due - b.due || a.id - b.id);
    let failure: { error: unknown } | null = null;
    for (const timer of due) {
      if (!this.timers.has(timer.id)) continue; // disposed by an earlier one
      if (timer.every === null) this.timers.delete(timer.id);
      // A beat missed (the process was frozen) is skipped, never run twice.
      else timer.due = this.nextMultiple(Math.max(timer.due, now), timer.every);
      try {
        timer.fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.arm();
    if (failure) throw failure.error;
  }

  get pending(): number {
    return this.timers.size;
  }
}

const exactSystemTimers: Pick<Clock, 'monotonic' | 'setTimeout' | 'setInterval'> = {
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
/** One set of beats for the whole process: every coarse timer of every service shares it. */
const systemBeats = new CoarseTimers(exactSystemTimers);

export const systemClock: Clock = {
  now: () => Date.now(),
  ...exactSystemTimers,
  setCoarseTimeout: (fn, ms) => systemBeats.timeout(fn, ms),
  setCoarseInterval: (fn, ms) => systemBeats.interval(fn, ms),
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
  /** Coarse timers keep their beats on this clock, as the system clock's do. */
  private readonly beats = new CoarseTimers(this);
  private wakeupCount = 0;
  private lastWakeAt = Number.NaN;

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

  /**
   * How many distinct instants timers have fired at: each would be one wakeup
   * of a real process (however many timers share it).
   */
  get wakeups(): number {
    return this.wakeupCount;
  }

  setTimeout(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, Math.max(1, ms));
  }

  setCoarseTimeout(fn: () => void, ms: number): Disposable {
    return this.beats.timeout(fn, ms);
  }

  setCoarseInterval(fn: () => void, ms: number): Disposable {
    return this.beats.interval(fn, ms);
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
      if (this.mono !== this.lastWakeAt) {
        this.wakeupCount++;
        this.lastWakeAt = this.mono;
      }
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
