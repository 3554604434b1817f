// Catch-up planning: which of a job's slots between the last one dealt with
// and now are run, recorded as missed or skipped, or left alone. A pure
// function of the times, the schedule and the policy, so every case of sleep,
// a stopped app and a long gap is tested without timers or a database; the
// scheduler service carries the plan out.
import type { JobConfig } from '../../../shared/config';

/** A slot at most this late still counts as on time (event-loop lag, a resume just after it). */
export const ON_TIME_MS = 60_000;
/** Missed slots handled per turn of the event loop (computing a slot costs about a millisecond). */
export const CATCH_UP_CHUNK = 200;

export interface CatchUpInput {
  now: number;
  /** Every slot up to here was dealt with; null before the job was first armed (then: now). */
  handledThrough: number | null;
  graceMs: number;
  missedPolicy: JobConfig['missedPolicy'];
  /** The schedule's first slot strictly after a time, or null when none follows. */
  nextAfter: (ms: number) => number | null;
  /** Slots recorded per plan at most (the rest come in the next turn). */
  chunk?: number;
}

export interface NotRunSlot {
  slot: number;
  outcome: 'missed' | 'skipped';
  /** What the run's row says about it; null for chunks of a long gap. */
  error: string | null;
}

export interface CatchUpPlan {
  /** Slots to record as not run, oldest first. */
  notRun: NotRunSlot[];
  /** The slot to run now; the run itself moves handledThrough up to it. */
  run: { slot: number; missed: boolean; coalesced: boolean } | null;
  /** When nothing runs: what handledThrough becomes (null: leave it). */
  handledThrough: number | null;
  /** More slots are due: carry on in the next turn instead of waiting for a slot. */
  continueNow: boolean;
  /** Lines for the log, without the job's name. */
  notes: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Slots in (from, until], at most `limit`; `more` when slots beyond the limit are also due. */
function dueSlots(nextAfter: CatchUpInput['nextAfter'], from: number, until: number, limit: number): { slots: number[]; more: boolean } {
  const slots: number[] = [];
  let cursor = from;
  for (;;) {
    const next = nextAfter(cursor);
    if (next === null || next > until) return { slots, more: false };
    if (slots.length === limit) return { slots, more: true };
    slots.push(next);
    cursor = next;
  }
}

export function planCatchUp(input: CatchUpInput): CatchUpPlan {
  const { now, graceMs, missedPolicy, nextAfter } = input;
  const chunk = input.chunk ?? CATCH_UP_CHUNK;
  const handled = input.handledThrough ?? now;
  const notes: string[] = [];
  // Slots older than the grace window are neither run nor recorded one by one:
  // after a month switched off, a quarter-hourly job would otherwise write thousands of rows.
  const from = Math.max(handled, now - graceMs);
  if (from > handled) {
    const first = nextAfter(handled);
    if (first !== null && first <= from) notes.push(`runs due before ${iso(from)} are older than the grace window; not caught up`);
  }
  const { slots, more } = dueSlots(nextAfter, from, now, missedPolicy === 'all' ? 1 : chunk);
  if (!slots.length) return { notRun: [], run: null, handledThrough: Math.max(handled, now), continueNow: false, notes };

  if (missedPolicy === 'all') {
    // One slot per plan, each run in turn; the end of its run plans the next.
    const slot = slots[0]!;
    return { notRun: [], run: { slot, missed: now - slot > ON_TIME_MS, coalesced: false }, handledThrough: null, continueNow: false, notes };
  }

  const verdict = missedPolicy === 'skip' ? 'skipped' : 'missed';
  if (more) {
    // A long gap: record this chunk and carry on in the next turn, so the
    // main process never blocks for long; the newest slot decides what runs.
    return { notRun: slots.map((slot) => ({ slot, outcome: verdict, error: null })), run: null, handledThrough: slots[slots.length - 1]!, continueNow: true, notes };
  }

  const latest = slots[slots.length - 1]!;
  const onTime = now - latest <= ON_TIME_MS ? latest : null;
  const late = onTime === null ? slots : slots.slice(0, -1);
  if (missedPolicy === 'skip') {
    if (late.length) notes.push(`skipped ${late.length} missed run(s)`);
    return {
      notRun: late.map((slot) => ({ slot, outcome: 'skipped', error: 'Missed while Encore was not running; the job skips missed runs.' })),
      run: onTime === null ? null : { slot: onTime, missed: false, coalesced: false },
      handledThrough: onTime === null ? Math.max(latest, now) : null,
      continueNow: false,
      notes,
    };
  }

  // coalesce: the newest slot runs once (late if it is), the older ones are recorded as folded into it.
  const run = onTime ?? late.pop()!;
  if (onTime === null || late.length) notes.push(`${late.length + (onTime === null ? 1 : 0)} missed run(s); running once now`);
  return {
    notRun: late.map((slot) => ({ slot, outcome: 'missed', error: `Coalesced into the run for ${iso(run)}.` })),
    run: { slot: run, missed: onTime === null, coalesced: onTime === null || late.length > 0 },
    handledThrough: null,
    continueNow: false,
    notes,
  };
}
