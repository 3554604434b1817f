// The disk fills up during a Last.fm history import, then space comes back:
// the headless host's data directory on a small tmpfs, the fake Last.fm with
// 30,000 scrobbles, the rate limit off. Prints how long after the space
// returned the import was done by itself (target ≤ 60 s), the integrity
// check, and the play count (exactly the scrobbles: nothing lost, no
// duplicates). Needs root (mount -t tmpfs); says so and skips otherwise.
//
// Run: npx tsx bench/disk-full-import.ts [fullSeconds=10]
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MemoryLogger } from '../src/main/core/logger';
import { parseConfig } from '../src/main/config';
import { startHeadless } from '../src/main/headless/host';
import type { StatusSnapshot } from '../src/shared/status';
import { FakeLastfmServer, generateHistory } from '../src/dev/fakes/lastfm-server';
import { mountSmallDisk } from '../tests/support/tmpfs';
import { report } from './_stats';

const SCROBBLES = 30_000;
const FULL_SECONDS = Number(process.argv[2] ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const disk = mountSmallDisk(64);
  if (typeof disk === 'string') {
    console.log(`skipped: ${disk}`);
    return;
  }
  const lastfm = await FakeLastfmServer.start({ history: generateHistory(SCROBBLES) });
  const dataDir = path.join(disk.dir, 'data');
  try {
    const config = parseConfig({
      roon: { discovery: { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] } },
      lastfm: { user: lastfm.user, apiKey: lastfm.apiKey, apiRoot: lastfm.url, pollSeconds: 0, importRatePerSecond: 0 },
    });
    const headless = await startHeadless({ dataDir, config, powerTriggers: [], logger: new MemoryLogger(), rendererDir: null, consoleLog: false });
    const lastfmStatus = (s: StatusSnapshot = headless.encore.status()) => s.services.find((x) => x.id === 'lastfm')!;
    const database = (s: StatusSnapshot = headless.encore.status()) => s.services.find((x) => x.id === 'database')!;
    const until = async (predicate: () => boolean, what: string, timeoutMs: number) => {
      const end = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms (lastfm ${lastfmStatus().state}, import ${JSON.stringify(lastfmStatus().import)}, database ${database().state}: ${database().detail})`);
        await sleep(10);
      }
    };
    await until(() => lastfmStatus().state === 'running' && database().state === 'running', 'Last.fm running', 30_000);
    const res = await fetch(`${headless.url}/api/lastfm/import`, { method: 'POST', headers: { authorization: `Bearer ${headless.token}` } });
    if (res.status !== 200) throw new Error(`POST /api/lastfm/import: ${res.status} ${await res.text()}`);
    // A third of the way in, the disk fills up.
    await until(() => (lastfmStatus().import?.page ?? 0) >= Math.ceil(SCROBBLES / 200 / 3), 'a third of the import', 60_000);
    disk.fill();
    const filledAt = performance.now();
    let sawFull = '';
    let importNote = '';
    while (performance.now() - filledAt < FULL_SECONDS * 1000) {
      if (database().state === 'waiting') sawFull ||= database().detail;
      const status = lastfmStatus();
      if (status.import?.error || /import/i.test(status.detail)) importNote = status.import?.error ?? status.detail;
      await sleep(50);
    }
    const pageWhenFreed = lastfmStatus().import?.page ?? 0;
    disk.free();
    const freedAt = performance.now();
    await until(() => lastfmStatus().import?.state === 'done', 'the import done by itself', 120_000);
    const doneAfter = performance.now() - freedAt;
    await headless.close();

    const db = new BetterSqlite3(path.join(dataDir, 'encore.db'), { readonly: true });
    const plays = db.prepare('SELECT count(*) FROM plays').pluck().get() as number;
    const lastfmPlays = db.prepare('SELECT count(DISTINCT lastfm_started_at) FROM plays WHERE lastfm_started_at IS NOT NULL').pluck().get() as number;
    const integrity = db.pragma('integrity_check', { simple: true });
    db.close();

    report(`import done after space returned (disk full for ${FULL_SECONDS} s)`, doneAfter, 'ms', '≤ 60000 ms');
    report(`plays stored (of ${SCROBBLES} scrobbles; duplicates ${plays - lastfmPlays})`, plays, 'plays', `exactly ${SCROBBLES}`);
    console.log(`  integrity_check: ${String(integrity)}`);
    console.log(`  database while full: ${sawFull || '(never showed waiting)'}`);
    console.log(`  import while full: ${importNote || '(no note)'} (page ${pageWhenFreed} when freed)`);
    console.log(`  left in the data dir: ${fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp')).join(', ') || 'no temporary files'}`);
    if (plays !== SCROBBLES || integrity !== 'ok' || !sawFull) process.exitCode = 1;
  } finally {
    await lastfm.close();
    disk.unmount();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
