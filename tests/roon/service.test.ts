import { afterEach, describe, expect, it } from 'vitest';
import { liveDisposables } from '../../src/main/core/disposable';
import { ServiceError, type ServiceReport } from '../../src/main/core/service';
import { AUTHORISATION_DETAIL, RoonService, tokenKey } from '../../src/main/services/roon/service';
import type { FakeTrack } from '../../src/dev/fakes/roon-core';
import { nextEvent, until, within } from './helpers';
import { makeHarness, testRoonConfig, type Harness } from './service-harness';

const BLUE: FakeTrack = { title: 'Blue in Green', artist: 'Miles Davis', album: 'Kind of Blue', length: 100 };
const TRAIN: FakeTrack = { title: 'Giant Steps', artist: 'John Coltrane', album: 'Giant Steps', length: 120 };
const ZONES = [
  { id: 'z1', name: 'Den', track: BLUE },
  { id: 'z2', name: 'Kitchen' },
];

let h: Harness | null = null;
const baseline = liveDisposables();

afterEach(async () => {
  if (h) {
    await h.service.stop();
    h.service.dispose();
    await h.core.stop();
  }
  h = null;
  expect(liveDisposables()).toBe(baseline);
});

const running = (harness: Harness) =>
  nextEvent<ServiceReport>(harness.host.events, 'report', (r) => r.condition === 'running');

async function withToken(options: Parameters<typeof makeHarness>[0] = {}) {
  const harness = await makeHarness({ ...options, core: { knownTokens: ['saved'], zones: ZONES, ...options.core } });
  await harness.secrets.set(tokenKey(harness.core.coreId), 'saved');
  return harness;
}

describe('RoonService', () => {
  it('waits for authorisation, then connects, saves the token and shows a status line in Roon', async () => {
    h = await makeHarness({ core: { zones: ZONES } });
    const waiting = nextEvent(h.core.events, 'waiting-authorisation');
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
    await waiting;
    expect(h.host.reports).toContainEqual({ condition: 'waiting-authorisation', detail: AUTHORISATION_DETAIL });
    expect(h.core.registrations[0]!.token).toBeUndefined();

    const up = running(h);
    h.core.authorise();
    expect((await up).detail).toBe('Connected to Fake Core, 2 zones');
    const token = await h.secrets.get(tokenKey(h.core.coreId));
    expect(token).toMatch(/^token-/);
    expect(h.core.knownTokens.has(token!)).toBe(true);
    await until(() => h!.core.lastStatus?.message === 'Tracking 2 zones', 'the status line in Roon');
    expect(h.host.failures).toEqual([]);
  });

  it('sends the saved token and resolves start() once subscribed', async () => {
    h = await withToken();
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
    expect(h.core.registrations[0]!.token).toBe('saved');
    expect(h.host.lastCondition).toBe('running');
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 2 zones');
    expect(h.host.reports.some((r) => r.condition === 'waiting-authorisation')).toBe(false);
    expect(h.service.probe()).toEqual({ ok: true });
  });

  it('shows waiting-for-authorisation when a saved token was revoked, without holding start()', async () => {
    h = await withToken({ core: { knownTokens: [] } });
    const start = h.service.start(new AbortController().signal, h.host);
    await nextEvent(h.core.events, 'waiting-authorisation');
    await h.clock.advanceAsync(3_000);
    await within(start, 5_000, 'start');
    expect(h.host.lastCondition).toBe('waiting-authorisation');
  });

  it('turns seek updates into a stored play and reports now playing', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    const startedAt = h.clock.now();
    await h.core.tick(55);
    expect(h.sink.plays).toHaveLength(1);
    expect(h.sink.plays[0]).toMatchObject({ artist: 'Miles Davis', title: 'Blue in Green', album: 'Kind of Blue', source: 'roon', zone: 'Den' });
    expect(Math.abs(h.sink.plays[0]!.startedAt - startedAt)).toBeLessThanOrEqual(2_000);
    const now = h.host.reports.filter((r) => r.nowPlaying).at(-1)!.nowPlaying!;
    expect(now.find((z) => z.zoneId === 'z1')).toMatchObject({ state: 'playing', title: 'Blue in Green', seekSeconds: 55 });

    // A track change via loading, combined with a seek update, starts a new play.
    h.core.play('z2', TRAIN, { viaLoading: true, withSeek: true });
    await h.core.tick(65);
    expect(h.sink.plays.map((p) => p.title)).toEqual(['Blue in Green', 'Giant Steps']);
  });

  it('follows zones added and removed in the detail and the Roon status line', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    h.core.addZone({ id: 'z3', name: 'Office', outputs: ['Office L', 'Office R'], track: TRAIN });
    await h.core.flush();
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 3 zones');
    await until(() => h!.core.lastStatus?.message === 'Tracking 3 zones', 'Tracking 3 zones');
    h.core.removeZone('z2');
    h.core.removeZone('z3');
    await h.core.flush();
    await until(() => h!.core.lastStatus?.message === 'Tracking 1 zone', 'Tracking 1 zone');
  });

  it('ignores unreadable zone updates without losing the link', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    h.core.sendZonesChanged({ zones_changed: [{ zone_id: 5 }] });
    h.core.sendZonesChanged({ zones_seek_changed: 'soon' });
    await h.core.flush();
    expect(h.logger.lines.filter((l) => l.message.includes('that Encore cannot read'))).toHaveLength(2);
    expect(h.host.failures).toEqual([]);
    await h.core.tick(55);
    expect(h.sink.plays).toHaveLength(1);
  });

  it('reports a lost link with retryNow, and the next start begins again at request id 0 with the full state', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    await h.core.tick(10);
    const failed = nextEvent<Error>(h.host.events, 'fail');
    h.core.destroyConnections();
    const error = await failed;
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).options.network).toBe(true);
    expect(h.host.failures[0]!.retryNow).toBe(true);
    expect(h.service.probe().ok).toBe(false);
    await h.service.stop();

    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'restart');
    expect(h.core.links).toHaveLength(2);
    expect(h.core.links[1]!.requestIds[0]).toBe(0);
    expect(h.host.lastCondition).toBe('running');
    // The restarted link counts listening again from the fresh full state.
    await h.core.tick(50);
    expect(h.sink.plays).toHaveLength(1);
  });

  it('finds a silent Core dead through the keepalive and fails the link', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    const failed = nextEvent<Error>(h.host.events, 'fail');
    h.core.dieSilently();
    await h.clock.advanceAsync(20_000);
    expect((await failed).message).toMatch(/no pong/);
  });

  it('closes the socket before sleep without calling it a failure, and starts on a fresh connection', async () => {
    h = await withToken();
    await h.service.start(new AbortController().signal, h.host);
    const gone = nextEvent(h.core.events, 'disconnect');
    h.service.prepareForSleep();
    await gone;
    await h.service.stop();
    expect(h.host.failures).toEqual([]);
    h.clock.sleep(3_600_000);
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start after wake');
    expect(h.core.links.map((l) => l.open)).toEqual([false, true]);
  });

  it('leaves no timer, socket or listener behind after stop()', async () => {
    h = await withToken({ core: { pingIntervalMs: 0 } });
    const timersBefore = h.clock.pendingTimers;
    await h.service.start(new AbortController().signal, h.host);
    expect(h.clock.pendingTimers).toBeGreaterThan(timersBefore);
    await h.service.stop();
    expect(h.clock.pendingTimers).toBe(timersBefore);
    await until(() => h!.core.tcpConnectionCount === 0, 'the socket to close');
  });

  it('aborting a start against a handshake that never completes closes the socket promptly', async () => {
    h = await withToken();
    h.core.hangHandshakes = true;
    const controller = new AbortController();
    const accepted = nextEvent(h.core.events, 'tcp-connection');
    const start = h.service.start(controller.signal, h.host);
    await accepted;
    const closed = nextEvent(h.core.events, 'tcp-close', () => true, 2_000);
    controller.abort(new Error('start timed out'));
    await expect(within(start, 1_000, 'rejection')).rejects.toThrow('start timed out');
    await closed;
    await h.service.stop();
    expect(h.clock.pendingTimers).toBe(1); // the fake's ping timer only
  });

  it('a slow Core is waited for while the start signal allows', async () => {
    h = await withToken();
    h.core.answerDelayMs = 2_000;
    let done = false;
    const start = h.service.start(new AbortController().signal, h.host).then(() => (done = true));
    await nextEvent(h.core.events, 'request');
    expect(done).toBe(false);
    for (let i = 0; i < 4 && !done; i++) {
      await h.clock.advanceAsync(2_000, 100);
      await new Promise((r) => setImmediate(r));
    }
    await within(start, 5_000, 'start');
    expect(h.host.lastCondition).toBe('running');
  });
});

describe('RoonService discovery', () => {
  it('finds the Core by SOOD on loopback, remembers it and uses the address on the next start', async () => {
    h = await makeHarness({ configured: false, core: { knownTokens: ['saved'], zones: ZONES } });
    const soodPort = await h.core.startSood();
    await h.secrets.set(tokenKey(h.core.coreId), 'saved');
    const service = new RoonService({ config: testRoonConfig({}, soodPort), clock: h.clock, logger: h.logger, secrets: h.secrets, plays: h.sink });
    h.service.dispose();
    h.service = service;
    await within(service.start(new AbortController().signal, h.host), 5_000, 'start by discovery');
    expect(h.core.soodQueries).toBeGreaterThan(0);
    expect(JSON.parse((await h.secrets.get('roon.lastCore'))!)).toEqual({ host: '127.0.0.1', port: h.core.port, coreId: h.core.coreId });
    await service.stop();

    h.core.stopSood();
    await within(service.start(new AbortController().signal, h.host), 5_000, 'start from the last address');
    expect(h.core.links).toHaveLength(2);
    expect(h.host.lastCondition).toBe('running');
  });

  it('gives up searching with a plain reason when no Core answers', async () => {
    h = await makeHarness({ configured: false });
    const start = h.service.start(new AbortController().signal, h.host);
    const outcome = start.catch((e: unknown) => e);
    await h.clock.advanceAsync(9_000);
    const error = await within(outcome, 5_000, 'give up');
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(/No Roon Core found/);
    expect((error as ServiceError).options.network).toBe(true);
    expect(h.host.lastDetail).toBe('Searching for a Roon Core…');
  });
});

describe('RoonService: one zone it cannot read', () => {
  /** A Den zone playing Blue in Green, bent in one way the app does not understand. */
  async function withOddZone(bend: (zone: Record<string, unknown>) => void) {
    const harness = await withToken();
    const odd = harness.core.zoneSnapshot('z1');
    odd.zone_id = 'odd';
    odd.display_name = 'Garage';
    bend(odd);
    harness.core.rawZones.push(odd);
    return harness;
  }

  for (const [what, bend, reason] of [
    ['an unknown state', (z: Record<string, unknown>) => void (z.state = 'buffering'), 'unknown state "buffering"'],
    ['a seek that is not a number', (z: Record<string, unknown>) => void (z.seek_position = 'soon'), 'seek_position'],
    ['now_playing that is not an object', (z: Record<string, unknown>) => void (z.now_playing = 'Blue in Green'), 'now_playing'],
  ] as const) {
    it(`in Subscribed (${what}): skipped, noted in the status, every other zone tracked, no reconnect`, async () => {
      h = await withOddZone(bend);
      await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
      expect(h.host.lastCondition).toBe('running');
      expect(h.host.lastDetail).toMatch(/^Connected to Fake Core, 2 zones; skipping 1 zone Encore cannot read \(Garage: .+\)$/);
      expect(h.host.lastDetail).toContain(`Garage: ${reason}`);
      await h.core.tick(55);
      expect(h.sink.plays.map((p) => p.zone)).toEqual(['Den']);
      expect(h.host.failures).toEqual([]);
      expect(h.logger.lines.filter((l) => l.level === 'warn' && l.message.includes('zone Garage'))).toHaveLength(1);
    });
  }

  it('tracks a zone whose now_playing has only three_line (no one_line or two_line)', async () => {
    h = await withOddZone((z) => {
      const np = z.now_playing as Record<string, unknown>;
      delete np.one_line;
      delete np.two_line;
      z.state = 'playing';
    });
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 3 zones');
    // The raw zone never moves by itself: its seek comes from the test.
    for (let i = 1; i <= 55; i++) {
      h.core.sendZonesChanged({ zones_seek_changed: [{ zone_id: 'odd', seek_position: i }] });
      await h.core.tick(1);
    }
    expect(h.sink.plays.map((p) => p.zone).sort()).toEqual(['Den', 'Garage']);
  });

  it('skips a zone that turns unreadable in Changed, logs it once, and takes it back when it reads again', async () => {
    h = await withToken();
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
    await h.core.tick(10);
    const odd = { ...h.core.zoneSnapshot('z1'), state: 'buffering' };
    for (let i = 0; i < 3; i++) h.core.sendZonesChanged({ zones_changed: [odd, h.core.zoneSnapshot('z2')] });
    await h.core.flush();
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 1 zone; skipping 1 zone Encore cannot read (Den: unknown state "buffering")');
    expect(h.logger.lines.filter((l) => l.level === 'warn' && l.message.includes('zone Den'))).toHaveLength(1);
    expect(h.host.failures).toEqual([]);
    h.core.sendZonesChanged({ zones_changed: [h.core.zoneSnapshot('z1')] });
    await h.core.flush();
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 2 zones; 3 unreadable updates skipped');
    await h.core.tick(50);
    // One play of the track, dated from its start: the unreadable spell did not split it.
    expect(h.sink.plays.map((p) => p.title)).toEqual(['Blue in Green']);
  });

  it('keeps the good zones of a Changed that also carries bad seeks and removals', async () => {
    h = await withToken();
    await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
    h.core.sendZonesChanged({ zones_removed: [7, 'z2'], zones_seek_changed: [{ zone_id: 'z1' , seek_position: 'x' }, { zone_id: 'z1', seek_position: 1 }] });
    await h.core.flush();
    expect(h.host.lastDetail).toBe('Connected to Fake Core, 1 zone; 2 unreadable updates skipped');
    expect(h.service.nowPlaying().map((z) => [z.zoneId, z.seekSeconds])).toEqual([['z1', 1]]);
  });
});

describe('RoonService: Transfer Zone', () => {
  for (const destinationFirst of [false, true]) {
    it(`stores one play when the track moves to another zone mid-way (${destinationFirst ? 'destination' : 'source'} announced first)`, async () => {
      // Long enough that either room alone would qualify: one play is right, two are possible.
      const SUITE: FakeTrack = { title: 'Suite', artist: 'Duke Ellington', album: 'Such Sweet Thunder', length: 700 };
      h = await withToken({ core: { zones: [{ id: 'z1', name: 'Den', track: SUITE }, { id: 'z2', name: 'Kitchen' }] } });
      await h.service.start(new AbortController().signal, h.host);
      const startedAt = h.clock.now();
      await h.core.tick(250);
      h.core.transfer('z1', 'z2', { destinationFirst });
      await h.core.tick(300);
      expect(h.sink.plays).toHaveLength(1);
      expect(h.sink.plays[0]).toMatchObject({ title: 'Suite', zone: 'Den' });
      expect(Math.abs(h.sink.plays[0]!.startedAt - startedAt)).toBeLessThanOrEqual(1_000);
      expect(h.service.nowPlaying().find((z) => z.zoneId === 'z1')).toMatchObject({ state: 'stopped', title: null });
    });
  }
});
