import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveDisposables } from '../../src/main/core/disposable';
import { IMPORT_STATE_KEY, type PersistedImport } from '../../src/main/services/lastfm/import';
import type { ImportProgress } from '../../src/shared/status';
import { FakeLastfmServer, type FakeRequest } from '../../src/dev/fakes/lastfm-server';
import { harness, scrobbles, T0_UTS, type Harness } from './harness';

let h: Harness | undefined;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const go = () => new AbortController().signal;
const HISTORY = scrobbles(1000, T0_UTS - 60, 300);
const importRequests = (h: Harness) => h.server.requests.filter((r) => r.from === null && r.to !== null && r.n > 1);

function importState(h: Harness, state: ImportProgress['state']): Promise<ImportProgress> {
  if (h.service.importProgress().state === state) return Promise.resolve(h.service.importProgress());
  return h.host.next((r) => r.import?.state === state).then((r) => r.import!);
}

/** Resolves once the import has stored `page` pages. */
async function importStored(h: Harness, page: number): Promise<ImportProgress> {
  // Read the import itself: its reports to the host are throttled on the manual clock, which stands
  // still here, so the one for this page may only come with the next event (a hung page's timeout).
  await vi.waitFor(() => expect(h.service.importProgress().page).toBeGreaterThanOrEqual(page), { timeout: 10_000, interval: 5 });
  return h.service.importProgress();
}

/** The import's pages as requested, each once, in order (several are in flight at once). */
const pagesRead = (h: Harness) => [...new Set(importRequests(h).map((r) => r.page))].sort((a, b) => a - b);

/** Resolves when the server sees a request for import page `page`. */
function importPage(server: FakeLastfmServer, page: number): Promise<FakeRequest> {
  return new Promise((resolve) => {
    const on = (r: FakeRequest) => {
      if (r.from !== null || r.page !== page || r.n === 1) return;
      server.off('request', on);
      resolve(r);
    };
    server.on('request', on);
  });
}

describe('full-history import', () => {
  it('imports every page below a fixed `to`, with progress', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    expect(h.service.importProgress()).toMatchObject({ state: 'idle', page: 0 });
    const started = h.service.startImport();
    expect(started).toMatchObject({ state: 'running', startedAt: new Date(h.clock.now()).toISOString() });
    const done = await importState(h, 'done');
    expect(done).toMatchObject({ state: 'done', page: 5, totalPages: 5, plays: 1000, error: null });
    expect(h.plays.count()).toBe(1000);
    expect(importRequests(h).map((r) => r.page)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(importRequests(h).map((r) => r.to))).toEqual(new Set([T0_UTS]));
    expect(h.host.reports.some((r) => r.import?.state === 'running' && r.import.totalPages === 5)).toBe(true);
  });

  it('asks for several pages at once and stores them strictly in page order', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    // Every page takes a while, page 2 longest: 3, 4 and 5 wait for it.
    h.server.inject({ type: 'slow', ms: 300 }, { when: (r) => r.page === 2 && r.from === null });
    for (const page of [3, 4, 5]) h.server.inject({ type: 'slow', ms: 100 }, { when: (r) => r.page === page && r.from === null });
    let peak = 0;
    h.server.on('request', () => (peak = Math.max(peak, h!.server.openRequests)));
    // Which page each write to the store came from (HISTORY is newest first, 200 a page).
    const pageOf = new Map(HISTORY.map((s, i) => [s.uts * 1000, Math.floor(i / 200) + 1]));
    const written: number[] = [];
    const ingest = h.plays.ingest.bind(h.plays);
    vi.spyOn(h.plays, 'ingest').mockImplementation((batch) => {
      if (batch.length) written.push(pageOf.get(batch[0]!.startedAt)!);
      return ingest(batch);
    });
    h.service.startImport();
    await importState(h, 'done');
    expect(peak).toBeGreaterThanOrEqual(3);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(new Set(written)).toEqual(new Set([1, 2, 3, 4, 5]));
    // Page 2 was the slowest, yet nothing after it was counted before it.
    expect(h.state.getValue<PersistedImport>(IMPORT_STATE_KEY)).toMatchObject({ state: 'done', nextPage: 6, plays: 1000 });
    expect(h.plays.count()).toBe(1000);
  });

  it('scrobbles arriving mid-import do not shift its pages; polling picks them up', async () => {
    h = await harness({ server: { history: HISTORY } });
    await h.service.start(go(), h.host);
    // Started after the import began: at or above its `to`.
    void importPage(h.server, 3).then(() => h!.server.addScrobbles(...scrobbles(50, T0_UTS + 50, 1, 'Meanwhile')));
    h.service.startImport();
    await importState(h, 'done');
    expect(importRequests(h).map((r) => r.page)).toEqual([1, 2, 3, 4, 5]);
    expect(h.plays.count()).toBe(1000);
    const ok = h.host.nextSuccess();
    h.clock.advance(60_000);
    await ok;
    expect(h.plays.count()).toBe(1050);
  });

  it('resumes after an interruption at the first unfinished page', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'hang' }, { when: (r) => r.page === 3 && r.from === null });
    const hung = importPage(h.server, 3);
    h.service.startImport();
    await hung;
    // Pages 4 and 5 may have arrived already: they wait, since page 3 comes first.
    await importStored(h, 2);
    await h.service.stop();
    expect(h.service.importProgress()).toMatchObject({ state: 'paused', page: 2, plays: 400 });
    expect(h.plays.count()).toBe(400);
    await vi.waitFor(() => expect(h!.server.openRequests).toBe(0));

    const before = importRequests(h).length;
    const resumed = importState(h, 'done');
    await h.service.start(go(), h.host);
    expect(await resumed).toMatchObject({ page: 5, plays: 1000 });
    // Resumed at the first page not stored.
    expect(importRequests(h).slice(before).map((r) => r.page).sort()).toEqual([3, 4, 5]);
    expect(h.plays.count()).toBe(1000);
  });

  it('resumes after an app restart: new service, database reopened from disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-lastfm-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const server = await FakeLastfmServer.start({ history: HISTORY });
    cleanup.push(() => server.close());
    const file = path.join(dir, 'encore.db');

    const first = await harness({ serverInstance: server, file, config: { pollSeconds: 0 } });
    await first.service.start(go(), first.host);
    const page4 = importPage(server, 4);
    server.inject({ type: 'hang' }, { when: (r) => r.page === 4 && r.from === null });
    first.service.startImport();
    await page4;
    await importStored(first, 3);
    await first.close();

    h = await harness({ serverInstance: server, file, clock: first.clock, config: { pollSeconds: 0 } });
    const persisted = h.state.getValue<PersistedImport>(IMPORT_STATE_KEY)!;
    expect(persisted).toMatchObject({ state: 'running', nextPage: 4, plays: 600, to: T0_UTS });
    expect(h.service.importProgress()).toMatchObject({ state: 'paused', page: 3 });
    const done = importState(h, 'done');
    await h.service.start(go(), h.host);
    expect(await done).toMatchObject({ page: 5, totalPages: 5, plays: 1000 });
    expect(h.plays.count()).toBe(1000);
    expect(h.server.requests.filter((r) => r.from === null && r.to === T0_UTS).map((r) => r.page).slice(-2).sort()).toEqual([4, 5]);
  });

  it('cancels, keeps what it stored, and resumes from there when started again', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'hang' }, { when: (r) => r.page === 2 && r.from === null });
    const hung = importPage(h.server, 2);
    h.service.startImport();
    await hung;
    await importStored(h, 1);
    const cancelled = await h.service.cancelImport();
    expect(cancelled).toMatchObject({ state: 'cancelled', page: 1, plays: 200 });
    await vi.waitFor(() => expect(h!.server.openRequests).toBe(0));
    const count = h.server.requestCount;
    h.clock.advance(3600_000);
    expect(h.server.requestCount).toBe(count);

    const before = importRequests(h).length;
    h.service.startImport();
    await importState(h, 'done');
    expect(importRequests(h).slice(before).map((r) => r.page).sort()).toEqual([2, 3, 4, 5]);
    expect(h.plays.count()).toBe(1000);
  });

  it('started while Last.fm is not connected, it waits and runs on the next start', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    expect(h.service.startImport()).toMatchObject({ state: 'paused' });
    const done = importState(h, 'done');
    await h.service.start(go(), h.host);
    expect(await done).toMatchObject({ plays: 1000 });
  });

  it('retries a page after 5xx, 29 and malformed JSON without counting it twice', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'http', status: 502 }, { when: (r) => r.page === 2 });
    h.server.inject({ type: 'error', code: 29 }, { when: (r) => r.page === 3 });
    h.server.inject({ type: 'malformed' }, { when: (r) => r.page === 4 });
    h.server.inject({ type: 'wrong-user', user: 'mallory' }, { when: (r) => r.page === 5 });
    let finished = false;
    const done = importState(h, 'done').then((p) => ((finished = true), p));
    h.service.startImport();
    // However the faults fall on the pages in flight, each retry is waited out on the clock.
    while (!finished) {
      await Promise.race([h.host.nextRetry(), done]);
      h.clock.advance(15 * 60_000);
    }
    expect(await done).toMatchObject({ plays: 1000, page: 5 });
    expect(h.plays.count()).toBe(1000);
    expect(pagesRead(h)).toEqual([1, 2, 3, 4, 5]);
    for (const page of [2, 3, 4, 5]) expect(importRequests(h).filter((r) => r.page === page).length).toBeGreaterThanOrEqual(2);
  });

  it('fails with the reason when the key is revoked mid-import', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0 } });
    await h.service.start(go(), h.host);
    h.server.inject({ type: 'error', code: 10 }, { when: (r) => r.page === 3 && r.from === null });
    h.service.startImport();
    const failed = await importState(h, 'failed');
    expect(failed).toMatchObject({ page: 2, error: expect.stringMatching(/check lastfm.apiKey/) });
  });

  it('respects the rate limit on the injected clock', async () => {
    h = await harness({ server: { history: HISTORY }, config: { pollSeconds: 0, importRatePerSecond: 4 } });
    await h.service.start(go(), h.host);
    // When each request is let through (the server sees them later, on real time).
    const at: number[] = [];
    const limiter = h.service.rateLimiter;
    const take = limiter.take.bind(limiter);
    vi.spyOn(limiter, 'take').mockImplementation((signal) => take(signal).then(() => void at.push(h!.clock.monotonic())));
    const done = importState(h, 'done');
    let finished = false;
    void done.then(() => (finished = true));
    h.service.startImport();
    while (!finished) {
      await vi.waitFor(() => expect(finished || h!.clock.pendingTimers > 0).toBe(true));
      h.clock.advance(50);
    }
    expect(at).toHaveLength(5);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(250);
  });

  it('stop() during an import leaves nothing running', async () => {
    const baseline = liveDisposables();
    h = await harness({ server: { history: HISTORY }, config: { importRatePerSecond: 4 } });
    await h.service.start(go(), h.host);
    h.service.startImport();
    await vi.waitFor(() => expect(h!.clock.pendingTimers).toBeGreaterThan(1));
    await h.service.stop();
    expect(h.clock.pendingTimers).toBe(0);
    expect(liveDisposables()).toBe(baseline);
    expect(h.service.importProgress().state).toBe('paused');
  });
});
