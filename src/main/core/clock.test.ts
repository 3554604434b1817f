import { describe, expect, it } from 'vitest';
import { ManualClock, MAX_TIMER_DELAY_MS, systemClock, timerDelay } from './clock';

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
