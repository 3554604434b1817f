// The system clock, plus time the test skips ahead. Timers keep their real
// delays; only what the app reads as "now" (wall and monotonic alike, so it
// never looks like a sleep) jumps. A track can then be played out second by
// second without waiting those seconds: each step moves the fake Core's seek
// by one second and this clock by one second.
import { systemClock, type Clock } from '../../../src/main/core/clock';

export class FastForwardClock implements Clock {
  private skipped = 0;

  now(): number {
    return systemClock.now() + this.skipped;
  }

  monotonic(): number {
    return systemClock.monotonic() + this.skipped;
  }

  setTimeout(fn: () => void, ms: number) {
    return systemClock.setTimeout(fn, ms);
  }

  setInterval(fn: () => void, ms: number) {
    return systemClock.setInterval(fn, ms);
  }

  skip(ms: number): void {
    this.skipped += ms;
  }
}
