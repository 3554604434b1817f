import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { isNetworkError } from '../../src/main/core/service';
import { LastfmClient, LastfmError } from '../../src/main/services/lastfm/client';
import { FakeLastfmServer } from '../../src/dev/fakes/lastfm-server';
import { scrobbles, T0, T0_UTS } from './harness';

let server: FakeLastfmServer;
const clock = new ManualClock(T0);
const signal = () => new AbortController().signal;
const client = (over: Partial<ConstructorParameters<typeof LastfmClient>[0]> = {}) =>
  new LastfmClient({ apiRoot: server.url, apiKey: server.apiKey, user: server.user, requestTimeoutMs: 2_000, version: '1.2.3', clock, ...over });

beforeAll(async () => {
  server = await FakeLastfmServer.start({ apiKey: 'sekrit-key-123' });
});
afterAll(async () => server.close());

async function failure(promise: Promise<unknown>): Promise<LastfmError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LastfmError);
  return error as LastfmError;
}

describe('LastfmClient quirks', () => {
  it('reads a page: numbers as strings, newest first, empty mbids and missing albums as null, start times in ms', async () => {
    server.setHistory([
      { artist: 'Björk', title: 'Jóga', album: 'Homogenic', uts: T0_UTS - 100, mbid: '' },
      { artist: 'Four Tet', title: 'Baby', album: null, uts: T0_UTS - 400 },
      { artist: 'Caribou', title: 'Sun', album: null, uts: T0_UTS - 701 },
    ]);
    const page = await client().getRecentTracks({ limit: 10 }, signal());
    expect(page).toMatchObject({ page: 1, perPage: 10, totalPages: 1, total: 3, nowPlaying: null });
    expect(page.scrobbles).toEqual([
      { artist: 'Björk', title: 'Jóga', album: 'Homogenic', startedAt: (T0_UTS - 100) * 1000, mbid: null },
      { artist: 'Four Tet', title: 'Baby', album: null, startedAt: (T0_UTS - 400) * 1000, mbid: null },
      { artist: 'Caribou', title: 'Sun', album: null, startedAt: (T0_UTS - 701) * 1000, mbid: null },
    ]);
    expect(server.requests.at(-1)!.userAgent).toBe('Encore/1.2.3');
  });

  it('accepts `track` as a single object, and a now-playing entry without a date on top of the limit', async () => {
    server.setHistory(scrobbles(1, T0_UTS - 60));
    const one = await client().getRecentTracks({}, signal());
    expect(one.scrobbles).toHaveLength(1);
    server.nowPlaying = { artist: 'Air', title: 'La femme d’argent', album: 'Moon Safari' };
    server.setHistory(scrobbles(5, T0_UTS - 60));
    const page = await client().getRecentTracks({ limit: 5, extended: true }, signal());
    expect(page.nowPlaying).toEqual({ artist: 'Air', title: 'La femme d’argent', album: 'Moon Safari' });
    expect(page.scrobbles).toHaveLength(5);
    server.setHistory([]);
    const onlyNowPlaying = await client().getRecentTracks({}, signal());
    expect(onlyNowPlaying).toMatchObject({ scrobbles: [], totalPages: 0, nowPlaying: { artist: 'Air' } });
    server.nowPlaying = null;
  });

  it('pages with from inclusive and to exclusive', async () => {
    server.setHistory(scrobbles(10, T0_UTS - 60, 60));
    const page = await client().getRecentTracks({ from: T0_UTS - 60 - 4 * 60, to: T0_UTS - 60, limit: 2, page: 2 }, signal());
    expect(page).toMatchObject({ totalPages: 2, total: 4 });
    expect(page.scrobbles.map((s) => s.title)).toEqual(['Song 3', 'Song 4']);
  });
});

describe('LastfmClient errors', () => {
  it.each([
    [10, /rejected the API key \(error 10\): check lastfm.apiKey in Settings/],
    [6, /check lastfm.user in Settings/],
    [17, /private/],
    [26, /suspended/],
  ])('error %i is fatal with a message saying what to fix', async (code, message) => {
    server.inject({ type: 'error', code });
    const error = await failure(client().getRecentTracks({}, signal()));
    expect(error.retryable).toBe(false);
    expect(error.kind).toBe('fatal');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('sekrit');
  });

  it('a wrong key and an unknown user come back fatal from the server itself', async () => {
    expect((await failure(client({ apiKey: 'wrong' }).getRecentTracks({}, signal()))).code).toBe(10);
    expect((await failure(client({ user: 'nobody' }).getRecentTracks({}, signal()))).code).toBe(6);
  });

  it.each([8, 11, 16])('error %i is retryable', async (code) => {
    server.inject({ type: 'error', code });
    const error = await failure(client().getRecentTracks({}, signal()));
    expect(error).toMatchObject({ retryable: true, kind: 'server', code });
  });

  it('error 29 is retryable and marked as rate limiting', async () => {
    server.inject({ type: 'error', code: 29 });
    expect(await failure(client().getRecentTracks({}, signal()))).toMatchObject({ retryable: true, kind: 'rate-limited', code: 29 });
  });

  it('HTTP 5xx with an HTML body is retryable', async () => {
    server.inject({ type: 'http', status: 503 });
    expect(await failure(client().getRecentTracks({}, signal()))).toMatchObject({ retryable: true, kind: 'server' });
  });

  it('malformed JSON and absurd paging are rejected as retryable, with a clear message', async () => {
    server.setHistory(scrobbles(3, T0_UTS - 60));
    server.inject({ type: 'malformed' });
    const bad = await failure(client().getRecentTracks({}, signal()));
    expect(bad).toMatchObject({ retryable: true, kind: 'malformed' });
    expect(bad.message).toMatch(/not valid JSON/);
    server.setHistory([]);
    server.inject({ type: 'absurd' });
    const absurd = await failure(client().getRecentTracks({}, signal()));
    expect(absurd).toMatchObject({ retryable: true, kind: 'malformed' });
    expect(absurd.message).toMatch(/paging out of range|totalPages/);
  });

  it('an entry with an absurd date is skipped and named; the rest of the page is kept', async () => {
    server.setHistory(scrobbles(3, T0_UTS - 60));
    server.inject({ type: 'absurd' });
    const page = await client().getRecentTracks({}, signal());
    expect(page.scrobbles.map((s) => s.title)).toEqual(['Song 1', 'Song 2']);
    expect(page.rejected).toEqual([expect.objectContaining({ reason: 'date-in-future', index: 0, title: 'Song 0', uts: 99999999999 })]);
  });

  it.each([
    ['no date', { date: undefined }, 'no-date'],
    ['a date of 1970', { date: { uts: '0', '#text': '01 Jan 1970, 00:00' } }, 'date-before-2000'],
    ['a date in 1999', { date: { uts: String(Date.UTC(1999, 11, 31) / 1000), '#text': '' } }, 'date-before-2000'],
    ['an unreadable date', { date: { uts: 'yesterday' } }, 'bad-date'],
    ['an empty artist', { artist: { '#text': '  ', mbid: '' } }, 'empty-artist'],
    ['an empty name', { name: '' }, 'empty-title'],
    ['a name over 1,000 characters', { name: 'x'.repeat(1001) }, 'name-too-long'],
    ['an album over 1,000 characters', { album: { '#text': 'y'.repeat(1001) } }, 'name-too-long'],
    ['an artist that is a number', { artist: 42 }, 'malformed'],
  ])('an entry with %s is skipped with its reason, the other 199 kept', async (_name, change, reason) => {
    server.setHistory(scrobbles(200, T0_UTS - 60, 60));
    server.quirk({ page: 1, index: 57, change: change as Record<string, unknown> });
    const page = await client().getRecentTracks({ limit: 200 }, signal());
    expect(page.scrobbles).toHaveLength(199);
    expect(page.scrobbles.some((s) => s.title === 'Song 57')).toBe(false);
    expect(page.rejected).toEqual([expect.objectContaining({ reason, index: 57 })]);
    expect(page.rejected[0]!.raw.length).toBeLessThanOrEqual(2_001);
    server.clearQuirks();
  });

  it('a now-playing entry without an artist is left out, not recorded as skipped', async () => {
    server.setHistory(scrobbles(2, T0_UTS - 60, 60));
    server.nowPlaying = { artist: '', title: 'Something' };
    const page = await client().getRecentTracks({}, signal());
    expect(page).toMatchObject({ nowPlaying: null, rejected: [] });
    expect(page.scrobbles).toHaveLength(2);
    server.nowPlaying = null;
  });

  it('an entry that is not an object at all is skipped', async () => {
    server.setHistory(scrobbles(3, T0_UTS - 60, 60));
    server.quirk({ page: 1, index: 1, replace: null });
    const page = await client().getRecentTracks({}, signal());
    expect(page.scrobbles.map((s) => s.title)).toEqual(['Song 0', 'Song 2']);
    expect(page.rejected).toEqual([expect.objectContaining({ reason: 'malformed', detail: 'is null, not a track' })]);
    server.clearQuirks();
  });

  it('another user’s page (Last.fm’s “random results” bug) is rejected whole and retryable; case does not matter', async () => {
    server.setHistory(scrobbles(3, T0_UTS - 60));
    server.inject({ type: 'wrong-user', user: 'mallory' });
    const error = await failure(client().getRecentTracks({}, signal()));
    expect(error).toMatchObject({ retryable: true, kind: 'wrong-user' });
    expect(error.message).toMatch(/"mallory" instead of "alice"/);
    server.inject({ type: 'wrong-user', user: 'ALICE' });
    expect((await client().getRecentTracks({}, signal())).scrobbles).toHaveLength(3);
  });

  it('error 7 (libre.fm: no scrobbles yet) is an empty page, not an error', async () => {
    server.inject({ type: 'error', code: 7, message: 'Invalid resource specified', status: 400 });
    expect(await client().getRecentTracks({}, signal())).toMatchObject({ scrobbles: [], totalPages: 0, noScrobblesYet: true });
  });

  it('rejects numbers that are not numbers', async () => {
    const weird = http.createServer((_req, res) => {
      res.end(JSON.stringify({ recenttracks: { track: [], '@attr': { page: '1', perPage: 'fifty', totalPages: '1', total: '0' } } }));
    });
    await new Promise<void>((r) => weird.listen(0, '127.0.0.1', r));
    const port = (weird.address() as AddressInfo).port;
    const error = await failure(client({ apiRoot: `http://127.0.0.1:${port}/2.0/` }).getRecentTracks({}, signal()));
    expect(error.message).toMatch(/perPage/);
    await new Promise((r) => weird.close(r));
  });

  it('a connection refused is a network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const error = await failure(client({ apiRoot: `http://127.0.0.1:${port}/2.0/` }).getRecentTracks({}, signal()));
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expect(isNetworkError(error)).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('a hung request times out, and the caller’s signal aborts at once', async () => {
    server.inject({ type: 'hang' });
    const error = await failure(client({ requestTimeoutMs: 150 }).getRecentTracks({}, signal()));
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    server.inject({ type: 'hang' });
    const controller = new AbortController();
    const pending = client().getRecentTracks({}, controller.signal).catch((e: unknown) => e);
    await new Promise<void>((r) => server.once('request', () => r()));
    controller.abort(new Error('stopped'));
    expect(((await pending) as Error).message).toBe('stopped');
  });
});
