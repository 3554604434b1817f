// Seek progress travels apart from the snapshot: a playing zone's seek moves
// every second, and only a track or state change is a new snapshot.
import { describe, expect, it } from 'vitest';
import { FakeService } from '../../../tests/support/fake-service';
import type { NowPlayingProgress, ServiceId, ZoneNowPlaying } from '../../shared/status';
import { ManualClock } from './clock';
import { liveDisposables } from './disposable';
import { MemoryLogger } from './logger';
import { PROGRESS_FALLBACK_MS, PROGRESS_INTERVAL_MS, ProgressThrottle } from './progress-throttle';
import { Supervisor, type ProgressReading } from './supervisor';

const zone = (over: Partial<ZoneNowPlaying> = {}): ZoneNowPlaying => ({
  zoneId: 'z1',
  zoneName: 'Den',
  state: 'playing',
  title: 'So What',
  artist: 'Miles Davis',
  album: 'Kind of Blue',
  seekSeconds: 40,
  lengthSeconds: 562,
  ...over,
});

async function runningSupervisor() {
  const clock = new ManualClock();
  const make = (id: ServiceId) => new FakeService(id, { kind: 'instant' }, clock);
  const roon = make('roon');
  const supervisor = new Supervisor({
    clock,
    logger: new MemoryLogger(),
    database: make('database'),
    services: [roon, make('lastfm'), make('scheduler')],
    wanted: { isWanted: () => true, setWanted: () => {}, trackingPaused: () => false, setTrackingPaused: () => {} },
    timeouts: () => 10_000,
    backoff: { initialMs: 1000, maxMs: 60_000, random: () => 0.5 },
    heartbeatMs: 30_000,
    journal: () => {},
  });
  await supervisor.restore('startup');
  let snapshots = 0;
  const progress: ProgressReading[] = [];
  supervisor.onDidChange(() => snapshots++);
  supervisor.onDidProgress((p) => progress.push(p));
  /** Reports, then lets the queued change notification (a microtask) run. */
  const report = async (r: Parameters<NonNullable<FakeService['host']>['report']>[0]) => {
    roon.host!.report(r);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, supervisor, report, counts: () => ({ snapshots, progress }) };
}

describe('seek progress apart from the snapshot', () => {
  it('a seek-only report is progress, not a snapshot; the snapshot still reads the latest position', async () => {
    const { supervisor, report, counts, clock } = await runningSupervisor();
    await report({ success: true, nowPlaying: [zone()] });
    expect(counts().snapshots).toBe(1); // the zone appeared
    for (let s = 41; s <= 100; s++) {
      clock.advance(1000);
      await report({ success: true, nowPlaying: [zone({ seekSeconds: s })] });
    }
    expect(counts().snapshots).toBe(1);
    expect(counts().progress).toHaveLength(60);
    expect(counts().progress.at(-1)).toEqual({ service: 'roon', atMs: clock.now(), zones: [{ zoneId: 'z1', seekSeconds: 100 }] });
    const roon = supervisor.snapshot().services.find((s) => s.id === 'roon')!;
    expect(roon.nowPlaying?.[0]?.seekSeconds).toBe(100);
    expect(roon.lastSuccessAt).toBe(new Date(clock.now()).toISOString());
  });

  it('a track change, a pause or a new detail is a snapshot', async () => {
    const { report, counts } = await runningSupervisor();
    await report({ success: true, nowPlaying: [zone()] });
    await report({ success: true, nowPlaying: [zone({ title: 'Freddie Freeloader', seekSeconds: 0 })] });
    await report({ success: true, nowPlaying: [zone({ title: 'Freddie Freeloader', seekSeconds: 1, state: 'paused' })] });
    await report({ nowPlaying: [zone({ title: 'Freddie Freeloader', seekSeconds: 2, state: 'paused' })], detail: 'Connected to Core, 2 zones' });
    await report({ success: true, nowPlaying: [zone({ title: 'Freddie Freeloader', seekSeconds: 2, state: 'paused' }), zone({ zoneId: 'z2' })] });
    expect(counts().snapshots).toBe(5);
    expect(counts().progress).toHaveLength(0);
  });

  it('a report that moves nothing still publishes its success (a Last.fm poll)', async () => {
    const { report, counts } = await runningSupervisor();
    await report({ success: true, nowPlaying: [] });
    await report({ success: true, nowPlaying: [] });
    expect(counts().snapshots).toBe(2);
    expect(counts().progress).toHaveLength(0);
  });
});

describe('ProgressThrottle', () => {
  const progress = (seekSeconds: number, service: ServiceId = 'roon'): ProgressReading => ({ service, atMs: Date.UTC(2026, 0, 1, 12, 0, seekSeconds), zones: [{ zoneId: 'z1', seekSeconds }] });

  it('sends the first at once, then at most one per interval per service, always the latest', () => {
    const clock = new ManualClock();
    const sent: NowPlayingProgress[] = [];
    const throttle = new ProgressThrottle(clock, (p) => sent.push(p));
    throttle.push(progress(1));
    throttle.push(progress(1, 'lastfm'));
    for (let s = 2; s <= 12; s++) {
      clock.advance(1000);
      throttle.push(progress(s));
    }
    // 1 at once; the push at 5 s carries itself out (6), as does the one at 10 s (11); 12 waits.
    expect(sent.map((p) => `${p.service}:${p.zones[0]!.seekSeconds}`)).toEqual(['roon:1', 'lastfm:1', 'roon:6', 'roon:11']);
    // The reading's time becomes the ISO string only for what is sent.
    expect(sent[2]!.at).toBe('2026-01-01T12:00:06.000Z');
    // The stream stopped: the last one still goes out, from the fallback timer on
    // the clock's beats. It was set at 1 s for the beat at 12 s (12 had not waited
    // its interval then), and again for the beat at or after 22 s.
    expect(clock.monotonic()).toBe(11_000);
    const lastOut = 12_000 + PROGRESS_FALLBACK_MS;
    clock.advance(lastOut - clock.monotonic() - 1);
    expect(sent).toHaveLength(4);
    clock.advance(1);
    expect(sent.at(-1)?.zones[0]?.seekSeconds).toBe(12);
    expect(sent).toHaveLength(5);
    clock.advance(60_000);
    expect(sent).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('while updates come once a second, wakes once every 10 s at most and never cancels a timer', () => {
    const clock = new ManualClock();
    const timers = { fired: 0, cancelled: 0 };
    // Each timer that runs is a wakeup of its own; so is each cancelled one (Node wakes at its time regardless).
    const count =
      (set: (fn: () => void, ms: number) => { dispose(): void }) =>
      (fn: () => void, ms: number) => {
        let ran = false;
        const timer = set(() => ((ran = true), timers.fired++, fn()), ms);
        return { dispose: () => (ran || timers.cancelled++, timer.dispose()) };
      };
    const counting = Object.assign(Object.create(clock) as ManualClock, {
      setTimeout: count((fn, ms) => clock.setTimeout(fn, ms)),
      setCoarseTimeout: count((fn, ms) => clock.setCoarseTimeout(fn, ms)),
    });
    const sent: NowPlayingProgress[] = [];
    const throttle = new ProgressThrottle(counting, (p) => sent.push(p));
    for (let s = 0; s <= 600; s++) {
      // Real updates are not exactly a second apart.
      clock.advance(s % 2 ? 1040 : 960);
      throttle.push(progress(s));
    }
    expect(timers.fired).toBeGreaterThan(0);
    expect(timers.fired).toBeLessThanOrEqual(61);
    expect(clock.wakeups).toBeLessThanOrEqual(61);
    expect(timers.cancelled).toBe(0);
    // One every 5 or 6 s: the first push once 5 s are over.
    expect(sent.length).toBeGreaterThanOrEqual(100);
    expect(sent.length).toBeLessThanOrEqual(121);
    expect(sent.at(-1)!.zones[0]!.seekSeconds).toBeGreaterThan(590);
    throttle.dispose();
  });

  it('leaves no timer behind when disposed with progress waiting', () => {
    const clock = new ManualClock();
    const before = liveDisposables();
    const sent: NowPlayingProgress[] = [];
    const throttle = new ProgressThrottle(clock, (p) => sent.push(p));
    throttle.push(progress(1));
    throttle.push(progress(2));
    throttle.dispose();
    clock.advance(PROGRESS_INTERVAL_MS * 2);
    throttle.push(progress(3));
    expect(sent).toHaveLength(1);
    expect(liveDisposables()).toBe(before);
  });
});
