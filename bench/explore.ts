// Explore figures on 1,000,000 plays, 50,000 tracks, 8,000 artists (eight
// years): ingest with the search index, the rollups' catch-up, search as you
// type, charts, history pages at any depth, the listening clock, an artist
// page and the ListenBrainz export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EncoreDatabase } from '../src/main/db/database';
import { ExploreApi } from '../src/main/db/explore-api';
import { PlayStore, type NewPlay } from '../src/main/db/plays';
import { makeLibrary, makePlays, random } from './_library';
import { median, percentile, report } from './_stats';

const TZ = 'Europe/Berlin';

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-explore-'));
  const db = new EncoreDatabase({ file: path.join(dir, 'encore.db') });
  await db.open();
  const now = Date.UTC(2026, 11, 1, 12);
  const store = new PlayStore(db, () => now);
  const library = makeLibrary();
  const total = 1_000_000;
  let plays: NewPlay[] | null = makePlays(library, total, now - 8 * 365 * 86_400_000, now);

  const batch = 5_000;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let i = 0; i < total; i += batch) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    store.ingest(plays.slice(i, i + batch));
    rates.push(batch / ((performance.now() - t) / 1000));
    const used = process.cpuUsage(cpu);
    cpuRates.push(batch / ((used.user + used.system) / 1e6));
  }
  // Not held any longer: the export's memory figure is the export's.
  plays = null;
  report('ingest with the search index (median batch of 5,000)', median(rates), 'rows/s', '≥ 200,000 rows/s');
  // On a shared machine the wall clock counts other processes' turns too.
  report('  the same per CPU second of this process', median(cpuRates), 'rows/s', '-');
  const tracks = db.raw.prepare('SELECT count(*) FROM tracks').pluck().get() as number;
  const artists = db.raw.prepare('SELECT count(*) FROM credited_artists').pluck().get() as number;
  console.log(`  (${store.count()} plays, ${tracks} tracks, ${artists} credited artists)`);

  const api = new ExploreApi(db, () => now, path.join(dir, 'exports'));
  const behind = api.rollups.behind();
  const catchUp = await timeAsync(() => api.rollups.ready());
  report('rollups catch-up after the import (plays counted per second)', behind / (catchUp / 1000), 'rows/s', '-');

  // Search as you type: each query typed one character at a time.
  const rnd = random(3);
  const typed: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = library.tracks[Math.floor(rnd() * library.tracks.length)]!;
    const text = i % 3 === 0 ? t.artist.split(' ')[0]! : i % 3 === 1 ? t.title.split(' ').slice(0, 2).join(' ') : t.album.split(' ')[0]!;
    for (let n = 1; n <= Math.min(text.length, 10); n++) typed.push(text.slice(0, n));
  }
  for (const q of typed.slice(0, 20)) await api.history({ q, limit: 50 });
  // The generated plays' garbage goes now, not in the middle of a keystroke.
  global.gc?.();
  const search: number[] = [];
  const searchCpu: number[] = [];
  for (const q of typed) {
    const cpu = process.cpuUsage();
    search.push(await timeAsync(() => api.history({ q, limit: 50 })));
    const used = process.cpuUsage(cpu);
    searchCpu.push((used.user + used.system) / 1000);
  }
  report(`search as you type, first 50 (p95 of ${typed.length} keystrokes)`, percentile(search, 95), 'ms', '≤ 20 ms');
  report('  p95 of this process\'s CPU time', percentile(searchCpu, 95), 'ms', '-');
  report('  median', median(search), 'ms', '-');
  const slowest = typed.map((q, i) => [q, search[i]!] as const).sort((a, b) => b[1] - a[1]).slice(0, 4);
  console.log(`  slowest: ${slowest.map(([q, ms]) => `"${q}" ${ms.toFixed(1)} ms`).join(', ')}`);

  // Wall time, and this process's CPU time beside it: on a shared machine the
  // wall clock also counts the turns other processes took.
  const cpuOf = new Map<number[], number[]>();
  const runs = (n: number, fn: () => Promise<unknown>) => (async () => {
    await fn();
    const out: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < n; i++) {
      const cpu = process.cpuUsage();
      out.push(await timeAsync(fn));
      const used = process.cpuUsage(cpu);
      cpus.push((used.user + used.system) / 1000);
    }
    cpuOf.set(out, cpus);
    return out;
  })();
  const reportRuns = (name: string, values: number[], target: string) => {
    report(name, median(values), 'ms', target);
    report('  CPU time (median)', median(cpuOf.get(values) ?? []), 'ms', '-');
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  reportRuns('top 100 artists, all time (median)', await runs(15, () => api.top({ kind: 'artist', limit: 100, by: 'plays' })), '≤ 50 ms');
  const monthFrom = Date.UTC(2026, 9, 31, 23);
  const monthTo = Date.UTC(2026, 10, 30, 23);
  reportRuns('top 100 artists, one month, with rank change (median)', await runs(15, () => api.top({ kind: 'artist', from: iso(monthFrom), to: iso(monthTo), limit: 100, by: 'plays' })), '≤ 10 ms');
  report(
    'top 100 tracks, one year, by time (median)',
    median(await runs(7, () => api.top({ kind: 'track', from: iso(Date.UTC(2025, 11, 31, 23)), to: iso(Date.UTC(2026, 11, 31, 23)), limit: 100, by: 'time' }))),
    'ms',
    '-',
  );

  // History pages: the first, then pages reached by cursor at several depths.
  const page: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const result = await api.history({ limit: 50, ...(cursor ? { cursor } : {}) });
    page.push(performance.now() - t);
    cursor = result.nextCursor;
    // Jump deeper now and then: a cursor from far down the history.
    if (i % 20 === 19) cursor = `${now - Math.floor((i / 200) * 8 * 365 * 86_400_000)}.${Number.MAX_SAFE_INTEGER}`;
  }
  report('history page of 50 at any depth (median of 200)', median(page), 'ms', '≤ 5 ms');
  report('  p95', percentile(page, 95), 'ms', '-');
  const topArtist = (await api.top({ kind: 'artist', limit: 1, by: 'plays' })).items[0]!;
  const filtered = await runs(20, () => api.history({ limit: 50, artist: topArtist.id }));
  report(`history page filtered by the top artist (median)`, median(filtered), 'ms', '-');

  reportRuns('heatmap, all time (median)', await runs(15, () => api.heatmap({ tz: TZ })), '≤ 50 ms');
  const artistIds = (await api.top({ kind: 'artist', limit: 200, by: 'plays' })).items.map((a) => a.id);
  const pages: number[] = [];
  for (const id of [artistIds[0]!, artistIds[1]!, artistIds[10]!, artistIds[100]!, artistIds[199]!]) {
    for (let i = 0; i < 4; i++) pages.push(await timeAsync(() => api.artist({ id, bucket: 'week', tz: TZ })));
  }
  report(`artist page, weekly timeline (median; top artist has ${topArtist.plays} plays)`, median(pages), 'ms', '≤ 30 ms');
  report('  slowest (the top artist)', Math.max(...pages), 'ms', '-');
  reportRuns('breakdown per zone and source, all time (median)', await runs(5, () => api.breakdown({})), '-');
  reportRuns('year in review (median)', await runs(5, () => api.year({ year: 2025, tz: TZ })), '-');

  // Export: the whole history as ListenBrainz JSON lines, with its peak heap.
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  // What the export holds, not its garbage: collect before each sample.
  const sampler = setInterval(() => {
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1000);
  const exportMs = await timeAsync(async () => {
    const result = await api.exportToFile({ format: 'listenbrainz' });
    if (result.plays !== total) throw new Error(`exported ${String(result.plays)} plays`);
  });
  clearInterval(sampler);
  report('export 1,000,000 plays to ListenBrainz JSON lines', exportMs / 1000, 's', '≤ 10 s');
  report('  heap growth during the export (flat memory)', (peak - heapBefore) / 1024 / 1024, 'MB', '-');
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
