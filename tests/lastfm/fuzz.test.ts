// The Last.fm page boundary, fuzzed: real-shaped pages (as the fake serves
// them) with one entry made bad in a random way. The page never fails, the
// good entries are all kept exactly, and the bad one is either still a valid
// scrobble or skipped with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { validateNewPlay } from '../../src/main/db/play-match';
import { LastfmClient } from '../../src/main/services/lastfm/client';
import { scrobblesToPlays } from '../../src/main/services/lastfm/policy';
import { LASTFM_REJECT_REASONS } from '../../src/shared/status';
import { FakeLastfmServer, generateHistory } from '../../src/dev/fakes/lastfm-server';
import { harness, T0, T0_UTS, type Harness } from './harness';
import { rng, type Rng } from '../support/seeded-random';

const ODD: unknown[] = [null, -1, 0, 1.5, 1e308, '', ' ', 'x'.repeat(1_001), {}, [], true, '∞', 2 ** 53, [null], { '#text': 42 }, { uts: '-5' }, { uts: '1e9' }, 'NaN'];
const FIELDS = ['artist', 'name', 'album', 'date', 'mbid', 'url', 'image', 'streamable', '@attr'];

/** One way of spoiling an entry (or leaving it fine: a mutation of `url` is harmless). */
function spoil(entry: Record<string, unknown>, r: Rng): unknown {
  switch (r.int(6)) {
    case 0:
      return r.pick(ODD);
    case 1: {
      const { [r.pick(FIELDS)]: _gone, ...rest } = entry;
      return rest;
    }
    case 2:
      return { ...entry, [r.pick(FIELDS)]: r.pick(ODD) };
    case 3:
      return { ...entry, date: { uts: r.pick(['0', '946684799', '99999999999', '', ' 12 ', '1.5e9', '-1', String(T0_UTS + 3 * 86_400)]), '#text': '' } };
    case 4:
      return { ...entry, artist: { '#text': r.pick(['', '   ', 'a'.repeat(1_001), 'Ok Artist']) } };
    default:
      return { ...entry, name: r.pick(['', '\u0000', 'n'.repeat(5_000), 'Fine Title', 17]) };
  }
}

let server: FakeLastfmServer;
beforeAll(async () => {
  server = await FakeLastfmServer.start({ history: generateHistory(2_000, { newestUts: T0_UTS - 60 }) });
});
afterAll(async () => server.close());

describe('Last.fm pages with one bad entry', () => {
  it('500 pages: never a failed page, every good entry kept exactly, the bad one kept or skipped with a reason', async () => {
    const clock = new ManualClock(T0);
    const r = rng(11);
    // Real-shaped pages as the fake serves them, read once each (ten pages, plain and extended); every
    // round parses one with one entry spoiled, served from memory so 500 pages take a moment.
    const served = new Map<string, string>();
    for (const pageNo of Array.from({ length: 10 }, (_, k) => k + 1)) {
      for (const extended of ['0', '1']) {
        const url = new URL(server.url);
        for (const [k, v] of Object.entries({ method: 'user.getrecenttracks', user: server.user, api_key: server.apiKey, format: 'json', limit: '200', page: String(pageNo), extended })) url.searchParams.set(k, v);
        served.set(`${pageNo}/${extended}`, await (await fetch(url)).text());
      }
    }
    let current = '';
    /** The client's reading of each unspoiled page: the same every time it is served. */
    const parsed = new Map<string, Awaited<ReturnType<LastfmClient['getRecentTracks']>>>();
    const fetchPage: typeof fetch = async () => new Response(current, { status: 200, headers: { 'content-type': 'application/json' } });
    const client = new LastfmClient({ apiRoot: server.url, apiKey: server.apiKey, user: server.user, requestTimeoutMs: 2_000, version: 'fuzz', clock, fetch: fetchPage });
    let skipped = 0;
    for (let i = 0; i < 500; i++) {
      const pageNo = 1 + (i % 10);
      const extended = i % 3 === 0;
      current = served.get(`${pageNo}/${extended ? 1 : 0}`)!;
      const body = JSON.parse(current) as { recenttracks: { track: Record<string, unknown>[] } };
      const tracks = body.recenttracks.track;
      const bad = r.int(tracks.length);
      const key = `${pageNo}/${extended ? 1 : 0}`;
      const good = parsed.get(key) ?? (await client.getRecentTracks({ page: pageNo, limit: 200, extended }, new AbortController().signal));
      parsed.set(key, good);
      tracks[bad] = spoil(tracks[bad]!, r) as Record<string, unknown>;
      current = JSON.stringify(body);

      const page = await client.getRecentTracks({ page: pageNo, limit: 200 }, new AbortController().signal);
      const expected = good.scrobbles.filter((_, k) => k !== bad);
      const kept = page.scrobbles.filter((s) => s.startedAt !== good.scrobbles[bad]!.startedAt);
      // As text: the same check as toEqual (both come from one parser, keys in one order), without its cost for 100,000 entries.
      if (JSON.stringify(kept) !== JSON.stringify(expected)) expect(kept).toEqual(expected);
      expect(page.scrobbles.length + page.rejected.length).toBe(200);
      for (const rejected of page.rejected) {
        expect(LASTFM_REJECT_REASONS).toContain(rejected.reason);
        expect(rejected.index).toBe(bad);
        expect(rejected.raw.length).toBeLessThanOrEqual(2_001);
      }
      skipped += page.rejected.length;
      // Whatever was kept is a play the store accepts.
      for (const play of scrobblesToPlays(page.scrobbles)) expect(validateNewPlay(play, clock.now())).toBeNull();
    }
    // The mutations are not all harmless: most pages had something to skip.
    expect(skipped).toBeGreaterThan(250);
  });
});

describe('the tracker with one bad entry per page', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it('30 catch-ups of 3 pages, one entry spoiled on each page: the good ones are all stored, tracking goes on', async () => {
    const r = rng(29);
    // Polls ten minutes apart, so each round's 450 scrobbles (a second apart) are a burst of their own.
    h = await harness({ server: { history: generateHistory(5, { newestUts: T0_UTS - 600 }) }, config: { pollSeconds: 600 } });
    await h.service.start(new AbortController().signal, h.host);
    let expected = 5;
    for (let round = 0; round < 30; round++) {
      const newest = Math.floor(h.clock.now() / 1000) + 30;
      const fresh = generateHistory(450, { newestUts: newest, spacingSeconds: 1 }).map((s) => ({ ...s, title: `${s.title} r${round}` }));
      h.server.clearQuirks();
      for (const page of [1, 2, 3]) {
        const index = r.int(page === 3 ? 50 : 200);
        // A replacement value, a spoiled field: as arbitrary as the client fuzz above.
        h.server.quirk(r.next() < 0.5 ? { page, index, replace: r.pick(ODD) } : { page, index, change: { [r.pick(['date', 'artist', 'name'])]: r.pick(ODD) } });
      }
      h.server.addScrobbles(...fresh);
      const next = h.host.next((rep) => rep.success === true || /retrying/.test(rep.detail ?? ""));
      h.clock.advance(600_000);
      const report = await next;
      expect(report.detail).not.toMatch(/retrying/);
      expect(report.condition).toBe("running");
      expected += 450;
      const skipped = h.service.rejectedEntries(500).total;
      // Each spoiled entry is either skipped or, when the spoiling left it valid, stored.
      expect(h.plays.count()).toBeGreaterThanOrEqual(expected - 3 * (round + 1));
      expect(h.plays.count() + skipped).toBeGreaterThanOrEqual(expected);
    }
    expect(h.host.fatals).toHaveLength(0);
  });
});
