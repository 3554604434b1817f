import { describe, expect, it } from 'vitest';
import { FakeService, type Behaviour } from '../../../tests/support/fake-service';
import type { ServiceId } from '../../shared/status';
import { ManualClock } from './clock';
import { ClockJumpDetector } from './clock-jump-detector';
import { liveDisposables } from './disposable';
import { MemoryLogger } from './logger';
import type { PowerEvent } from './ports';
import { Supervisor, summarize, type JournalSink } from './supervisor';

type Journal = Parameters<JournalSink>[0];

function setup(behaviours: Partial<Record<ServiceId, Behaviour>> = {}, timeouts: Partial<Record<ServiceId, number | 'auto'>> = {}) {
  const clock = new ManualClock();
  const make = (id: ServiceId) => new FakeService(id, behaviours[id] ?? { kind: 'instant' }, clock);
  const database = make('database');
  const services = { roon: make('roon'), lastfm: make('lastfm'), scheduler: make('scheduler') };
  const wanted = new Map<ServiceId, boolean>();
  let paused = false;
  const journal: Journal[] = [];
  const supervisor = new Supervisor({
    clock,
    logger: new MemoryLogger(),
    database,
    services: Object.values(services),
    wanted: {
      isWanted: (id) => wanted.get(id) ?? true,
      setWanted: (id, w) => wanted.set(id, w),
      trackingPaused: () => paused,
      setTrackingPaused: (p) => (paused = p),
    },
    timeouts: (id) => timeouts[id] ?? (id === 'scheduler' ? 15_000 : 10_000),
    backoff: { initialMs: 1000, maxMs: 60_000, random: () => 0.5 },
    heartbeatMs: 30_000,
    journal: (e) => journal.push(e),
  });
  const state = (id: ServiceId) => supervisor.runners.get(id)!.state;
  return { clock, supervisor, database, services, journal, state, wanted };
}

/** Runs a promise to completion while moving the manual clock forward. */
async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 100, limitMs = 600_000): Promise<{ value: T; elapsedMs: number }> {
  let done = false;
  let value!: T;
  const start = clock.monotonic();
  promise.then((v) => {
    done = true;
    value = v;
  });
  await new Promise((r) => setImmediate(r));
  while (!done) {
    if (clock.monotonic() - start > limitMs) throw new Error('did not finish');
    await clock.advanceAsync(stepMs, stepMs);
  }
  return { value, elapsedMs: clock.monotonic() - start };
}

describe('restore sequence', () => {
  it('starts every service and summarises', async () => {
    const { supervisor, state, journal } = setup();
    const summary = await supervisor.restore('startup');
    expect(summary.summary).toBe('4 restored');
    expect(summary.outcome).toBe('ok');
    for (const id of ['database', 'roon', 'lastfm', 'scheduler'] as const) expect(state(id)).toBe('running');
    expect(journal.find((j) => j.kind === 'restore')).toMatchObject({ summary: '4 restored', outcome: 'ok' });
    expect(supervisor.snapshot().overall).toBe('ok');
  });

  it('a hung service never delays the others, and goes to reconnecting at its timeout', async () => {
    const { supervisor, clock, state } = setup({ roon: { kind: 'hang' } });
    const pending = supervisor.restore('wake');
    await new Promise((r) => setImmediate(r));
    // Nothing moved on the clock, yet the others already run.
    expect(state('lastfm')).toBe('running');
    expect(state('scheduler')).toBe('running');
    expect(state('roon')).toBe('starting');
    const { value, elapsedMs } = await drive(clock, pending);
    expect(elapsedMs).toBe(10_000);
    expect(state('roon')).toBe('reconnecting');
    expect(value.summary).toBe('3 restored, 1 reconnecting');
    expect(value.steps.find((s) => s.service === 'roon')).toMatchObject({ outcome: 'timeout' });
    expect(supervisor.runners.get('roon')!.lastError).toMatch(/did not start within 10 s/);
    supervisor.dispose();
  });

  it('a restore lasts max(timeouts), never their sum', async () => {
    const { supervisor, clock } = setup({ roon: { kind: 'hang' }, lastfm: { kind: 'hang' }, scheduler: { kind: 'hang' } });
    const { elapsedMs } = await drive(clock, supervisor.restore('wake'));
    expect(elapsedMs).toBe(15_000);
    supervisor.dispose();
  });

  it('retries a failing service with exponential backoff until it runs', async () => {
    const { supervisor, clock, state, services } = setup({ lastfm: { kind: 'fail', times: 3 } });
    const summary = await supervisor.restore('startup');
    expect(summary.summary).toBe('3 restored, 1 reconnecting');
    const runner = supervisor.runners.get('lastfm')!;
    expect(runner.attempt).toBe(1);
    expect(runner.nextRetryAt).toBe(clock.now() + 1000);
    await clock.advanceAsync(1000, 100);
    expect(runner.attempt).toBe(2);
    expect(runner.nextRetryAt).toBe(clock.now() + 2000);
    await clock.advanceAsync(2000, 100);
    expect(runner.attempt).toBe(3);
    await clock.advanceAsync(4000, 100);
    expect(state('lastfm')).toBe('running');
    expect(runner.attempt).toBe(0);
    expect(services.lastfm.starts).toBe(4);
    expect(runner.metrics.failures).toBe(3);
    supervisor.dispose();
  });

  it('caps the backoff at 60 s', async () => {
    const { supervisor, clock } = setup({ lastfm: { kind: 'fail', times: 100 } });
    await supervisor.restore('startup');
    const runner = supervisor.runners.get('lastfm')!;
    for (let i = 0; i < 9; i++) await clock.advanceAsync(runner.nextRetryAt! - clock.now(), 1000);
    expect(runner.nextRetryAt! - clock.now()).toBe(60_000);
    supervisor.dispose();
  });

  it('a fatal error stops retrying and says why', async () => {
    const { supervisor, clock, state, services } = setup({ lastfm: { kind: 'fail', times: 1, fatal: true } });
    await supervisor.restore('startup');
    expect(state('lastfm')).toBe('error');
    await clock.advanceAsync(120_000, 10_000);
    expect(services.lastfm.starts).toBe(1);
    expect(supervisor.snapshot().overall).toBe('error');
    supervisor.dispose();
  });

  it('a service without configuration is shown as not configured, not as an error', async () => {
    const { supervisor, services, state } = setup();
    services.lastfm.configured = 'Last.fm: set your user name and API key in Settings';
    await supervisor.restore('startup');
    expect(state('lastfm')).toBe('not-configured');
    expect(services.lastfm.starts).toBe(0);
    expect(supervisor.snapshot().overall).toBe('ok');
  });

  it('when the database cannot open, the app stays up, the others wait, and all start once it is back', async () => {
    const { supervisor, clock, state } = setup({ database: { kind: 'fail', times: 2 } });
    const summary = await supervisor.restore('startup');
    expect(state('database')).toBe('reconnecting');
    expect(state('roon')).toBe('stopped');
    expect(summary.outcome).toBe('failed');
    await clock.advanceAsync(5000, 100);
    expect(state('database')).toBe('running');
    expect(state('roon')).toBe('running');
    expect(state('scheduler')).toBe('running');
    supervisor.dispose();
  });
});

describe('power events', () => {
  it('suspend pauses every service, closes everything; resume restores', async () => {
    const { supervisor, state, services, journal } = setup();
    await supervisor.restore('startup');
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'electron' });
    for (const id of ['database', 'roon', 'lastfm', 'scheduler'] as const) expect(state(id)).toBe('paused');
    expect(services.roon.running).toBe(0);
    expect(supervisor.snapshot().overall).toBe('paused');
    expect(journal.some((j) => j.kind === 'suspend')).toBe(true);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    expect(state('roon')).toBe('running');
    expect(services.roon.running).toBe(1);
  });

  it('the several signals of one wake start one restore', async () => {
    const { supervisor, journal } = setup();
    await supervisor.restore('startup');
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'electron' });
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'logind' });
    await Promise.all([
      supervisor.handlePowerEvent({ type: 'resume', source: 'electron' }),
      supervisor.handlePowerEvent({ type: 'resume', source: 'clock-jump', sleptMs: 60_000 }),
      supervisor.handlePowerEvent({ type: 'resume', source: 'electron' }),
      supervisor.handlePowerEvent({ type: 'unlock-screen', source: 'electron' }),
    ]);
    // A late, out-of-order resume of the same wake starts nothing either.
    await supervisor.handlePowerEvent({ type: 'resume', source: 'logind' });
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    expect(journal.filter((j) => j.kind === 'suspend')).toHaveLength(1);
  });

  it('a resume during a restore supersedes it: no overlap, no service started twice', async () => {
    const { supervisor, clock, services, state } = setup({ roon: { kind: 'slow', ms: 3000 }, lastfm: { kind: 'slow', ms: 2000 } });
    const first = supervisor.restore('startup');
    await clock.advanceAsync(1000, 100);
    const second = supervisor.restore('wake');
    const { value } = await drive(clock, Promise.all([first, second]));
    expect(value[0].outcome).toBe('superseded');
    expect(value[1].outcome).toBe('ok');
    for (const s of Object.values(services)) {
      expect(s.maxConcurrentStarts).toBe(1);
      expect(s.running).toBe(1);
    }
    expect(state('roon')).toBe('running');
  });

  it('a clock jump is a wake: one restore', async () => {
    const { supervisor, clock, journal } = setup();
    await supervisor.restore('startup');
    const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
    const events: PowerEvent[] = [];
    detector.start((e) => {
      events.push(e);
      void supervisor.handlePowerEvent(e);
    });
    clock.advance(3000);
    expect(events).toHaveLength(0);
    clock.sleep(3_600_000);
    await clock.advanceAsync(1000, 1000);
    expect(events).toEqual([{ type: 'resume', source: 'clock-jump', sleptMs: 3_600_000 }]);
    await supervisor.settle();
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    detector.dispose();
    supervisor.dispose();
  });

  it('a suspend a second after a wake is honoured, and the resume after the next sleep restores', async () => {
    const { supervisor, clock, journal, state, services } = setup();
    await supervisor.restore('startup');
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'electron' });
    clock.sleep(3_600_000);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    clock.advance(1000);
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'electron' });
    expect(state('roon')).toBe('paused');
    expect(services.roon.running).toBe(0);
    clock.sleep(8 * 3_600_000);
    // The monotonic clock moved 1 s since the last wake: only the evidence counts.
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    expect(state('roon')).toBe('running');
    expect(journal.filter((j) => j.kind === 'suspend')).toHaveLength(2);
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(3);
    supervisor.dispose();
  });

  it('a sleep without any suspend, a second after a wake, restores again on the clock jump', async () => {
    const { supervisor, clock, journal } = setup();
    await supervisor.restore('startup');
    const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
    detector.start((e) => void supervisor.handlePowerEvent(e));
    clock.sleep(3_600_000);
    await clock.advanceAsync(1000, 1000);
    await supervisor.settle();
    clock.sleep(60_000);
    await clock.advanceAsync(1000, 1000);
    await supervisor.settle();
    expect(journal.filter((j) => j.kind === 'resume').map((j) => j.details)).toEqual([{ sleptMs: 3_600_000 }, { sleptMs: 60_000 }]);
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(3);
    detector.dispose();
    supervisor.dispose();
  });

  it('a resume delivered twice, or late, after a wake the clock jump already noticed, starts nothing', async () => {
    const { supervisor, clock, journal } = setup();
    await supervisor.restore('startup');
    const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
    detector.start((e) => void supervisor.handlePowerEvent(e));
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'logind' });
    clock.sleep(3_600_000);
    await clock.advanceAsync(1000, 1000);
    await supervisor.settle();
    await supervisor.handlePowerEvent({ type: 'resume', source: 'logind' });
    await clock.advanceAsync(30_000, 1000);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    expect(journal.filter((j) => j.kind === 'resume').map((j) => j.source)).toEqual(['clock-jump']);
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    detector.dispose();
    supervisor.dispose();
  });

  it('a resume that does not say how long we slept is measured by the clocks since the suspend', async () => {
    const { supervisor, clock, journal } = setup();
    await supervisor.restore('startup');
    await clock.advanceAsync(60_000, 10_000);
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'logind' });
    clock.sleep(2 * 3_600_000);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'logind' });
    expect(journal.filter((j) => j.kind === 'resume').map((j) => j.details)).toEqual([{ sleptMs: 2 * 3_600_000 }]);
    supervisor.dispose();
  });

  it('a late suspend not followed by a sleep: the services come back by themselves within seconds', async () => {
    const { supervisor, clock, journal, state } = setup();
    await supervisor.restore('startup');
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'logind' });
    expect(state('roon')).toBe('paused');
    await clock.advanceAsync(3500, 500);
    expect(state('roon')).toBe('paused');
    await clock.advanceAsync(1000, 500);
    await supervisor.settle();
    expect(state('roon')).toBe('running');
    expect(supervisor.isSleeping).toBe(false);
    expect(journal.filter((j) => j.kind === 'resume').map((j) => j.source)).toEqual(['logind suspend, no sleep followed']);
    // The resume of that non-sleep, if it still comes, is the same episode.
    await supervisor.handlePowerEvent({ type: 'resume', source: 'logind' });
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    supervisor.dispose();
  });

  it('a suspend, a sleep and no resume at all: the wall clock says we slept', async () => {
    const { supervisor, clock, journal, state } = setup();
    await supervisor.restore('startup');
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'electron' });
    await clock.advanceAsync(500, 500);
    clock.sleep(7_200_000);
    await clock.advanceAsync(6000, 500);
    await supervisor.settle();
    expect(state('roon')).toBe('running');
    expect(journal.filter((j) => j.kind === 'resume')).toEqual([expect.objectContaining({ source: 'clock-jump', details: { sleptMs: 7_200_000 } })]);
    supervisor.dispose();
  });

  it('a wall clock set back is not a wake, keeps the timers going, and hides no later sleep', async () => {
    const { supervisor, clock, journal, services } = setup({ lastfm: { kind: 'fail', times: 1 } });
    await supervisor.restore('startup');
    const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
    const events: PowerEvent[] = [];
    detector.start((e) => {
      events.push(e);
      void supervisor.handlePowerEvent(e);
    });
    clock.setWall(clock.now() - 6 * 3_600_000);
    await clock.advanceAsync(1000, 1000);
    expect(events).toEqual([{ type: 'clock-step', source: 'clock-jump', stepMs: -6 * 3_600_000 }]);
    // A resume now (duplicate, late) is no wake either.
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(1);
    // The failed Last.fm start still retries on its (monotonic) backoff.
    await clock.advanceAsync(2000, 250);
    await supervisor.settle();
    expect(services.lastfm.running).toBe(1);
    // A real sleep of less than the step back is still a sleep.
    clock.sleep(60_000);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    detector.dispose();
    supervisor.dispose();
  });

  it('a forward step of the wall clock while awake restores at most once', async () => {
    const { supervisor, clock, journal } = setup();
    await supervisor.restore('startup');
    const detector = new ClockJumpDetector(clock, { thresholdMs: 5000 });
    detector.start((e) => void supervisor.handlePowerEvent(e));
    clock.setWall(clock.now() + 600_000);
    await clock.advanceAsync(10_000, 1000);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'electron' });
    await supervisor.settle();
    expect(journal.filter((j) => j.kind === 'restore')).toHaveLength(2);
    detector.dispose();
    supervisor.dispose();
  });

  it('after 1,000 suspend/resume cycles nothing is left behind', async () => {
    const { supervisor, clock, services } = setup({ lastfm: { kind: 'fail', times: 1 } });
    await supervisor.restore('startup');
    await clock.advanceAsync(2000, 500);
    const timersBefore = clock.pendingTimers;
    const disposablesBefore = liveDisposables();
    for (let i = 0; i < 1000; i++) {
      await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
      clock.sleep(60_000);
      await clock.advanceAsync(5000, 5000);
      await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
    }
    expect(clock.pendingTimers).toBe(timersBefore);
    expect(liveDisposables()).toBe(disposablesBefore);
    for (const s of Object.values(services)) expect(s.running).toBe(1);
    supervisor.dispose();
  });
});

describe('heartbeat, network and manual control', () => {
  it('restarts a running service that went silent and journals why', async () => {
    const { supervisor, clock, services, journal, state } = setup();
    await supervisor.restore('startup');
    services.roon.healthy = { ok: false, reason: 'no frame for 40 s' };
    await clock.advanceAsync(30_000, 1000);
    expect(journal.find((j) => j.kind === 'heartbeat')?.summary).toMatch(/roon restarted: no frame for 40 s/);
    services.roon.healthy = { ok: true };
    await clock.advanceAsync(100, 100);
    expect(state('roon')).toBe('running');
    expect(services.roon.starts).toBe(2);
    supervisor.dispose();
  });

  it('a service that lost its link reconnects, retrying at once first', async () => {
    const { supervisor, clock, services, state } = setup();
    await supervisor.restore('startup');
    services.roon.host!.fail(new Error('socket closed'), { retryNow: true });
    await clock.advanceAsync(20, 10);
    expect(state('roon')).toBe('running');
    expect(services.roon.starts).toBe(2);
    supervisor.dispose();
  });

  it('a service waiting for the network probes every 300–500 ms for the first minutes, then backs off as usual', async () => {
    const { supervisor, clock, services, state } = setup({ lastfm: { kind: 'fail', times: 1000, network: true } });
    await supervisor.restore('startup');
    const runner = supervisor.runners.get('lastfm')!;
    expect(runner.detail).toMatch(/waiting for the network/);
    const waits: number[] = [];
    for (let i = 0; i < 20; i++) {
      waits.push(runner.nextRetryAt! - clock.now());
      await clock.advanceAsync(runner.nextRetryAt! - clock.now(), 50);
    }
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...waits)).toBeLessThanOrEqual(500);
    // About 2.5 attempts a second: at most 4.
    const startsBefore = services.lastfm.starts;
    await clock.advanceAsync(10_000, 50);
    expect((services.lastfm.starts - startsBefore) / 10).toBeLessThanOrEqual(4);
    // Three minutes on, the usual backoff takes over: 1 s, then 2 s.
    let probes = 0;
    while (runner.nextRetryAt! - clock.now() <= 500 && probes++ < 1000) await clock.advanceAsync(runner.nextRetryAt! - clock.now(), 100);
    expect(clock.monotonic()).toBeGreaterThanOrEqual(180_000);
    expect(clock.monotonic()).toBeLessThan(181_000);
    expect(runner.nextRetryAt! - clock.now()).toBe(1000);
    await clock.advanceAsync(1000, 50);
    expect(runner.nextRetryAt! - clock.now()).toBe(2000);
    expect(state('lastfm')).toBe('reconnecting');
    supervisor.dispose();
  });

  it('a service refused by a peer that was not the network backs off as before', async () => {
    const { supervisor, clock } = setup({ lastfm: { kind: 'fail', times: 3 } });
    await supervisor.restore('startup');
    const runner = supervisor.runners.get('lastfm')!;
    expect(runner.nextRetryAt! - clock.now()).toBe(1000);
    supervisor.dispose();
  });

  it('retries at once when the network returns, and aborts an attempt stuck on the old network', async () => {
    const { supervisor, clock, services, state } = setup({ lastfm: { kind: 'fail', times: 2, network: true }, roon: { kind: 'hang' } });
    void supervisor.restore('startup');
    await clock.advanceAsync(100, 50);
    const runner = supervisor.runners.get('lastfm')!;
    expect(runner.nextRetryAt).not.toBeNull();
    expect(services.roon.starts).toBe(1);
    services.roon.behaviour = { kind: 'instant' };
    await supervisor.handlePowerEvent({ type: 'online', source: 'network' });
    await supervisor.settle();
    // No clock moved: both started again because the network did.
    expect(services.lastfm.starts).toBe(2);
    expect(services.roon.starts).toBe(2);
    expect(state('roon')).toBe('running');
    expect(services.roon.maxConcurrentStarts).toBe(1);
    await supervisor.handlePowerEvent({ type: 'online', source: 'network' });
    await supervisor.settle();
    expect(state('lastfm')).toBe('running');
    // Running services are left alone.
    await supervisor.handlePowerEvent({ type: 'online', source: 'network' });
    await supervisor.settle();
    expect(services.roon.starts).toBe(2);
    expect(services.lastfm.starts).toBe(3);
    supervisor.dispose();
  });

  it('a network change that starts an attempt of a restore again: the restore reads what the new attempt did, not "superseded"', async () => {
    const { supervisor, clock, services, journal } = setup({ roon: { kind: 'hang' } });
    const pending = supervisor.restore('wake (clock-jump)');
    await clock.advanceAsync(100, 50);
    services.roon.behaviour = { kind: 'instant' };
    await supervisor.handlePowerEvent({ type: 'online', source: 'network' });
    const summary = await pending;
    expect(services.roon.starts).toBe(2);
    expect(summary.steps.find((s) => s.service === 'roon')).toMatchObject({ outcome: 'restored' });
    expect(summary).toMatchObject({ outcome: 'ok', summary: '4 restored' });
    expect(journal.filter((j) => j.kind === 'restore').at(-1)).toMatchObject({ outcome: 'ok' });
    supervisor.dispose();
  });

  it('a newer restore still supersedes one in flight', async () => {
    const { supervisor, clock, services } = setup({ roon: { kind: 'hang' } });
    const first = supervisor.restore('startup');
    await clock.advanceAsync(100, 50);
    services.roon.behaviour = { kind: 'instant' };
    const second = supervisor.restore('wake');
    expect((await first).outcome).toBe('superseded');
    expect((await second).outcome).toBe('ok');
    supervisor.dispose();
  });

  it('probing announces a new snapshot on a change of state, and for the attempt number at most every 5 s', async () => {
    const { supervisor, clock, services } = setup({ lastfm: { kind: 'fail', times: 1000, network: true } });
    await supervisor.restore('startup');
    let snapshots = 0;
    supervisor.onDidChange(() => snapshots++);
    const runner = supervisor.runners.get('lastfm')!;
    const attemptBefore = runner.attempt;
    const startsBefore = services.lastfm.starts;
    await clock.advanceAsync(30_000, 50);
    // About 2.5 probes a second, yet a snapshot at most every 5 s.
    expect(services.lastfm.starts - startsBefore).toBeGreaterThan(50);
    expect(snapshots).toBeGreaterThan(0);
    expect(snapshots).toBeLessThanOrEqual(7);
    // The snapshot still counts the attempts.
    expect(supervisor.snapshot().services.find((s) => s.id === 'lastfm')!.attempt).toBeGreaterThan(attemptBefore + 50);
    // A change of state goes out at once.
    services.lastfm.behaviour = { kind: 'instant' };
    const before = snapshots;
    await clock.advanceAsync(600, 50);
    expect(runner.state).toBe('running');
    expect(snapshots).toBeGreaterThan(before);
    supervisor.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('stop and start a service, and pause tracking, are remembered and respected by restores', async () => {
    const { supervisor, state, wanted, services } = setup();
    await supervisor.restore('startup');
    await supervisor.setWanted('roon', false);
    expect(state('roon')).toBe('disabled');
    expect(wanted.get('roon')).toBe(false);
    await supervisor.restore('wake');
    expect(state('roon')).toBe('disabled');
    expect(services.roon.running).toBe(0);
    await supervisor.setTrackingPaused(true);
    expect(state('lastfm')).toBe('paused');
    expect(state('scheduler')).toBe('running');
    await supervisor.restore('wake');
    expect(state('lastfm')).toBe('paused');
    await supervisor.setWanted('roon', true);
    expect(state('roon')).toBe('paused');
    expect(supervisor.runners.get('roon')!.detail).toBe('Tracking paused');
    expect(services.roon.running).toBe(0);
    await supervisor.setWanted('roon', false);
    await supervisor.setTrackingPaused(false);
    await supervisor.setWanted('roon', true);
    expect(state('roon')).toBe('running');
    expect(state('lastfm')).toBe('running');
  });

  it('roles, not ids, decide: whatever has the store role opens first, and pausing tracking stops the trackers only', async () => {
    const clock = new ManualClock();
    // The ids swapped round on purpose: a core that named services would get these wrong.
    const store = Object.assign(new FakeService('scheduler', { kind: 'instant' }, clock), { role: 'store' as const });
    const tracker = Object.assign(new FakeService('database', { kind: 'instant' }, clock), { role: 'tracker' as const });
    const worker = Object.assign(new FakeService('roon', { kind: 'instant' }, clock), { role: 'worker' as const });
    let paused = false;
    const supervisor = new Supervisor({
      clock,
      logger: new MemoryLogger(),
      database: store,
      services: [tracker, worker],
      wanted: { isWanted: () => true, setWanted: () => undefined, trackingPaused: () => paused, setTrackingPaused: (p) => (paused = p) },
      timeouts: () => 10_000,
      backoff: { initialMs: 1000, maxMs: 60_000, random: () => 0.5 },
      heartbeatMs: 30_000,
      journal: () => undefined,
    });
    const summary = await supervisor.restore('startup');
    expect(summary.steps[0]!.service).toBe('scheduler');
    await supervisor.setTrackingPaused(true);
    expect(supervisor.runners.get('database')!.state).toBe('paused');
    expect(supervisor.runners.get('roon')!.state).toBe('running');
    await expect(supervisor.setWanted('scheduler', false)).rejects.toThrow('cannot be turned off');
    expect(supervisor.roleOf('scheduler')).toBe('store');
    await supervisor.shutdown();
    expect(() => new Supervisor({ clock, logger: new MemoryLogger(), database: worker, services: [], wanted: { isWanted: () => true, setWanted: () => undefined, trackingPaused: () => false, setTrackingPaused: () => undefined }, timeouts: () => 1, backoff: { initialMs: 1, maxMs: 1 }, heartbeatMs: 1000, journal: () => undefined })).toThrow("role 'store'");
  });

  it('a service turned on while asleep shows as paused for sleep and starts on wake', async () => {
    const { supervisor, state, services } = setup();
    await supervisor.restore('startup');
    await supervisor.setWanted('roon', false);
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
    await supervisor.setWanted('roon', true);
    expect(state('roon')).toBe('paused');
    expect(services.roon.running).toBe(0);
    await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
    expect(state('roon')).toBe('running');
  });

  it('an import under way shows as paused, not running, while its service is stopped', async () => {
    const { supervisor, services } = setup();
    await supervisor.restore('startup');
    const running = { state: 'running' as const, page: 3, totalPages: 10, plays: 600, etaSeconds: 4, startedAt: new Date(0).toISOString(), error: null };
    services.lastfm.host!.report({ import: running });
    const lastfm = () => supervisor.snapshot().services.find((s) => s.id === 'lastfm')!;
    expect(lastfm().import).toEqual(running);
    await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
    expect(lastfm().import).toEqual({ ...running, state: 'paused', etaSeconds: null });
    await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
    services.lastfm.host!.report({ import: running });
    await supervisor.setWanted('lastfm', false);
    expect(lastfm().import).toMatchObject({ state: 'paused', page: 3 });
  });

  it('keeps p50/p95 of restore durations and derives an auto timeout from them', async () => {
    const { supervisor, clock } = setup({ roon: { kind: 'slow', ms: 400 } }, { roon: 'auto' });
    for (let i = 0; i < 6; i++) await drive(clock, supervisor.restore('manual'), 50);
    const status = supervisor.snapshot().services.find((s) => s.id === 'roon')!;
    expect(status.metrics.p50Ms).toBe(400);
    expect(status.metrics.p95Ms).toBe(400);
    expect(status.metrics.effectiveTimeoutMs).toBe(2000);
    expect(status.metrics.restores).toBe(6);
    supervisor.dispose();
  });
});

describe('summarize', () => {
  it('counts outcomes', () => {
    expect(
      summarize([
        { service: 'roon', outcome: 'restored', durationMs: 1, error: null },
        { service: 'lastfm', outcome: 'timeout', durationMs: 1, error: 'x' },
        { service: 'scheduler', outcome: 'skipped', durationMs: 0, error: null },
      ]),
    ).toBe('1 restored, 1 reconnecting');
  });
});
