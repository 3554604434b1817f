// The fake must behave like Last.fm, or the tracker's tests prove nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { LastfmClient } from '../../src/main/services/lastfm/client';
import { FakeLastfmServer, generateHistory } from '../../src/dev/fakes/lastfm-server';
import { scrobbles, T0, T0_UTS } from './harness';

let server: FakeLastfmServer;
afterEach(async () => server?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw Last.fm JSON, poked at field by field
type Json = any;

async function get(query: Record<string, string | number>): Promise<{ status: number; body: Json }> {
  const url = new URL(server.url);
  for (const [k, v] of Object.entries({ method: 'user.getRecentTracks', user: server.user, api_key: server.apiKey, format: 'json', ...query })) url.searchParams.set(k, String(v));
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('FakeLastfmServer', () => {
  it('listens on 127.0.0.1 under /2.0/ and counts requests', async () => {
    server = await FakeLastfmServer.start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2\.0\/$/);
    await get({});
    await get({});
    expect(server.requestCount).toBe(2);
  });

  it('serves newest first, numbers as strings, from inclusive and to exclusive, in pages', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(10, 1_700_000_900, 100) });
    const { body } = await get({ limit: 3, page: 2, from: 1_700_000_000, to: 1_700_000_900 });
    // uts 1_700_000_800 … 1_700_000_000: 9 in range.
    expect(body.recenttracks['@attr']).toEqual({ user: 'alice', page: '2', perPage: '3', totalPages: '3', total: '9' });
    expect(body.recenttracks.track.map((t: Json) => t.date.uts)).toEqual(['1700000500', '1700000400', '1700000300']);
    expect(body.recenttracks.track[0].mbid).toBe('');
  });

  it('puts now playing on top of page 1 only, without a date, beyond the limit', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(4, 1_700_000_900) });
    server.nowPlaying = { artist: 'Air', title: 'Alone in Kyoto' };
    const first = (await get({ limit: 2 })).body.recenttracks.track;
    expect(first).toHaveLength(3);
    expect(first[0]).toMatchObject({ name: 'Alone in Kyoto', '@attr': { nowplaying: 'true' } });
    expect(first[0].date).toBeUndefined();
    const second = (await get({ limit: 2, page: 2 })).body.recenttracks.track;
    expect(second).toHaveLength(2);
  });

  it('sends `track` as a single object when there is exactly one, and uses artist.name with extended=1', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(1, 1_700_000_900) });
    const plain = (await get({})).body.recenttracks.track;
    expect(Array.isArray(plain)).toBe(false);
    expect(plain.artist['#text']).toBe('Band 0');
    const extended = (await get({ extended: 1 })).body.recenttracks.track;
    expect(extended.artist.name).toBe('Band 0');
  });

  it('answers a wrong key with error 10 and an unknown user with error 6', async () => {
    server = await FakeLastfmServer.start();
    expect(await get({ api_key: 'nope' })).toMatchObject({ status: 403, body: { error: 10 } });
    expect(await get({ user: 'bob' })).toMatchObject({ status: 404, body: { error: 6 } });
  });

  it('generates a history of N distinct scrobbles', () => {
    const history = generateHistory(5000, { newestUts: 1_700_000_000 });
    expect(history).toHaveLength(5000);
    expect(new Set(history.map((s) => s.uts)).size).toBe(5000);
    expect(history[0]!.uts).toBe(1_700_000_000);
  });

  it('slow pages: a slow answer within the timeout is used, one beyond it times out', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(3, T0_UTS - 60) });
    const client = new LastfmClient({ apiRoot: server.url, apiKey: server.apiKey, user: server.user, requestTimeoutMs: 300, version: 't', clock: new ManualClock(T0) });
    server.inject({ type: 'slow', ms: 50 });
    expect((await client.getRecentTracks({}, new AbortController().signal)).scrobbles).toHaveLength(3);
    server.inject({ type: 'slow', ms: 2_000 });
    await expect(client.getRecentTracks({}, new AbortController().signal)).rejects.toMatchObject({ kind: 'timeout' });
    expect(server.requests.map((r) => r.fault)).toEqual(['slow', 'slow']);
  });

  it('a reset connection is a network error', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(3, T0_UTS - 60) });
    const client = new LastfmClient({ apiRoot: server.url, apiKey: server.apiKey, user: server.user, requestTimeoutMs: 2_000, version: 't', clock: new ManualClock(T0) });
    server.inject({ type: 'reset' });
    await expect(client.getRecentTracks({}, new AbortController().signal)).rejects.toMatchObject({ kind: 'network', retryable: true });
  });

  it('answers error 29 (HTTP 429) above its rate limit, and serves again a second later', async () => {
    let now = 0;
    server = await FakeLastfmServer.start({ history: scrobbles(3, T0_UTS - 60), rateLimitPerSecond: 3, now: () => now });
    const answers = await Promise.all(Array.from({ length: 5 }, () => get({})));
    expect(answers.filter((a) => a.status === 429 && a.body.error === 29)).toHaveLength(2);
    expect(server.rateLimited).toBe(2);
    now += 999;
    expect((await get({})).status).toBe(429);
    now += 2;
    expect((await get({})).status).toBe(200);
  });

  it('holds every answer for latencyMs (an answer that is never due stays open)', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(3, T0_UTS - 60), latencyMs: 3_600_000 });
    const pending = get({}).catch(() => null);
    await new Promise<void>((r) => server.once('request', () => r()));
    expect(server.openRequests).toBe(1);
    await server.close();
    expect(await pending).toBeNull();
  });

  it('serves entries real histories hold: per scrobble (override) and per page position (quirk), and another user’s page', async () => {
    const history = scrobbles(5, 1_700_000_900, 100);
    history[1] = { ...history[1]!, override: { date: undefined } };
    server = await FakeLastfmServer.start({ history });
    server.quirk({ page: 1, index: 3, change: { artist: { '#text': '' } } });
    server.quirk({ page: 1, index: 4, replace: null });
    const { body } = await get({});
    const tracks = body.recenttracks.track;
    expect(tracks[1].date).toBeUndefined();
    expect(tracks[3].artist).toEqual({ '#text': '' });
    expect(tracks[4]).toBeNull();
    expect(tracks[0].date.uts).toBe('1700000900');
    server.inject({ type: 'wrong-user', user: 'mallory' });
    expect((await get({})).body.recenttracks['@attr'].user).toBe('mallory');
    server.clearQuirks();
    expect((await get({})).body.recenttracks.track[3].artist['#text']).toBe('Band 3');
  });

  it('late scrobbles land at their real, older place in the history', async () => {
    server = await FakeLastfmServer.start({ history: scrobbles(3, 1_700_000_900, 100) });
    server.submitLate({ artist: 'Phone', title: 'Yesterday', uts: 1_700_000_650 });
    const uts = (await get({})).body.recenttracks.track.map((t: Json) => t.date.uts);
    expect(uts).toEqual(['1700000900', '1700000800', '1700000700', '1700000650']);
  });
});
