// Another program holds Encore's database in BEGIN EXCLUSIVE for 60 s (a child
// node process with its own better-sqlite3 connection), while the headless
// host runs against the fake Roon Core (two zones playing 40 s tracks in real
// time) and the fake Last.fm (a scrobble every few seconds, polled each second).
// Prints /api/status p99 and the event-loop delay p99 during the lock, how long
// after the release everything runs again, and whether every play and
// scrobble made it into the database.
//
// Run: npx tsx bench/database-lock.ts [lockSeconds=60]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MemoryLogger } from '../src/main/core/logger';
import { parseConfig } from '../src/main/config';
import { startHeadless } from '../src/main/headless/host';
import type { StatusSnapshot } from '../src/shared/status';
import { FakeLastfmServer } from '../src/dev/fakes/lastfm-server';
import { FakeRoonCore } from '../src/dev/fakes/roon-core';
import { holdWriteLock } from '../tests/support/lock-holder';
import { median, percentile, report } from './_stats';

const LOCK_SECONDS = Number(process.argv[2] ?? 60);
/** Over Last.fm's 30 s minimum; qualifies at half its length. */
const TRACK_SECONDS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const allRunning = (s: StatusSnapshot) => s.services.every((x) => x.state === 'running');

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-lock-'));
  const track = (n: number) => ({ title: `Locked Song ${n}`, artist: 'Bench Artist', album: 'Bench Album', length: TRACK_SECONDS });
  const core = await new FakeRoonCore({
    autoAuthorise: true,
    zones: [
      { id: 'z1', name: 'Den', track: track(0) },
      { id: 'z2', name: 'Kitchen', track: track(1000) },
    ],
  }).start();
  const queueLength = Math.ceil((LOCK_SECONDS + 60) / TRACK_SECONDS) + 2;
  for (let i = 1; i <= queueLength; i++) {
    core.enqueue('z1', track(i));
    core.enqueue('z2', track(1000 + i));
  }
  const lastfm = await FakeLastfmServer.start({ history: [] });
  const config = parseConfig({
    roon: { host: '127.0.0.1', port: core.port },
    lastfm: { user: lastfm.user, apiKey: lastfm.apiKey, apiRoot: lastfm.url, pollSeconds: 1, importRatePerSecond: 0 },
  });
  const logger = new MemoryLogger();
  const headless = await startHeadless({ dataDir, config, powerTriggers: [], logger, rendererDir: null, consoleLog: false });
  const status = async () => {
    const res = await fetch(`${headless.url}/api/status`, { headers: { authorization: `Bearer ${headless.token}` } });
    return (await res.json()) as StatusSnapshot;
  };
  const until = async (predicate: (s: StatusSnapshot) => boolean, what: string, timeoutMs = 30_000) => {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const s = headless.encore.status();
      if (predicate(s)) return s;
      if (performance.now() > end) throw new Error(`${what}: never happened (${s.services.map((x) => `${x.id} ${x.state}`).join(', ')})`);
      await sleep(5);
    }
  };
  await until(allRunning, 'all running at start');
  core.play('z1');
  core.play('z2');
  const playing = core.playInRealTime();

  // Scrobbles land on Last.fm all along, as another device would send them.
  const scrobbled: number[] = [];
  let nextUts = 0;
  const scrobbling = setInterval(() => {
    nextUts = Math.max(nextUts + 1, Math.floor(Date.now() / 1000) - 30);
    lastfm.addScrobbles({ artist: 'Elsewhere', title: `Scrobble ${scrobbled.length}`, album: null, uts: nextUts });
    scrobbled.push(nextUts);
  }, 3_000);

  /** /api/status every 50 ms for `seconds`, with the event-loop delay meanwhile. */
  const observe = async (seconds: number) => {
    const started = performance.now();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const latencies: number[] = [];
    let failed = 0;
    let sawWaiting = '';
    while (performance.now() - started < seconds * 1000) {
      const t0 = performance.now();
      try {
        const s = await status();
        const db = s.services.find((x) => x.id === 'database')!;
        if (db.state === 'waiting') sawWaiting ||= db.detail;
      } catch {
        failed++;
      }
      latencies.push(performance.now() - t0);
      await sleep(50);
    }
    loop.disable();
    return { latencies, failed, sawWaiting, loopP99: loop.percentile(99) / 1e6 };
  };

  await sleep(3_000);
  // The same traffic without the lock: what the machine's load alone does to the figures.
  const control = await observe(Math.min(20, LOCK_SECONDS));
  const holder = await holdWriteLock(path.join(dataDir, 'encore.db'));
  const { latencies, failed, sawWaiting, loopP99 } = await observe(LOCK_SECONDS);

  const releasedAt = performance.now();
  await holder.release();
  await until((s) => allRunning(s) && headless.encore.status().services.find((x) => x.id === 'database')!.state === 'running', 'all running after the release');
  const runningAfter = performance.now() - releasedAt;
  // Queued plays written, and the next Last.fm poll (every second) caught up.
  clearInterval(scrobbling);
  const lastScrobble = scrobbled.at(-1)!;
  const db = new (await import('better-sqlite3')).default(path.join(dataDir, 'encore.db'), { readonly: true });
  const storedLastfm = () => db.prepare('SELECT lastfm_started_at FROM plays WHERE lastfm_started_at IS NOT NULL').pluck().all() as number[];
  const caughtUpBy = performance.now() + 10_000;
  while (!storedLastfm().includes(lastScrobble * 1000) && performance.now() < caughtUpBy) await sleep(20);
  const lastfmCaughtUp = performance.now() - releasedAt;
  playing.dispose();

  const stored = new Set(storedLastfm());
  const lostScrobbles = scrobbled.filter((uts) => !stored.has(uts * 1000)).length;
  const detected = logger.lines.filter((l) => l.scope === 'roon' && l.message.startsWith('play: ')).length;
  const roonStored = db.prepare('SELECT count(*) FROM plays WHERE roon_started_at IS NOT NULL').pluck().get() as number;
  const integrity = db.pragma('integrity_check', { simple: true });
  db.close();

  report(`/api/status during a ${LOCK_SECONDS} s write lock: median`, median(latencies), 'ms', '-');
  report(`/api/status during the lock: p99 (${latencies.length} requests, ${failed} failed)`, percentile(latencies, 99), 'ms', '≤ 50 ms');
  report('event-loop delay during the lock: p99', loopP99, 'ms', '≤ 20 ms');
  report(`  the same without the lock (${control.latencies.length} requests): /api/status p99`, percentile(control.latencies, 99), 'ms', '-');
  report('  the same without the lock: event-loop delay p99', control.loopP99, 'ms', '-');
  report('all services running after the release', runningAfter, 'ms', '≤ 1000 ms');
  report('  Last.fm caught up after the release', lastfmCaughtUp, 'ms', '-');
  report(`scrobbles lost (of ${scrobbled.length} sent during the run)`, lostScrobbles, 'plays', '0');
  report(`Roon plays lost (of ${detected} detected)`, detected - roonStored, 'plays', '0');
  console.log(`  database while locked: ${sawWaiting || '(never showed waiting)'}`);
  console.log(`  integrity_check: ${String(integrity)}`);

  await headless.close();

  // The lock already there when Encore starts: the API must listen at once,
  // and everything run once the other program lets go.
  const early = await holdWriteLock(path.join(dataDir, 'encore.db'), 'exclusive-mode');
  const t0 = performance.now();
  const again = await startHeadless({ dataDir, config, powerTriggers: [], logger: new MemoryLogger(), rendererDir: null, consoleLog: false });
  const res = await fetch(`${again.url}/api/status`, { headers: { authorization: `Bearer ${again.token}` } });
  const listening = performance.now() - t0;
  const atStart = ((await res.json()) as StatusSnapshot).services.find((x) => x.id === 'database')!;
  await sleep(5_000);
  const releasedEarly = performance.now();
  await early.release();
  const endEarly = performance.now() + 30_000;
  while (!allRunning(again.encore.status()) && performance.now() < endEarly) await sleep(5);
  const runningAfterEarly = performance.now() - releasedEarly;
  report('lock held at start: first /api/status answered after', listening, 'ms', '-');
  report('lock held at start: all running after the release', runningAfterEarly, 'ms', '≤ 1000 ms');
  console.log(`  database at start: ${atStart.state}: ${atStart.detail}`);
  await again.close();
  await core.stop();
  await lastfm.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (!sawWaiting || lostScrobbles || detected !== roonStored || integrity !== 'ok' || !allRunning(again.encore.status())) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
