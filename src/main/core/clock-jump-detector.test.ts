import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { ClockJumpDetector } from './clock-jump-detector';
import { liveDisposables } from './disposable';
import type { PowerEvent } from './ports';

/** A detector started on a ManualClock, which counts its wakeups (the instants at which any timer ran). */
function started() {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 9, 0, 0));
  const events: PowerEvent[] = [];
  const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
  detector.start((e) => events.push(e));
  return { clock, events, detector };
}

describe('ClockJumpDetector', () => {
  it('looks once a second while nothing else happens', () => {
    const { clock, events, detector } = started();
    clock.advance(60_000);
    expect(clock.wakeups).toBe(60);
    clock.sleep(3_600_000);
    clock.advance(1000);
    expect(events).toEqual([{ type: 'resume', source: 'clock-jump', sleptMs: 3_600_000 }]);
    detector.dispose();
  });

  it('ticks every 2 s while updates a second apart look, and notices a sleep between two of them at the next update', () => {
    const { clock, events, detector } = started();
    for (let s = 0; s < 600; s++) {
      clock.advance(s % 2 ? 1040 : 960);
      detector.look();
    }
    // 600 s: 1 tick before the first look, then one every 2 s (a pushed-back timer would still wake at its old time).
    expect(clock.wakeups).toBeGreaterThanOrEqual(299);
    expect(clock.wakeups).toBeLessThanOrEqual(301);
    expect(events).toEqual([]);

    // The machine sleeps between two updates; the first update after the wake finds the gap.
    clock.sleep(7_200_000);
    clock.advance(200);
    detector.look();
    // Reported from the timer, never inside the caller's stack.
    expect(events).toEqual([]);
    clock.advance(0);
    expect(events).toEqual([{ type: 'resume', source: 'clock-jump', sleptMs: 7_200_000 }]);
    // Said once: the next looks measure from the wake.
    for (let s = 0; s < 10; s++) {
      clock.advance(1000);
      detector.look();
    }
    expect(events).toHaveLength(1);
    detector.dispose();
  });

  it('notices a sleep that no event follows within 2 s, and ticks once a second again once the looks stop', () => {
    const { clock, events, detector } = started();
    for (let s = 0; s < 10; s++) {
      clock.advance(1000);
      detector.look();
    }
    // Asleep: the monotonic clock stands still, the timer with it.
    clock.sleep(3_600_000);
    clock.advance(1999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([{ type: 'resume', source: 'clock-jump', sleptMs: 3_600_000 }]);
    const before = clock.wakeups;
    clock.advance(60_000);
    expect(clock.wakeups - before).toBe(60);
    detector.dispose();
  });

  it('reports a wall clock set back, found by a look, as a step, not a wake', () => {
    const { clock, events, detector } = started();
    clock.advance(500);
    clock.setWall(clock.now() - 3_600_000);
    detector.look();
    clock.advance(0);
    expect(events).toEqual([{ type: 'clock-step', source: 'clock-jump', stepMs: -3_600_000 }]);
    detector.dispose();
  });

  it('leaves no timer behind, however many looks came before the dispose', () => {
    const before = liveDisposables();
    const { clock, detector } = started();
    for (let i = 0; i < 100; i++) {
      clock.advance(700);
      detector.look();
    }
    clock.advance(5000);
    detector.dispose();
    detector.look();
    expect(clock.pendingTimers).toBe(0);
    expect(liveDisposables()).toBe(before);
  });
});
