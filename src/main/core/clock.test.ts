import { describe, expect, it } from 'vitest';
import { CoarseTimers, ManualClock, MAX_TIMER_DELAY_MS, systemClock, timerDelay } from './clock';

describe('clock timers', () => {
  it('a delay too long for a timer waits as long as a timer can, never 1 ms', () => {
    expect(timerDelay(1e12)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Number.NaN)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(1500)).toBe(1500);
  });

  it('the manual clock bounds delays as the system clock does', () => {
    const clock = new ManualClock();
    let fired = 0;
    clock.setTimeout(() => fired++, 1e12);
    clock.setInterval(() => fired++, 1e12);
    clock.advance(1000);
    expect(fired).toBe(0);
    clock.advance(MAX_TIMER_DELAY_MS);
    expect(fired).toBe(2);
  });

  it('the system clock does not fire an overlong timer at once', async () => {
    let fired = false;
    const timer = systemClock.setTimeout(() => (fired = true), 1e12);
    await new Promise((resolve) => setTimeout(resolve, 20));
    timer.dispose();
    expect(fired).toBe(false);
  });
});

describe('coarse timers', () => {
  it('share one wakeup per beat, however many there are and whenever they were set', () => {
    const clock = new ManualClock();
    const fired = { tick: 0, keepalive: 0, heartbeat: 0, fallback: 0 };
    clock.advance(123);
    clock.setCoarseInterval(() => fired.tick++, 2_000);
    clock.advance(4_444);
    clock.setCoarseInterval(() => fired.keepalive++, 10_000);
    clock.advance(777);
    clock.setCoarseInterval(() => fired.heartbeat++, 30_000);
    // A fallback set again each time it fires, as the progress throttle's is.
    const fallback = () => clock.setCoarseTimeout(() => (fired.fallback++, fallback()), 10_000);
    fallback();
    const start = clock.wakeups;
    Object.assign(fired, { tick: 0, keepalive: 0, heartbeat: 0, fallback: 0 });
    clock.advance(600_000);
    expect(fired).toEqual({ tick: 300, keepalive: 60, heartbeat: 20, fallback: 59 });
    // Exact timers at these phases would have woken the process 439 times.
    expect(clock.wakeups - start).toBe(300);
  });

  it('a timeout fires on the first beat at least its time away: never early, under a beat late', () => {
    for (const [at, ms, beat] of [
      [0, 10_000, 10_000],
      [100, 10_000, 12_000],
      [1_999, 1, 2_000],
      [2_000, 0, 2_000],
      [2_001, 30_000, 34_000],
    ] as const) {
      const clock = new ManualClock();
      clock.advance(at);
      let firedAt: number | null = null;
      clock.setCoarseTimeout(() => (firedAt = clock.monotonic()), ms);
      clock.advance(40_000);
      expect(firedAt, `set at ${at} for ${ms}`).toBe(beat);
    }
  });

  it('an interval fires on the multiples of its period, rounded up to whole beats', () => {
    const clock = new ManualClock();
    clock.advance(5_000);
    const at: number[] = [];
    clock.setCoarseInterval(() => at.push(clock.monotonic()), 15_000);
    clock.advance(60_000);
    expect(at).toEqual([16_000, 32_000, 48_000, 64_000]);
  });

  it('one that throws stops none of the others, the error still surfaces, and the beats go on', () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    clock.setCoarseInterval(() => {
      ran.push('bad');
      throw new Error('bad timer');
    }, 2_000);
    clock.setCoarseInterval(() => ran.push('good'), 2_000);
    expect(() => clock.advance(2_000)).toThrow('bad timer');
    expect(ran).toEqual(['bad', 'good']);
    expect(() => clock.advance(2_000)).toThrow('bad timer');
    expect(ran).toEqual(['bad', 'good', 'bad', 'good']);
  });

  it('beats missed while the process was frozen run once, not once per beat', () => {
    let now = 0;
    const wakes: Array<() => void> = [];
    const beats = new CoarseTimers({ monotonic: () => now, setTimeout: (fn) => (wakes.push(fn), { dispose: () => undefined }) });
    let fired = 0;
    const timer = beats.interval(() => fired++, 2_000);
    now = 60_001; // SIGSTOP for a minute: the timer fires late, once
    wakes.at(-1)!();
    expect(fired).toBe(1);
    now = 62_000;
    wakes.at(-1)!();
    expect(fired).toBe(2);
    timer.dispose();
    expect(beats.pending).toBe(0);
  });

  it('on real timers, coarse timers set at different moments fire in one wakeup', async () => {
    const base = { fired: 0 };
    const beats = new CoarseTimers({ monotonic: () => systemClock.monotonic(), setTimeout: (fn, ms) => systemClock.setTimeout(() => (base.fired++, fn()), ms) }, 200);
    const firedAt: number[] = [];
    const all = new Promise<void>((resolve) => {
      const one = () => {
        firedAt.push(performance.now());
        if (firedAt.length === 3) resolve();
      };
      // The next beat is at least 200 ms away after the first one: all three wait for the same one.
      const origin = Math.ceil((systemClock.monotonic() + 1) / 200) * 200;
      const wait = origin - systemClock.monotonic();
      systemClock.setTimeout(() => {
        beats.timeout(one, 150);
        systemClock.setTimeout(() => beats.timeout(one, 100), 10);
        systemClock.setTimeout(() => beats.timeout(one, 50), 20);
      }, wait + 5);
    });
    await all;
    expect(base.fired).toBe(1);
    expect(Math.max(...firedAt) - Math.min(...firedAt)).toBeLessThan(5);
    expect(beats.pending).toBe(0);
  });
});

describe('ManualClock.wakeups', () => {
  it('counts the instants timers fire at, not the timers', () => {
    const clock = new ManualClock();
    clock.setTimeout(() => undefined, 1_000);
    clock.setTimeout(() => undefined, 1_000);
    clock.setInterval(() => undefined, 500);
    clock.advance(2_000);
    expect(clock.wakeups).toBe(4); // 500, 1000 (three timers), 1500, 2000
  });
});
