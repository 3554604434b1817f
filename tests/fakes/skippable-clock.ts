// The system clock, which a test can move on: `skip(ms)` adds to the wall and
// the monotonic clock together, as that much time passing awake, so code that
// measures time by reading the clock (play detection's listening time) sees it
// pass at once. Timers stay on real time: a skip fires none of them early.
// For end-to-end tests whose host runs in real time but must not wait out a
// whole track.
import { systemClock, type Clock } from '../../src/main/core/clock';

export class SkippableClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return systemClock.now() + this.offsetMs;
  }

  monotonic(): number {
    return systemClock.monotonic() + this.offsetMs;
  }

  setTimeout(fn: () => void, ms: number) {
    return systemClock.setTimeout(fn, ms);
  }

  setInterval(fn: () => void, ms: number) {
    return systemClock.setInterval(fn, ms);
  }

  setCoarseTimeout(fn: () => void, ms: number) {
    return systemClock.setCoarseTimeout(fn, ms);
  }

  setCoarseInterval(fn: () => void, ms: number) {
    return systemClock.setCoarseInterval(fn, ms);
  }

  skip(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot skip ${ms} ms`);
    this.offsetMs += ms;
  }
}
