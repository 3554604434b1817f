import { describe, expect, it } from 'vitest';
import { CATCH_UP_CHUNK, ON_TIME_MS, planCatchUp, type CatchUpInput } from './catch-up';

const QUARTER = 15 * 60_000;
const HOUR = 3600_000;
/** Every quarter hour, on the quarter. */
const quarterly = (ms: number) => (Math.floor(ms / QUARTER) + 1) * QUARTER;
const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);

function plan(over: Partial<CatchUpInput>) {
  return planCatchUp({ now: T0, handledThrough: T0, graceMs: 24 * HOUR, missedPolicy: 'coalesce', nextAfter: quarterly, ...over });
}

describe('planCatchUp', () => {
  it('does nothing before the first slot, and moves handledThrough up to now', () => {
    const p = plan({ now: T0 + 5 * 60_000 });
    expect(p).toEqual({ notRun: [], run: null, handledThrough: T0 + 5 * 60_000, continueNow: false, notes: [] });
  });

  it('treats a first start (nothing handled yet) as nothing missed', () => {
    const p = plan({ handledThrough: null, now: T0 + 7 * 60_000 });
    expect(p.run).toBeNull();
    expect(p.notRun).toEqual([]);
    expect(p.handledThrough).toBe(T0 + 7 * 60_000);
  });

  it('runs a slot that is due now as on time, neither missed nor coalesced', () => {
    const p = plan({ now: T0 + QUARTER + 2_000 });
    expect(p.run).toEqual({ slot: T0 + QUARTER, missed: false, coalesced: false });
    expect(p.notRun).toEqual([]);
    expect(p.notes).toEqual([]);
  });

  it('counts a slot more than a minute late as missed', () => {
    const p = plan({ now: T0 + QUARTER + ON_TIME_MS + 1 });
    expect(p.run).toEqual({ slot: T0 + QUARTER, missed: true, coalesced: true });
  });

  it('coalesce: after three hours asleep, records the older slots as folded into one run of the newest', () => {
    const now = T0 + 3 * HOUR + 10 * 60_000;
    const p = plan({ now });
    const newest = T0 + 3 * HOUR;
    expect(p.run).toEqual({ slot: newest, missed: true, coalesced: true });
    expect(p.notRun).toHaveLength(11);
    expect(p.notRun[0]).toEqual({ slot: T0 + QUARTER, outcome: 'missed', error: `Coalesced into the run for ${new Date(newest).toISOString()}.` });
    expect(p.notRun.at(-1)!.slot).toBe(newest - QUARTER);
    expect(p.notes).toEqual(['12 missed run(s); running once now']);
  });

  it('coalesce: a wake-up just after a slot runs that slot on time and records the earlier ones', () => {
    const p = plan({ now: T0 + HOUR + 1_000 });
    expect(p.run).toEqual({ slot: T0 + HOUR, missed: false, coalesced: true });
    expect(p.notRun.map((s) => s.slot)).toEqual([T0 + QUARTER, T0 + 2 * QUARTER, T0 + 3 * QUARTER]);
  });

  it('skip: records every late slot as skipped and runs nothing, waiting for the next slot', () => {
    const now = T0 + HOUR + 10 * 60_000;
    const p = plan({ now, missedPolicy: 'skip' });
    expect(p.run).toBeNull();
    expect(p.notRun.map((s) => [s.slot, s.outcome])).toEqual([1, 2, 3, 4].map((i) => [T0 + i * QUARTER, 'skipped']));
    expect(p.handledThrough).toBe(now);
    expect(p.notes).toEqual(['skipped 4 missed run(s)']);
  });

  it('skip: still runs the slot that is on time', () => {
    const p = plan({ now: T0 + HOUR + 1_000, missedPolicy: 'skip' });
    expect(p.run).toEqual({ slot: T0 + HOUR, missed: false, coalesced: false });
    expect(p.notRun).toHaveLength(3);
    expect(p.handledThrough).toBeNull();
  });

  it('all: runs the oldest missed slot first, one per plan', () => {
    const p = plan({ now: T0 + HOUR + 10 * 60_000, missedPolicy: 'all' });
    expect(p.run).toEqual({ slot: T0 + QUARTER, missed: true, coalesced: false });
    expect(p.notRun).toEqual([]);
    // After that run, the next plan takes the following slot.
    const next = plan({ now: T0 + HOUR + 11 * 60_000, handledThrough: T0 + QUARTER, missedPolicy: 'all' });
    expect(next.run!.slot).toBe(T0 + 2 * QUARTER);
  });

  it('leaves slots older than the grace window alone and says so', () => {
    const now = T0 + 10 * HOUR + 5 * 60_000;
    const p = plan({ now, graceMs: HOUR });
    expect(p.notes[0]).toBe(`runs due before ${new Date(now - HOUR).toISOString()} are older than the grace window; not caught up`);
    expect(p.run!.slot).toBe(T0 + 10 * HOUR);
    // Only the slots inside the last hour are recorded.
    expect(p.notRun.map((s) => s.slot)).toEqual([T0 + 9 * HOUR + 15 * 60_000, T0 + 9 * HOUR + 30 * 60_000, T0 + 9 * HOUR + 45 * 60_000]);
  });

  it('splits a long gap into chunks and carries on in the next turn', () => {
    const now = T0 + 30 * 24 * HOUR;
    const p = plan({ now, graceMs: 30 * 24 * HOUR, chunk: 50 });
    expect(p.run).toBeNull();
    expect(p.continueNow).toBe(true);
    expect(p.notRun).toHaveLength(50);
    expect(p.notRun.every((s) => s.outcome === 'missed' && s.error === null)).toBe(true);
    expect(p.handledThrough).toBe(T0 + 50 * QUARTER);
    // Carrying on from there, chunk after chunk, ends in one run of the newest slot.
    let handled = p.handledThrough!;
    let recorded = p.notRun.length;
    for (let turn = 0; turn < 100; turn++) {
      const q = plan({ now, graceMs: 30 * 24 * HOUR, chunk: 50, handledThrough: handled });
      recorded += q.notRun.length;
      if (!q.continueNow) {
        expect(q.run).toEqual({ slot: now, missed: false, coalesced: true });
        break;
      }
      handled = q.handledThrough!;
    }
    expect(recorded).toBe(30 * 24 * 4 - 1);
  });

  it('uses the default chunk when none is given', () => {
    const p = plan({ now: T0 + 30 * 24 * HOUR, graceMs: 30 * 24 * HOUR, missedPolicy: 'skip' });
    expect(p.notRun).toHaveLength(CATCH_UP_CHUNK);
    expect(p.notRun[0]!.outcome).toBe('skipped');
  });

  it('runs nothing for a schedule with no further slot', () => {
    const p = plan({ now: T0 + HOUR, nextAfter: () => null });
    expect(p).toEqual({ notRun: [], run: null, handledThrough: T0 + HOUR, continueNow: false, notes: [] });
  });
});
