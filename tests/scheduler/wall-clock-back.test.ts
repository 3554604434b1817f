// A wall clock set back while awake (NTP, by hand) is no wake: the scheduler's
// timers run on the monotonic clock, so one armed before the step fires early
// by the wall; it must find nothing due, re-arm for the real slot, and never
// run a slot it already ran.
import { describe, expect, it } from 'vitest';
import { harness, utc } from './harness';

const H = 3600_000;
const M = 60_000;

describe('scheduler: the wall clock set back', () => {
  it('runs no slot twice and the next slot on time by the new wall clock', async () => {
    const h = await harness();
    await h.advance(60 * M);
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z')]);
    // 13:10 → 11:40: 13:00 already ran; 12:00 and 13:00 come again by the wall.
    h.clock.setWall(h.clock.now() - 90 * M);
    await h.advance(3 * H);
    const slots = h.fakes.tick!.slots;
    expect(new Set(slots).size).toBe(slots.length);
    // The timer armed for 14:00 fired at 12:30 by the new wall clock: nothing ran then.
    for (const call of h.fakes.tick!.calls) expect(call.at).toBe(call.scheduledFor);
    expect(slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T14:00:00Z')]);
    expect(h.history().map((r) => r.outcome)).toEqual(['success', 'success']);
    expect(h.scheduler.probe()).toEqual({ ok: true });
    await h.suspend();
  });
});
