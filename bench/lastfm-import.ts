// Full-history import against the fake Last.fm: 100,000 scrobbles (500 pages
// of 200) with the rate limit off. Prints the end-to-end time (target ≤ 15 s),
// the event-loop delay p99 meanwhile (target ≤ 10 ms), and the play count after
// an import interrupted and resumed three times (target exactly 100,000).
// Run: npx tsx bench/lastfm-import.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ServiceHost, ServiceReport } from '../src/main/core/service';
import { EncoreDatabase } from '../src/main/db/database';
import { LastfmService, type LastfmConfig } from '../src/main/services/lastfm/service';
import { FakeLastfmServer, generateHistory, type FakeRequest } from '../src/dev/fakes/lastfm-server';

const SCROBBLES = 100_000;

function host(onReport: (r: ServiceReport) => void): ServiceHost {
  return {
    report: onReport,
    fail: (error) => console.error('fail:', error.message),
    fatal: (error) => console.error('fatal:', error.message),
  };
}

function config(server: FakeLastfmServer): LastfmConfig {
  return { user: server.user, apiKey: server.apiKey, apiRoot: server.url, pollSeconds: 0, importRatePerSecond: 0, requestTimeoutMs: 15_000 };
}

async function withService<T>(server: FakeLastfmServer, file: string, fn: (service: LastfmService, reports: EventTarget) => Promise<T>): Promise<T> {
  const database = new EncoreDatabase({ file });
  await database.open();
  const service = new LastfmService({ config: () => config(server), database, version: 'bench' });
  const reports = new EventTarget();
  await service.start(
    new AbortController().signal,
    host((r) => reports.dispatchEvent(Object.assign(new Event('report'), { report: r }))),
  );
  try {
    return await fn(service, reports);
  } finally {
    await service.stop();
    database.close();
  }
}

function importEnds(service: LastfmService, reports: EventTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const on = () => {
      const state = service.importProgress().state;
      if (state === 'done') resolve();
      else if (state === 'failed') reject(new Error(service.importProgress().error ?? 'import failed'));
      else return;
      reports.removeEventListener('report', on);
    };
    reports.addEventListener('report', on);
    on();
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-lastfm-'));
  const history = generateHistory(SCROBBLES);
  const server = await FakeLastfmServer.start({ history });
  try {
    // 0. A control: the same monitor on this process doing nothing, for what the machine itself adds.
    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    idle.disable();

    // 1. One uninterrupted import.
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    let cpuMs = 0;
    const elapsed = await withService(server, path.join(dir, 'full.db'), async (service, reports) => {
      const ends = importEnds(service, reports);
      histogram.enable();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      service.startImport();
      await ends;
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      histogram.disable();
      cpuMs = (cpu.user + cpu.system) / 1000;
      return ms;
    });
    const full = new EncoreDatabase({ file: path.join(dir, 'full.db') });
    await full.open();
    const fullCount = full.raw.prepare('SELECT count(*) FROM plays').pluck().get() as number;
    full.close();
    console.log(`import of ${SCROBBLES.toLocaleString('en')} scrobbles (${SCROBBLES / 200} pages of 200), rate limit off:`);
    console.log(`  end to end          ${(elapsed / 1000).toFixed(2)} s   (target ≤ 15 s)`);
    console.log(`  event-loop delay    p50 ${(histogram.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms   (target p99 ≤ 10 ms)`);
    console.log(`  plays stored        ${fullCount.toLocaleString('en')}`);
    console.log(`  idle control        p99 ${(idle.percentile(99) / 1e6).toFixed(2)} ms over 2 s doing nothing (what the machine adds by itself)`);
    // The fake server runs in this process too, so CPU time counts both sides.
    console.log(`  CPU time            ${(cpuMs / 1000).toFixed(2)} s on ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} (a busy machine inflates both figures above)`);

    // 2. Interrupted three times (the app stopped mid-page, then a new service on the reopened database).
    const file = path.join(dir, 'resumed.db');
    const stopAt = [97, 233, 401];
    for (const [i, page] of stopAt.entries()) {
      await withService(server, file, async (service) => {
        const reached = new Promise<void>((resolve) => {
          const on = (r: FakeRequest) => {
            if (r.from !== null || r.page < page) return;
            server.off('request', on);
            resolve();
          };
          server.on('request', on);
        });
        if (i === 0) service.startImport();
        await reached;
      });
    }
    const count = await withService(server, file, async (service, reports) => {
      await importEnds(service, reports);
      return service.importProgress();
    });
    const resumed = new EncoreDatabase({ file });
    await resumed.open();
    const plays = resumed.raw.prepare('SELECT count(*) FROM plays').pluck().get() as number;
    resumed.close();
    console.log(`import interrupted at pages ${stopAt.join(', ')} and resumed three times:`);
    console.log(`  plays stored        ${plays.toLocaleString('en')}   (target exactly ${SCROBBLES.toLocaleString('en')}); progress says ${count.plays.toLocaleString('en')} scrobbles, page ${count.page} of ${count.totalPages}`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
