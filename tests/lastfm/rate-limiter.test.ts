import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { RateLimiter } from '../../src/main/services/lastfm/rate-limiter';

const flush = () => new Promise((r) => setImmediate(r));

describe('RateLimiter', () => {
  it('spaces slots at the rate, in arrival order', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, () => 4);
    const granted: Array<[string, number]> = [];
    const take = (name: string) => limiter.take(new AbortController().signal).then(() => void granted.push([name, clock.monotonic()]));
    const all = Promise.all([take('a'), take('b'), take('c')]);
    await flush();
    clock.advance(250);
    await flush();
    clock.advance(250);
    await all;
    expect(granted).toEqual([
      ['a', 0],
      ['b', 250],
      ['c', 500],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an aborted wait gives its slot back: 300 aborted waits cost the next caller nothing', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, () => 4);
    await limiter.take(new AbortController().signal);
    const aborted: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const controller = new AbortController();
      aborted.push(limiter.take(controller.signal).catch((e: unknown) => e));
      controller.abort(new Error(`restart ${i}`));
    }
    expect((await Promise.all(aborted)).every((e) => e instanceof Error)).toBe(true);
    expect(limiter.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    // The next caller waits for the one slot after the last granted one, not 300 slots.
    let at: number | null = null;
    const next = limiter.take(new AbortController().signal).then(() => (at = clock.monotonic()));
    clock.advance(250);
    await next;
    expect(at).toBe(250);
  });

  it('error 29 holds every caller for the backoff, doubling while it repeats, and a success resets it', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, () => 0, { initialMs: 60_000, maxMs: 15 * 60_000, jitter: 0 });
    limiter.rateLimited();
    expect(limiter.blockedForMs()).toBe(60_000);
    let done = 0;
    const waits = [limiter.take(new AbortController().signal), limiter.take(new AbortController().signal)].map((p) => p.then(() => done++));
    clock.advance(59_999);
    await flush();
    expect(done).toBe(0);
    clock.advance(1);
    await Promise.all(waits);
    expect(done).toBe(2);
    limiter.rateLimited();
    expect(limiter.blockedForMs()).toBe(120_000);
    limiter.succeeded();
    clock.advance(120_000);
    limiter.rateLimited();
    expect(limiter.blockedForMs()).toBe(60_000);
  });

  it('a sleep (wall clock ahead, monotonic still) does not stretch the block', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, () => 4, { initialMs: 60_000, maxMs: 60_000, jitter: 0 });
    limiter.rateLimited();
    clock.sleep(2 * 3600_000);
    expect(limiter.blockedForMs()).toBe(0);
  });

  it('no caller starves another: a poll queued behind the import gets the next free slot after those before it', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, () => 10);
    const order: string[] = [];
    const signal = new AbortController().signal;
    const waits = ['import 1', 'import 2', 'poll', 'import 3'].map((name) => limiter.take(signal).then(() => void order.push(name)));
    for (let i = 0; i < 4; i++) {
      await flush();
      clock.advance(100);
    }
    await Promise.all(waits);
    expect(order).toEqual(['import 1', 'import 2', 'poll', 'import 3']);
  });
});
