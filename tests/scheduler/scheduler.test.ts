import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveDisposables } from '../../src/main/core/disposable';
import { JobRunError } from '../../src/main/services/scheduler/scheduler-service';
import { flush, harness, utc } from './harness';

const H = 3600_000;
const M = 60_000;

let baseline = 0;
beforeEach(() => {
  baseline = liveDisposables();
});

describe('scheduler: awake', () => {
  it('runs each slot once, on time, and reports the next run', async () => {
    const h = await harness();
    expect(h.host.lastDetail).toBe('1 job armed, next Job tick 13:00');
    expect(h.scheduler.jobs()[0]).toMatchObject({ id: 'tick', armed: true, running: false, nextRunAt: '2026-01-01T13:00:00.000Z', lastRun: null });
    expect(h.scheduler.probe()).toEqual({ ok: true });

    await h.advance(3 * H);
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T14:00:00Z'), utc('2026-01-01T15:00:00Z')]);
    expect(h.fakes.tick!.calls.map((c) => c.at)).toEqual(h.fakes.tick!.slots);
    const rows = h.history();
    expect(rows.map((r) => [r.outcome, r.missed, r.coalesced, r.manual])).toEqual([
      ['success', false, false, false],
      ['success', false, false, false],
      ['success', false, false, false],
    ]);
    expect(h.scheduler.jobs()[0]!.lastRun).toMatchObject({ scheduledFor: '2026-01-01T15:00:00.000Z', outcome: 'success' });
    expect(h.host.reports.some((r) => r.success)).toBe(true);
    await h.suspend();
  });

  it('does not catch up on the very first start (nothing recorded yet)', async () => {
    const h = await harness({ start: utc('2026-01-01T12:59:00Z') });
    expect(h.history()).toEqual([]);
    await h.advance(2 * M);
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T13:00:00Z')]);
    await h.suspend();
  });
});

describe('scheduler: sleeping across scheduled times', () => {
  async function sleepAcross(policy: 'coalesce' | 'skip' | 'all', sleepMs: number) {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', missedPolicy: policy } } });
    await h.advance(H); // 13:00 runs: the job now has a recorded slot
    expect(h.fakes.tick!.calls).toHaveLength(1);
    await h.suspend();
    expect(h.clock.pendingTimers).toBe(0);
    h.clock.sleep(sleepMs);
    await h.start();
    h.clock.advance(0);
    await flush();
    return h;
  }

  it('coalesce, one slot missed: runs it once on resume, recorded as missed + coalesced', async () => {
    const h = await sleepAcross('coalesce', H + 5 * M); // 13:10 → 14:15, missed 14:00
    expect(h.fakes.tick!.slots.slice(1)).toEqual([utc('2026-01-01T14:00:00Z')]);
    expect(h.fakes.tick!.calls[1]!.at).toBe(utc('2026-01-01T14:15:00Z'));
    const last = h.history().at(-1)!;
    expect(last).toMatchObject({ outcome: 'success', missed: true, coalesced: true, scheduledFor: utc('2026-01-01T14:00:00Z') });
    await h.advance(H);
    expect(h.fakes.tick!.slots.at(-1)).toBe(utc('2026-01-01T15:00:00Z'));
    await h.suspend();
  });

  it('coalesce, several slots missed: one run for the newest, the others recorded as missed', async () => {
    const h = await sleepAcross('coalesce', 5 * H); // 13:10 → 18:10: 14, 15, 16, 17, 18 missed
    expect(h.fakes.tick!.slots.slice(1)).toEqual([utc('2026-01-01T18:00:00Z')]);
    const rows = h.history().slice(1);
    expect(rows.map((r) => [new Date(r.scheduledFor!).toISOString().slice(11, 16), r.outcome, r.missed, r.coalesced])).toEqual([
      ['14:00', 'missed', true, false],
      ['15:00', 'missed', true, false],
      ['16:00', 'missed', true, false],
      ['17:00', 'missed', true, false],
      ['18:00', 'success', true, true],
    ]);
    await h.suspend();
  });

  it('coalesce honours the grace window: slots older than graceMs are not caught up', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 3 * * *', graceMs: 2 * H } }, start: utc('2026-01-01T02:00:00Z') });
    await h.advance(H + M); // 03:00 runs
    await h.suspend();
    h.clock.sleep(10 * H); // wake 13:01: the 03:00 of the next day is not yet due, nothing missed
    await h.start();
    expect(h.fakes.tick!.calls).toHaveLength(1);
    await h.suspend();
    h.clock.sleep(24 * H); // wake Jan 2 13:01: Jan 2 03:00 was missed 10 h ago, beyond the 2 h grace
    await h.start();
    expect(h.fakes.tick!.calls).toHaveLength(1);
    expect(h.scheduler.jobs()[0]!.nextRunAt).toBe('2026-01-03T03:00:00.000Z');
    await h.suspend();
    h.clock.sleep(14 * H + 59 * M); // wake Jan 3 04:00: 03:00 was missed an hour ago, within grace
    await h.start();
    expect(h.fakes.tick!.slots.at(-1)).toBe(utc('2026-01-03T03:00:00Z'));
    expect(h.fakes.tick!.calls).toHaveLength(2);
    await h.suspend();
  });

  it('skip, one slot missed: recorded as skipped, not run, next slot runs normally', async () => {
    const h = await sleepAcross('skip', H + 5 * M);
    expect(h.fakes.tick!.calls).toHaveLength(1);
    expect(h.history().at(-1)).toMatchObject({ outcome: 'skipped', missed: true, scheduledFor: utc('2026-01-01T14:00:00Z') });
    await h.advance(H);
    expect(h.fakes.tick!.slots.at(-1)).toBe(utc('2026-01-01T15:00:00Z'));
    expect(h.history().at(-1)).toMatchObject({ outcome: 'success', missed: false });
    await h.suspend();
  });

  it('skip, several slots missed: each recorded as skipped, none run', async () => {
    const h = await sleepAcross('skip', 5 * H);
    expect(h.fakes.tick!.calls).toHaveLength(1);
    expect(h.history().slice(1).map((r) => r.outcome)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(h.scheduler.jobs()[0]!.lastRun).toMatchObject({ outcome: 'skipped', scheduledFor: '2026-01-01T18:00:00.000Z' });
    await h.suspend();
  });

  it('all, one slot missed: runs it on resume', async () => {
    const h = await sleepAcross('all', H + 5 * M);
    expect(h.fakes.tick!.slots.slice(1)).toEqual([utc('2026-01-01T14:00:00Z')]);
    expect(h.history().at(-1)).toMatchObject({ outcome: 'success', missed: true, coalesced: false });
    await h.suspend();
  });

  it('all, several slots missed: runs each in order, one at a time', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', missedPolicy: 'all' } }, behaviours: { tick: 'manual' } });
    await h.advance(H);
    h.fakes.tick!.finish();
    await flush();
    await h.suspend();
    h.clock.sleep(3 * H); // 13:10 → 16:10: 14, 15, 16 missed
    await h.start();
    for (let i = 0; i < 3; i++) {
      expect(h.fakes.tick!.running).toBe(1);
      h.fakes.tick!.finish();
      await flush();
    }
    expect(h.fakes.tick!.running).toBe(0);
    expect(h.fakes.tick!.maxConcurrent).toBe(1);
    expect(h.fakes.tick!.slots.slice(1)).toEqual([utc('2026-01-01T14:00:00Z'), utc('2026-01-01T15:00:00Z'), utc('2026-01-01T16:00:00Z')]);
    expect(h.history().slice(1).every((r) => r.outcome === 'success' && r.missed)).toBe(true);
    await h.suspend();
  });

  it('a slot that is due right at resume runs as on time, even under skip', async () => {
    const h = await sleepAcross('skip', 50 * M + 20_000); // 13:10 → 14:00:20
    expect(h.fakes.tick!.slots.slice(1)).toEqual([utc('2026-01-01T14:00:00Z')]);
    expect(h.history().at(-1)).toMatchObject({ outcome: 'success', missed: false });
    await h.suspend();
  });

  it('catches up after an app restart from the slot recorded in job_runs', async () => {
    const first = await harness();
    await first.advance(H);
    await first.suspend();
    first.clock.sleep(3 * H);
    const second = await harness({ database: first.database, clock: first.clock });
    expect(second.fakes.tick!.slots).toEqual([utc('2026-01-01T16:00:00Z')]);
    expect(second.history().map((r) => r.outcome)).toEqual(['success', 'missed', 'missed', 'success']);
    await second.suspend();
  });

  it('a long gap of frequent slots is handled in chunks without blocking', async () => {
    const h = await harness({ jobs: { tick: { schedule: '* * * * *', missedPolicy: 'skip' } } });
    await h.advance(M);
    await h.suspend();
    h.clock.sleep(5 * H);
    await h.start();
    h.clock.advance(0); // the next chunk is queued as an immediate timer
    await flush();
    const skipped = h.history().filter((r) => r.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(299);
    expect(new Set(skipped.map((r) => r.scheduledFor)).size).toBe(skipped.length);
    expect(h.fakes.tick!.calls.length).toBeLessThanOrEqual(2); // 12:11, plus 17:11 if it counts as on time
    await h.suspend();
  });
});

describe('scheduler: daylight saving (Europe/Berlin, 02:30)', () => {
  const berlin = { tick: { schedule: '30 2 * * *', timezone: 'Europe/Berlin' } };

  it('spring forward: 02:30 does not exist on 29 March; the job runs once that night', async () => {
    const h = await harness({ jobs: berlin, start: utc('2026-03-28T12:00:00Z') });
    await h.advance(3 * 24 * H, 10 * M);
    expect(h.fakes.tick!.slots.map((s) => new Date(s!).toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the cron package moves the missing 02:30 forward
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    await h.suspend();
  });

  it('fall back: 02:30 happens twice on 25 October; the job runs once', async () => {
    const h = await harness({ jobs: berlin, start: utc('2026-10-24T12:00:00Z') });
    await h.advance(2 * 24 * H, 10 * M);
    expect(h.fakes.tick!.slots.map((s) => new Date(s!).toISOString())).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    await h.suspend();
  });

  it('sleeping across the fall-back night runs the missed slot once on resume', async () => {
    const h = await harness({ jobs: berlin, start: utc('2026-10-24T00:00:00Z') });
    await h.advance(H); // 24 Oct 00:30Z runs
    await h.suspend();
    h.clock.sleep(26 * H); // wake 25 Oct 03:00Z (04:00 CET): the 02:30 slot was missed
    await h.start();
    await h.advance(2 * H);
    expect(h.fakes.tick!.slots.map((s) => new Date(s!).toISOString())).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z']);
    await h.suspend();
  });
});

describe('scheduler: jobs that fail', () => {
  it('a job that throws is recorded as failed and does not stop the others', async () => {
    const h = await harness({ jobs: { bad: { schedule: '0 * * * *' }, good: { schedule: '0 * * * *' } }, behaviours: { bad: 'throw' } });
    await h.advance(2 * H);
    expect(h.history('bad').map((r) => [r.outcome, r.error])).toEqual([
      ['failed', 'disk full'],
      ['failed', 'disk full'],
    ]);
    expect(h.history('good').map((r) => r.outcome)).toEqual(['success', 'success']);
    expect(h.scheduler.probe()).toEqual({ ok: true });
    expect(h.host.lastJobs?.find((j) => j.id === 'bad')?.lastRun).toMatchObject({ outcome: 'failed', error: 'disk full' });
    await h.suspend();
  });

  it('a job that hangs past its timeout is aborted and recorded as timeout; it never overlaps itself', async () => {
    const h = await harness({
      jobs: { stuck: { schedule: '0 * * * *', timeoutMs: 10 * M }, good: { schedule: '0 * * * *' } },
      behaviours: { stuck: 'hang' },
    });
    await h.advance(H);
    const stuck = h.fakes.stuck!;
    expect(stuck.calls).toHaveLength(1);
    await h.advance(10 * M);
    expect(stuck.calls[0]!.signal.aborted).toBe(true);
    expect(h.history('stuck')[0]).toMatchObject({ outcome: 'timeout', finishedAt: utc('2026-01-01T13:10:00Z') });
    expect(h.history('stuck')[0]!.error).toMatch(/longer than its timeout of 600000 ms/);
    // It ignores the signal and is still going at 14:00 and 15:00: no second instance.
    await h.advance(2 * H);
    expect(stuck.calls).toHaveLength(1);
    expect(h.scheduler.jobs().find((j) => j.id === 'stuck')).toMatchObject({ running: true, armed: true });
    expect(h.history('good')).toHaveLength(3);
    // When it finally returns, the slots that passed meanwhile follow the policy (coalesce).
    stuck.finish();
    await flush();
    expect(stuck.calls).toHaveLength(2);
    expect(stuck.slots[1]).toBe(utc('2026-01-01T15:00:00Z'));
    expect(h.history('stuck').map((r) => r.outcome)).toEqual(['timeout', 'missed', 'running']);
    expect(stuck.maxConcurrent).toBe(1);
    await h.suspend();
  });

  it('a job that honours its signal is freed at the timeout and runs again at the next slot', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', timeoutMs: 5 * M } }, behaviours: { tick: 'hang-until-abort' } });
    await h.advance(H + 5 * M);
    expect(h.scheduler.jobs()[0]).toMatchObject({ running: false, lastRun: { outcome: 'timeout' } });
    await h.advance(H);
    expect(h.fakes.tick!.calls).toHaveLength(2);
    await h.suspend();
  });
});

describe('scheduler: sleep during a running job', () => {
  it('aborts the run on suspend, records it, and on resume neither overlaps nor reruns the slot', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', timeoutMs: 3 * H } }, behaviours: { tick: 'hang' } });
    await h.advance(H); // 13:00 starts and hangs
    const job = h.fakes.tick!;
    expect(job.running).toBe(1);
    await h.suspend();
    expect(job.calls[0]!.signal.aborted).toBe(true);
    expect(h.history()[0]).toMatchObject({ outcome: 'failed', scheduledFor: utc('2026-01-01T13:00:00Z') });
    expect(h.history()[0]!.error).toMatch(/interrupted: the machine went to sleep/);
    expect(h.clock.pendingTimers).toBe(0);

    h.clock.sleep(20 * M); // wake 13:20, still inside the 13:00 slot
    await h.start();
    expect(job.calls).toHaveLength(1); // not restarted for 13:00, and no second instance
    expect(h.scheduler.jobs()[0]).toMatchObject({ running: true, armed: true, nextRunAt: '2026-01-01T14:00:00.000Z' });
    expect(h.scheduler.probe()).toEqual({ ok: true });

    job.finish(); // the old run ends late: only logged, the row keeps its outcome
    await flush();
    expect(job.calls).toHaveLength(1);
    expect(h.history()).toHaveLength(1);
    expect(h.history()[0]!.outcome).toBe('failed');

    job.behaviour = 'ok';
    await h.advance(H);
    expect(job.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T14:00:00Z')]);
    expect(job.maxConcurrent).toBe(1);
    await h.suspend();
  });

  it('a run still going when the machine wakes past the next slot: that slot runs once, after it', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', timeoutMs: 3 * H } }, behaviours: { tick: 'hang' } });
    await h.advance(H);
    await h.suspend();
    h.clock.sleep(H + 30 * M); // wake 14:40: 14:00 was missed while the 13:00 run still hangs
    await h.start();
    const job = h.fakes.tick!;
    expect(job.calls).toHaveLength(1);
    job.behaviour = 'ok';
    job.finish();
    await flush();
    expect(job.slots).toEqual([utc('2026-01-01T13:00:00Z'), utc('2026-01-01T14:00:00Z')]);
    expect(job.maxConcurrent).toBe(1);
    expect(h.history().map((r) => [r.outcome, r.coalesced])).toEqual([
      ['failed', false],
      ['success', true],
    ]);
    await h.suspend();
  });
});

describe('scheduler: lifecycle, health and status', () => {
  afterEach(() => {
    expect(liveDisposables()).toBe(baseline);
  });

  it('leaves no timer and no disposable behind after stop, also with a running job', async () => {
    const h = await harness({ jobs: { a: { schedule: '*/5 * * * *', timeoutMs: 60 * M }, b: { schedule: '0 3 * * *' } }, behaviours: { a: 'hang-until-abort' } });
    expect(h.clock.pendingTimers).toBe(2);
    await h.advance(10 * M);
    expect(h.clock.pendingTimers).toBe(3); // two job timers and a's timeout
    await h.suspend();
    await h.scheduler.stop(); // idempotent
    expect(h.clock.pendingTimers).toBe(0);
    await flush();
    expect(h.fakes.a!.running).toBe(0);
    expect(h.scheduler.jobs().every((j) => !j.armed && !j.running && j.nextRunAt === null)).toBe(true);
    expect(h.scheduler.probe().ok).toBe(false);
  });

  it('is unhealthy when no job is armed, and says why', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', enabled: false } } });
    expect(h.scheduler.probe()).toEqual({ ok: false, reason: 'No job is armed: every job is disabled in the config.' });
    expect(h.host.lastDetail).toBe('No job is armed: every job is disabled in the config.');
    expect(h.scheduler.notConfigured()).toBe('Every scheduled job is disabled in the config.');
    expect(h.clock.pendingTimers).toBe(0);
    await h.suspend();
  });

  it('is unhealthy when an armed timer stood still through an unnoticed sleep; restarting catches up', async () => {
    const h = await harness();
    await h.advance(H);
    h.clock.sleep(2 * H); // suspend/resume never arrived
    expect(h.scheduler.probe()).toMatchObject({ ok: false });
    expect((h.scheduler.probe() as { reason: string }).reason).toMatch(/was due at 2026-01-01T14:00:00.000Z and has not started/);
    await h.suspend(); // what the heartbeat does
    await h.start();
    expect(h.fakes.tick!.slots.at(-1)).toBe(utc('2026-01-01T15:00:00Z'));
    expect(h.scheduler.probe()).toEqual({ ok: true });
    await h.suspend();
  });

  it('a late timer (sleep the OS did not report) applies the policy when it fires', async () => {
    const h = await harness({ jobs: { tick: { schedule: '*/15 * * * *', missedPolicy: 'coalesce' } } });
    await h.advance(5 * M); // 12:15 runs
    h.clock.sleep(H); // wall 13:15, timers stood still
    await h.advance(15 * M); // the 12:30 timer fires at 13:30
    expect(h.fakes.tick!.slots.map((s) => new Date(s!).toISOString().slice(11, 16))).toEqual(['12:15', '13:30']);
    expect(h.history().filter((r) => r.outcome === 'missed')).toHaveLength(4);
    await h.suspend();
  });

  it('Run now records a manual run; refuses unknown jobs, a busy job, and a stopped scheduler', async () => {
    const h = await harness({ behaviours: { tick: 'manual' } });
    const done = h.scheduler.runNow('tick');
    await flush();
    await expect(h.scheduler.runNow('tick')).rejects.toMatchObject({ reason: 'busy' });
    await expect(h.scheduler.runNow('nope')).rejects.toBeInstanceOf(JobRunError);
    h.fakes.tick!.finish();
    expect(await done).toMatchObject({ outcome: 'success', error: null });
    expect(h.history()[0]).toMatchObject({ manual: true, scheduledFor: null, outcome: 'success' });
    expect(h.scheduler.hasJob('tick')).toBe(true);
    expect(h.scheduler.hasJob('nope')).toBe(false);
    // A manual run does not use up the scheduled slot.
    h.fakes.tick!.behaviour = 'ok';
    await h.advance(H);
    expect(h.fakes.tick!.slots).toEqual([null, utc('2026-01-01T13:00:00Z')]);
    await h.suspend();
    await expect(h.scheduler.runNow('tick')).rejects.toMatchObject({ reason: 'not-running' });
  });

  it('closes runs an earlier process left running, and never runs a slot that already has a row', async () => {
    const h = await harness({ start: utc('2026-01-01T12:30:00Z') });
    await h.suspend();
    h.runs.begin({ jobId: 'tick', scheduledFor: utc('2026-01-01T12:00:00Z'), startedAt: utc('2026-01-01T12:00:00Z') });
    h.runs.begin({ jobId: 'tick', scheduledFor: utc('2026-01-01T13:00:00Z'), startedAt: utc('2026-01-01T13:00:00Z') });
    h.clock.sleep(H);
    await h.start();
    expect(h.history().map((r) => [r.outcome, r.error])).toEqual([
      ['failed', 'Encore stopped while this job was running.'],
      ['failed', 'Encore stopped while this job was running.'],
    ]);
    expect(h.fakes.tick!.calls).toHaveLength(0);
    await h.advance(H);
    expect(h.fakes.tick!.slots).toEqual([utc('2026-01-01T14:00:00Z')]);
    await h.suspend();
  });

  it('reports the status of every job on each change', async () => {
    const h = await harness({ jobs: { tick: { schedule: '0 * * * *', timeoutMs: 3 * H }, off: { schedule: '0 3 * * *', enabled: false } }, behaviours: { tick: 'manual' } });
    await h.advance(H);
    expect(h.host.lastJobs?.find((j) => j.id === 'tick')).toMatchObject({ running: true, lastRun: { outcome: 'running' } });
    expect(h.host.lastDetail).toBe('Running Job tick; 1 job armed, next Job tick 14:00');
    h.fakes.tick!.finish();
    await flush();
    expect(h.host.lastJobs).toEqual(h.scheduler.jobs());
    expect(h.host.lastJobs?.find((j) => j.id === 'off')).toMatchObject({ armed: false, nextRunAt: null });
    await h.suspend();
  });

  it('refuses to start before the database is open', async () => {
    const h = await harness();
    await h.suspend();
    h.database.close();
    await expect(h.scheduler.start(new AbortController().signal, h.host)).rejects.toThrow(/waiting for the database/);
    expect(h.clock.pendingTimers).toBe(0);
  });
});
