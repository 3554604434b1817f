import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveDisposables } from '../../src/main/core/disposable';
import { ServiceError } from '../../src/main/core/service';
import { harness, poll, scrobbles, T0_UTS, type Harness } from './harness';
import { LASTFM_ACCEPT_WINDOW_MS, LATE_SCROBBLE_WINDOW_MS } from '../../src/main/services/lastfm/service';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const go = () => new AbortController().signal;


describe('LastfmService', () => {
  it('is not configured without user or key', async () => {
    h = await harness({ config: { apiKey: null } });
    expect(h.service.notConfigured()).toBe('Last.fm: set your user name and API key in Settings');
    const error = await h.service.start(go(), h.host).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).retryable).toBe(false);
  });

  it('on first start stores the newest page as the baseline, with scrobble times as start times', async () => {
    h = await harness({ server: { history: scrobbles(450, T0_UTS - 60) } });
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(200);
    expect(h.plays.newestFrom('lastfm')).toBe((T0_UTS - 60) * 1000);
    expect(h.plays.list(1)[0]).toMatchObject({ title: 'Song 0', startedAt: new Date((T0_UTS - 60) * 1000).toISOString(), sources: ['lastfm'] });
    expect(h.host.reports.some((r) => r.success && r.condition === 'running')).toBe(true);
    expect(h.server.requestCount).toBe(1);
  });

  it('polls every pollSeconds and reads all new scrobbles across pages', async () => {
    h = await harness({ server: { history: scrobbles(10, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(10);
    // 450 arrive between two polls: three pages of 200.
    h.server.addScrobbles(...scrobbles(450, T0_UTS + 30, 1, 'Burst'));
    h.clock.advance(59_000);
    expect(h.server.requestCount).toBe(1);
    const next = h.host.nextSuccess();
    h.clock.advance(1_000);
    const report = await next;
    expect(report.detail).toMatch(/450 new/);
    expect(h.plays.count()).toBe(460);
    const pages = h.server.requests.slice(1).map((r) => r.page);
    expect(pages).toEqual([1, 3, 2]);
    // All pages of one catch-up share the same window.
    expect(new Set(h.server.requests.slice(1).map((r) => `${r.from}-${r.to}`)).size).toBe(1);
    const stored = h.plays.list(500).filter((p) => p.title.startsWith('Burst'));
    expect(stored.map((p) => Date.parse(p.startedAt) / 1000).sort((a, b) => b - a)).toEqual(scrobbles(450, T0_UTS + 30, 1).map((s) => s.uts));
  });

  it('catches up after a long gap, however many pages, oldest page first', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    await h.service.stop();
    // A week asleep: 1,100 scrobbles from other devices.
    h.clock.sleep(7 * 86_400_000);
    h.server.addScrobbles(...scrobbles(1100, T0_UTS + 7 * 86_400 - 60, 500, 'Away'));
    h.service = h.newService();
    const first = h.host.next((r) => r.success === true && /1100 new/.test(r.detail ?? ''));
    await h.service.start(go(), h.host);
    await first;
    expect(h.plays.count()).toBe(1105);
    expect(h.server.requests.slice(1).map((r) => r.page)).toEqual([1, 6, 5, 4, 3, 2]);
    // More than an hour since the last read: the whole 14 days Last.fm accepts late scrobbles for.
    expect(h.server.requests[1]!.from).toBe(Math.min(T0_UTS - 600 - LATE_SCROBBLE_WINDOW_MS / 1000, (h.clock.now() - LASTFM_ACCEPT_WINDOW_MS) / 1000));
  });

  it('a long absence reads back to the newest stored scrobble, beyond 14 days', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    await h.service.stop();
    h.clock.sleep(30 * 86_400_000);
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.server.requests.at(-1)!.from).toBe(T0_UTS - 600 - LATE_SCROBBLE_WINDOW_MS / 1000);
  });

  it('picks up scrobbles that arrive late with older times (a phone that was offline)', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(5);
    h.server.addScrobbles({ artist: 'Late Artist', title: 'Offline Song', album: null, uts: T0_UTS - 3600, mbid: '' });
    await poll(h);
    expect(h.plays.count()).toBe(6);
    expect(h.plays.list(10).some((p) => p.title === 'Offline Song' && p.startedAt === new Date((T0_UTS - 3600) * 1000).toISOString())).toBe(true);
  });

  it('ingesting the same scrobbles again is a no-op', async () => {
    h = await harness({ server: { history: scrobbles(30, T0_UTS - 60) } });
    await h.service.start(go(), h.host);
    const again = await h.service.catchUp(go());
    expect(again).toMatchObject({ inserted: 0, merged: 0 });
    expect(again.duplicates).toBeGreaterThanOrEqual(1);
    await poll(h);
    expect(h.plays.count()).toBe(30);
  });

  it('reports now playing in the status but never stores it', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    h.server.nowPlaying = { artist: 'Portishead', title: 'Roads', album: 'Dummy' };
    await h.service.start(go(), h.host);
    const report = h.host.reports.find((r) => r.success)!;
    expect(report.nowPlaying).toEqual([expect.objectContaining({ artist: 'Portishead', title: 'Roads', state: 'playing' })]);
    expect(h.plays.count()).toBe(3);
    h.server.nowPlaying = null;
    expect((await poll(h)).nowPlaying).toEqual([]);
    expect(h.plays.list(10).some((p) => p.title === 'Roads')).toBe(false);
  });

  it.each([
    ['HTTP 503', { type: 'http', status: 503 } as const],
    ['malformed JSON', { type: 'malformed' } as const],
    ['error 11', { type: 'error', code: 11 } as const],
    ['another user’s scrobbles', { type: 'wrong-user', user: 'mallory' } as const],
  ])('retries a poll after %s with backoff, writing nothing of the bad response', async (_name, fault) => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    h.server.addScrobbles(...scrobbles(5, T0_UTS + 30, 1, 'New'));
    h.server.inject(fault);
    const retry = await poll(h, (r) => /retrying in/.test(r.detail ?? ''));
    expect(retry.detail).toMatch(/^Last\.fm: /);
    expect(h.plays.count()).toBe(3);
    expect(h.host.fatals).toHaveLength(0);
    const ok = h.host.nextSuccess();
    h.clock.advance(5 * 60_000);
    await ok;
    expect(h.plays.count()).toBe(8);
  });

  it('backs off longer on error 29', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'error', code: 29 });
    const retry = await poll(h, (r) => /retrying in/.test(r.detail ?? ''));
    expect(retry.detail).toMatch(/rate limiting/);
    const before = h.server.requestCount;
    h.clock.advance(30_000);
    expect(h.server.requestCount).toBe(before);
    expect(h.service.probe()).toEqual({ ok: true });
    const ok = h.host.nextSuccess();
    h.clock.advance(15 * 60_000);
    await ok;
  });

  it('stops with a message on error 10 (key revoked while running)', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    h.server.apiKey = 'revoked';
    const fatal = h.host.nextFatal();
    h.clock.advance(60_000);
    const error = await fatal;
    expect(error.message).toBe('Last.fm rejected the API key (error 10): check lastfm.apiKey in Settings');
    expect((error as ServiceError).retryable).toBe(false);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('refuses to start with a bad key, saying what to fix', async () => {
    h = await harness({ config: { apiKey: 'wrong' } });
    const error = (await h.service.start(go(), h.host).catch((e: unknown) => e)) as ServiceError;
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/check lastfm.apiKey/);
    expect(h.logger.lines.map((l) => l.message).join('\n')).not.toContain('wrong');
  });

  it('aborts a hung poll after the request timeout and keeps polling', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) }, config: { requestTimeoutMs: 200 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'hang' });
    const retry = await poll(h, (r) => /retrying in/.test(r.detail ?? ''));
    expect(retry.detail).toMatch(/did not answer/);
    await vi.waitFor(() => expect(h!.server.openRequests).toBe(0));
    const ok = h.host.nextSuccess();
    h.clock.advance(5 * 60_000);
    await ok;
  });

  it('start honours its signal while the first request hangs', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    h.server.inject({ type: 'hang' });
    const controller = new AbortController();
    const pending = h.service.start(controller.signal, h.host).catch((e: unknown) => e);
    await new Promise<void>((r) => h!.server.once('request', () => r()));
    controller.abort(new Error('restore timed out'));
    expect(((await pending) as Error).message).toBe('restore timed out');
    await vi.waitFor(() => expect(h!.server.openRequests).toBe(0));
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('stop() during start makes the start reject and leaves nothing running', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    h.server.inject({ type: 'slow', ms: 100 });
    const pending = h.service.start(go(), h.host).catch((e: unknown) => e);
    await new Promise<void>((r) => h!.server.once('request', () => r()));
    await h.service.stop();
    expect(await pending).toBeInstanceOf(ServiceError);
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.plays.count()).toBe(0);
  });

  it('stop() leaves no timers, listeners or requests behind', async () => {
    const baseline = liveDisposables();
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    expect(h.clock.pendingTimers).toBe(1);
    h.server.inject({ type: 'hang' });
    const hung = new Promise<void>((r) => h!.server.once('request', () => r()));
    h.clock.advance(60_000);
    await hung;
    expect(h.server.openRequests).toBe(1);
    await h.service.stop();
    await h.service.stop();
    expect(h.clock.pendingTimers).toBe(0);
    expect(liveDisposables()).toBe(baseline);
    await vi.waitFor(() => expect(h!.server.openRequests).toBe(0));
    const count = h.server.requestCount;
    h.clock.advance(3600_000);
    expect(h.server.requestCount).toBe(count);
  });

  it('with polling off, nothing polls but catchUp() fetches what is new', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    expect(h.clock.pendingTimers).toBe(0);
    h.server.addScrobbles(...scrobbles(4, T0_UTS + 30, 1, 'Later'));
    h.clock.advance(60_000);
    expect(await h.service.catchUp(go())).toMatchObject({ inserted: 4 });
    expect(h.plays.count()).toBe(7);
    expect(h.service.probe()).toEqual({ ok: true });
  });

  it('catchUp() works while the tracker is stopped (the scheduler job)', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    expect(await h.service.catchUp(go())).toMatchObject({ inserted: 3 });
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('probe() turns unhealthy after several intervals without a good poll', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    await h.service.start(go(), h.host);
    expect(h.service.probe()).toEqual({ ok: true });
    h.server.inject({ type: 'http', status: 500 }, { times: 1000 });
    for (let i = 0; i < 6; i++) {
      const retry = h.host.nextRetry();
      h.clock.advance(i === 0 ? 60_000 : 5 * 60_000);
      await retry;
    }
    expect(h.service.probe()).toMatchObject({ ok: false, reason: expect.stringMatching(/no successful poll/) });
  });

  it('one listen heard by Roon and then scrobbled by Roon to Last.fm becomes one play with both sources', async () => {
    h = await harness({ server: { history: [] } });
    const start = (T0_UTS - 400) * 1000;
    h.plays.ingest([{ artist: 'Beyoncé feat. JAY-Z', title: 'Crazy in Love', album: 'Dangerously in Love', lengthSeconds: 236, startedAt: start + 4_000, secondsListened: 236, zone: 'Kitchen', source: 'roon' }]);
    h.server.setHistory([{ artist: 'Beyonce', title: 'Crazy In Love (feat. Jay-Z)', album: 'Dangerously In Love', uts: T0_UTS - 400 }]);
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(1);
    expect(h.plays.list(1)[0]!.sources).toEqual(['lastfm', 'roon']);
  });
});
