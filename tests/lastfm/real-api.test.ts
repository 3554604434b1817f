// Issue 11: what real Last.fm histories and the real API do that a tidy fake
// does not: bad entries, late scrobbles, error 29 anywhere, another user's
// page, error 7, and imports that fail halfway.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServiceReport } from '../../src/main/core/service';
import { lastfmSync } from '../../src/main/services/scheduler/jobs/lastfm-sync';
import type { JobContext } from '../../src/main/services/scheduler/job';
import { LAST_SYNC_KEY, LASTFM_ACCEPT_WINDOW_MS } from '../../src/main/services/lastfm/service';
import { ConfigSchema } from '../../src/shared/config';
import type { ImportProgress } from '../../src/shared/status';
import { harness, scrobbles, T0_UTS, type Harness } from './harness';

let h: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

const go = () => new AbortController().signal;

async function poll(h: Harness, predicate = (r: ServiceReport) => r.success === true) {
  const next = h.host.next(predicate);
  h.clock.advance(h.config.pollSeconds * 1000);
  return next;
}

function importState(h: Harness, state: ImportProgress['state']): Promise<ImportProgress> {
  if (h.service.importProgress().state === state) return Promise.resolve(h.service.importProgress());
  return h.host.next((r) => r.import?.state === state).then((r) => r.import!);
}

describe('bad entries', () => {
  it('a page of 200 with one entry without a date: 199 stored in that same poll, the entry recorded and counted', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 3000) } });
    await h.service.start(go(), h.host);
    const burst = scrobbles(200, T0_UTS + 30, 1, 'Burst');
    burst[57] = { ...burst[57]!, override: { date: undefined } };
    h.server.addScrobbles(...burst);
    const report = await poll(h);
    expect(h.plays.count()).toBe(3 + 199);
    expect(report.detail).toMatch(/199 new.*1 entry skipped \(1 no date\)/);
    const rejected = h.service.rejectedEntries(10);
    expect(rejected).toMatchObject({ total: 1, byReason: { 'no-date': 1 } });
    expect(rejected.entries[0]).toMatchObject({ reason: 'no-date', title: 'Burst 57', origin: 'poll', timesSeen: 1, playedAt: null });
    // Read again by the next poll: counted again, not stored twice, and the poll still succeeds.
    await poll(h);
    expect(h.service.rejectedEntries(10)).toMatchObject({ total: 1, entries: [expect.objectContaining({ timesSeen: 2 })] });
    expect(h.host.fatals).toHaveLength(0);
  });

  it.each([
    ['dated 1970', { date: { uts: '0', '#text': '01 Jan 1970, 00:00' } }, 'date-before-2000'],
    ['an empty artist', { artist: { '#text': '', mbid: '' } }, 'empty-artist'],
    ['a name over 1,000 characters', { name: 'n'.repeat(1_001) }, 'name-too-long'],
  ])('an entry %s does not stop the catch-up: it moves past it', async (_name, override, reason) => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 3000) } });
    await h.service.start(go(), h.host);
    const gap = scrobbles(450, T0_UTS + 30, 1, 'Gap');
    gap[300] = { ...gap[300]!, override };
    h.server.addScrobbles(...gap);
    await poll(h);
    expect(h.plays.count()).toBe(3 + 449);
    expect(h.service.rejectedEntries(5).byReason).toEqual({ [reason]: 1 });
    // Tracking moves on: the next scrobble after it is stored by the next poll.
    h.server.addScrobbles({ artist: 'After', title: 'It', uts: T0_UTS + 90 });
    await poll(h);
    expect(h.plays.list(1)[0]).toMatchObject({ artist: 'After' });
  });

  it('the import stores the rest of a page with bad entries, counts them by reason and completes', async () => {
    const history = scrobbles(600, T0_UTS - 60, 300);
    history[10] = { ...history[10]!, override: { date: undefined } };
    history[250] = { ...history[250]!, override: { artist: { '#text': ' ' } } };
    history[251] = { ...history[251]!, override: { date: { uts: '315532800' } } };
    h = await harness({ server: { history }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.service.startImport();
    const done = await importState(h, 'done');
    expect(done).toMatchObject({ page: 3, totalPages: 3, plays: 597, skipped: { 'no-date': 1, 'empty-artist': 1, 'date-before-2000': 1 } });
    expect(h.plays.count()).toBe(597);
    expect(h.service.rejectedEntries(10).total).toBe(3);
  });
});

describe('@attr.user and error 7', () => {
  it('a page of another user is rejected, logged and read again: nothing of it is stored', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    h.server.inject({ type: 'wrong-user', user: 'mallory' });
    const error = await h.service.start(go(), h.host).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ kind: 'wrong-user' });
    expect(h.plays.count()).toBe(0);
    expect(h.logger.lines.some((l) => /"mallory" instead of "alice"/.test(l.message))).toBe(true);
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(3);
  });

  it('error 7 (no scrobbles yet) is running with "no scrobbles yet", and polling goes on', async () => {
    h = await harness({ server: { history: [] } });
    h.server.inject({ type: 'error', code: 7, message: 'Invalid resource specified', status: 400 });
    await h.service.start(go(), h.host);
    expect(h.host.reports.find((r) => r.success)).toMatchObject({ condition: 'running', detail: expect.stringMatching(/alice has no scrobbles yet/) });
    h.server.addScrobbles({ artist: 'First', title: 'Ever', uts: T0_UTS + 30 });
    await poll(h);
    expect(h.plays.count()).toBe(1);
  });
});

describe('late scrobbles', () => {
  it('scrobbles submitted a day late are missed by polling and stored by the next lastfm-sync run, with polling on', async () => {
    h = await harness({ server: { history: scrobbles(20, T0_UTS - 60, 600) } });
    await h.service.start(go(), h.host);
    // A phone offline yesterday submits 71 scrobbles now, dated with their real starts a day ago.
    const late = scrobbles(71, T0_UTS - 86_400, 200, 'Phone');
    h.server.submitLate(...late);
    await poll(h);
    expect(h.plays.list(500).filter((p) => p.title.startsWith('Phone'))).toHaveLength(0);
    const ctx = { signal: go(), config: ConfigSchema.parse({ lastfm: { pollSeconds: 60 } }), lastfmCatchUp: (s: AbortSignal) => h!.service.catchUp(s) } as unknown as JobContext;
    expect(await lastfmSync(ctx)).toBeUndefined();
    const stored = h.plays.list(500).filter((p) => p.title.startsWith('Phone'));
    expect(stored).toHaveLength(71);
    expect(stored.map((p) => Date.parse(p.startedAt) / 1000).sort((a, b) => b - a)).toEqual(late.map((s) => s.uts));
    // The 14 days were read, paged, and nothing stored twice.
    const sync = h.server.requests.at(-1)!;
    expect(sync.from).toBe(Math.floor((h.clock.now() - LASTFM_ACCEPT_WINDOW_MS) / 1000));
    expect(h.plays.count()).toBe(91);
    await h.service.catchUp(go());
    expect(h.plays.count()).toBe(91);
  });

  it('with the tracker stopped, the sync job reads the 14 days too', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 60) } });
    await h.service.start(go(), h.host);
    await h.service.stop();
    h.server.submitLate(...scrobbles(10, T0_UTS - 5 * 86_400, 300, 'Late'));
    expect(await h.service.catchUp(go())).toMatchObject({ inserted: 10, fullWindow: true });
  });

  it('a wake after more than an hour asleep re-reads the 14 days; after a short nap, the short window', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 60) } });
    await h.service.start(go(), h.host);
    await h.service.stop();
    h.clock.sleep(20 * 60_000);
    h.server.submitLate(...scrobbles(3, T0_UTS - 2 * 86_400, 300, 'Nap'));
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(5);
    await h.service.stop();
    h.clock.sleep(2 * 3600_000);
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.plays.count()).toBe(8);
    expect(h.server.requests.at(-1)!.from).toBe(Math.floor((h.clock.now() - LASTFM_ACCEPT_WINDOW_MS) / 1000));
  });

  it('notices a long gap itself, without a restart: the poll after it reads the 14 days', async () => {
    h = await harness({ server: { history: scrobbles(5, T0_UTS - 60) } });
    await h.service.start(go(), h.host);
    expect(h.state.getValue<number>(LAST_SYNC_KEY)).toBe(h.clock.now());
    h.clock.sleep(3 * 3600_000);
    h.server.submitLate(...scrobbles(4, T0_UTS - 3 * 86_400, 300, 'Asleep'));
    await poll(h);
    expect(h.plays.count()).toBe(9);
  });
});

describe('error 29 anywhere: one shared backoff', () => {
  it('a restarted service shares the backoff: a start while it holds asks nothing of Last.fm', async () => {
    h = await harness({ server: { history: scrobbles(3, T0_UTS - 600) } });
    h.server.inject({ type: 'error', code: 29 });
    const service = h.service;
    const failures: Error[] = [];
    for (const wait of [0, 1_000, 2_000, 4_000, 7_000]) {
      h.clock.advance(wait);
      failures.push((await service.start(go(), h.host).catch((e: unknown) => e)) as Error);
    }
    expect(failures.every((e) => /rate limiting/.test(e.message))).toBe(true);
    expect(h.server.requestCount).toBe(1);
    expect(failures[1]!.message).toMatch(/waits \d+ s more/);
    h.clock.advance(service.rateLimiter.blockedForMs());
    await service.start(go(), h.host);
    expect(h.plays.count()).toBe(3);
    expect(h.server.requestCount).toBe(2);
  });

  it('during the import, polls wait too; both go on after the backoff', async () => {
    h = await harness({ server: { history: scrobbles(1000, T0_UTS - 60, 300) }, config: { pollSeconds: 10 } });
    await h.service.start(go(), h.host);
    // Page 1 goes alone (it tells how many pages there are): no other import request is in flight.
    h.server.inject({ type: 'error', code: 29 }, { when: (r) => r.n > 1 && r.page === 1 && r.from === null });
    const done = importState(h, 'done');
    h.service.startImport();
    await h.host.nextRetry();
    const blocked = h.service.rateLimiter.blockedForMs();
    expect(blocked).toBeGreaterThanOrEqual(40_000);
    const before = h.server.requestCount;
    // A poll falls due meanwhile: it queues behind the block instead of asking.
    h.clock.advance(blocked - 1_000);
    await vi.waitFor(() => expect(h!.service.rateLimiter.waiting).toBe(1));
    expect(h.server.requestCount).toBe(before);
    h.clock.advance(blocked);
    expect(await done).toMatchObject({ plays: 1000 });
  });
});

describe('the import on a failing database', () => {
  it('a write that fails (disk full) is retried by itself with backoff and the import resumes where it stopped', async () => {
    h = await harness({ server: { history: scrobbles(1000, T0_UTS - 60, 300) }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    const ingest = h.plays.ingest.bind(h.plays);
    let failures = 0;
    vi.spyOn(h.plays, 'ingest').mockImplementation((batch) => {
      // Page 3 onwards, three times: the disk is full, then space comes back.
      if (h!.plays.count() >= 400 && failures < 3) {
        failures++;
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }
      return ingest(batch);
    });
    let finished = false;
    const done = importState(h, 'done').then((p) => ((finished = true), p));
    h.service.startImport();
    const retries: string[] = [];
    while (!finished) {
      const r = await Promise.race([h.host.nextRetry(), done]);
      if ('detail' in r && r.detail) retries.push(r.detail);
      h.clock.advance(30_000);
    }
    // The database's own words, once: what happened, what to do, that it retries.
    expect(retries[0]).toMatch(/could not store the page: The disk holding :memory: is full \(database or disk is full\): free some space on it; Encore retries by itself; retrying in \d+ s$/);
    expect(await done).toMatchObject({ state: 'done', page: 5, plays: 1000, error: null });
    expect(h.plays.count()).toBe(1000);
    // Resumed at page 3: pages 1 and 2 were not read again.
    expect(h.server.requests.filter((r) => r.n > 1 && r.from === null && r.page <= 2)).toHaveLength(2);
  });

  it('a write that met a lock goes on as soon as the database is writable again, not at the end of its backoff', async () => {
    h = await harness({ server: { history: scrobbles(1000, T0_UTS - 60, 300) }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    const ingest = h.plays.ingest.bind(h.plays);
    const FAILURES = 5;
    let failures = 0;
    vi.spyOn(h.plays, 'ingest').mockImplementation((batch) => {
      // Page 3, five times: another program holds the database (SQLite's raw error, as a page's own transaction meets it).
      if (h!.plays.count() >= 400 && failures < FAILURES) {
        failures++;
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      }
      return ingest(batch);
    });
    const done = importState(h, 'done');
    let retry = h.host.nextRetry();
    h.service.startImport();
    const details: string[] = [];
    for (let i = 0; i < FAILURES; i++) {
      details.push((await retry).detail!);
      expect(h.db.trouble?.kind).toBe('locked');
      if (i + 1 < FAILURES) retry = h.host.nextRetry();
      // The database's probe finds it writable within 200 ms: the import goes on then,
      // although its backoff (1 s doubling) would have it wait 30 s over the five failures.
      await h.clock.advanceAsync(200, 50);
      expect(h.db.trouble).toBeNull();
    }
    expect(await done).toMatchObject({ state: 'done', page: 5, plays: 1000, error: null });
    expect(h.plays.count()).toBe(1000);
    expect(details[0]).toMatch(/could not store the page: The database is locked by another program \(database is locked\): close the other copy of Encore or the tool that has :memory: open; Encore retries by itself; retrying in \d+ s$/);
    expect(h.logger.lines.filter((l) => /writable again; going on/.test(l.message))).toHaveLength(FAILURES);
  }, 15_000);

  it('an import an older Encore left failed on a database error resumes by itself on the next start', async () => {
    h = await harness({ server: { history: scrobbles(600, T0_UTS - 60, 300) }, config: { pollSeconds: 0 } });
    h.state.setValue('lastfm.import', { version: 1, state: 'failed', user: 'alice', to: T0_UTS, nextPage: 2, totalPages: 3, plays: 200, startedAt: new Date(T0_UTS * 1000).toISOString(), error: 'Last.fm import stopped: database or disk is full' });
    const done = importState(h, 'done');
    await h.service.start(go(), h.host);
    expect(await done).toMatchObject({ page: 3, plays: 600, error: null });
  });

  it('a failure only the user can fix (key revoked) is not resumed by itself', async () => {
    // Two pages: page 2 is the only one in flight when the key is refused.
    h = await harness({ server: { history: scrobbles(400, T0_UTS - 60, 300) }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'error', code: 10 }, { when: (r) => r.n > 1 && r.page === 2 && r.from === null });
    h.service.startImport();
    await importState(h, 'failed');
    await h.service.stop();
    const importRequests = () => h!.server.requests.filter((r) => r.from === null && r.to === T0_UTS).length;
    const before = importRequests();
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.service.importProgress()).toMatchObject({ state: 'failed', error: expect.stringMatching(/check lastfm.apiKey/) });
    expect(importRequests()).toBe(before);
  });

  it('keeps its last outcome across restarts: a done import is in the status of the next start', async () => {
    h = await harness({ server: { history: scrobbles(300, T0_UTS - 60, 300) }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.service.startImport();
    await importState(h, 'done');
    await h.service.stop();
    h.service = h.newService();
    await h.service.start(go(), h.host);
    expect(h.host.reports.at(-1)!.import).toMatchObject({ state: 'done', page: 2, totalPages: 2, plays: 300 });
  });

  it('an account with nothing scrobbled imports as done, never “page 1 of 0”', async () => {
    h = await harness({ server: { history: [] }, config: { pollSeconds: 0 } });
    h.server.nowPlaying = { artist: 'Air', title: 'Playground Love' };
    await h.service.start(go(), h.host);
    h.service.startImport();
    const done = await importState(h, 'done');
    expect(done).toMatchObject({ state: 'done', plays: 0, totalPages: null });
  });
});

