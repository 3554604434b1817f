// Quiet status: what one playing Roon zone costs when nothing but its seek
// position changes. Part 1, in process on a ManualClock shared with the fake
// Core: ten simulated minutes of seek updates (one a second), counting status
// snapshots, tray menu rebuilds and the throttled progress pushes. Part 2, the
// built headless host in its own process against the fake Core playing two
// zones in real time, with one SSE client reading /api/events: the host's CPU
// time over the run (10 minutes unless ENCORE_BENCH_CPU_SECONDS says less).
//
// Run: node scripts/build.mjs && npx tsx bench/quiet-status.ts
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { ManualClock } from '../src/main/core/clock';
import { MemoryLogger } from '../src/main/core/logger';
import { parseConfig } from '../src/main/config';
import { TrayController } from '../src/main/electron/tray';
import { startHeadless } from '../src/main/headless/host';
import type { StatusSnapshot } from '../src/shared/status';
import { FakeRoonCore } from '../src/dev/fakes/roon-core';
import { report } from './_stats';

const ROOT = path.resolve(import.meta.dirname, '..');
const SIMULATED_MINUTES = 10;
const CPU_SECONDS = Number(process.env.ENCORE_BENCH_CPU_SECONDS ?? 600);
const WARM_UP_MS = 15_000;
const LONG_TRACK = { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 4 * 3600 };

const roonConfig = (port: number) => ({ host: '127.0.0.1', port, discovery: { multicastGroup: '127.0.0.1', port: 1, broadcastAddresses: ['127.0.0.1'] } });

async function inProcess(): Promise<void> {
  // 12:10 to 12:20: no scheduled job is due (lastfm-sync runs at :07), so every snapshot counted would be the zone's.
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 12, 10, 0));
  const core = await new FakeRoonCore({ clock, autoAuthorise: true, pingIntervalMs: 0, zones: [{ id: 'z1', name: 'Den', state: 'playing', track: LONG_TRACK, seek: 10 }] }).start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-quiet-'));
  const host = await startHeadless({ dataDir, config: parseConfig({ roon: roonConfig(core.port) }), clock, logger: new MemoryLogger(), powerTriggers: [], rendererDir: null, consoleLog: false, writeRuntimeFile: false });
  try {
    const playing = (s: StatusSnapshot) => s.services.some((x) => x.id === 'roon' && x.state === 'running' && x.nowPlaying?.some((z) => z.state === 'playing'));
    if (!playing(host.encore.status())) {
      await new Promise<void>((resolve) => {
        const sub = host.encore.onStatus((s) => playing(s) && (sub.dispose(), resolve()));
      });
    }
    let menus = 0;
    const tray = new TrayController<object, object>({
      createTray: () => ({ setImage() {}, setToolTip() {}, setContextMenu: () => void menus++, on() {}, destroy() {} }),
      buildMenu: (template: MenuItemConstructorOptions[]) => ({ template }),
      loadImage: (file) => ({ file }),
      iconDir: '/icons',
      platform: 'linux',
      timeZone: () => 'UTC',
      now: () => clock.now(),
      openAtLogin: () => false,
      actions: new Proxy({}, { get: () => () => {} }) as never,
      logger: new MemoryLogger(),
    });
    tray.update(host.encore.status());
    const menusBefore = menus;
    let snapshots = 0;
    let progress = 0;
    const subs = [host.encore.onStatus((s) => (snapshots++, tray.update(s))), host.encore.onProgress(() => progress++)];
    await core.tick(SIMULATED_MINUTES * 60);
    subs.forEach((s) => s.dispose());
    tray.dispose();
    const seek = host.encore.status().services.find((s) => s.id === 'roon')?.nowPlaying?.[0]?.seekSeconds;
    if (seek !== 10 + SIMULATED_MINUTES * 60) throw new Error(`the snapshot should read the latest seek position, got ${seek}`);
    report('status snapshots a minute, one zone playing, no track change', snapshots / SIMULATED_MINUTES, '/min', '≤ 1 (was 60)');
    report('tray menu rebuilds in those 10 minutes', menus - menusBefore, 'menus', '0');
    report('progress pushes a minute (throttled)', progress / SIMULATED_MINUTES, '/min', 'about 12');
  } finally {
    await host.close();
    await core.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** utime + stime of a process in seconds, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux Node supports
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The same to the nanosecond: the scheduler's run time of each of the process's threads (Linux schedstat). */
function schedSeconds(pid: number): number {
  let ns = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return ns / 1e9;
}

async function headlessCpu(): Promise<void> {
  if (process.platform !== 'linux') return console.log('headless CPU: skipped (reads /proc, Linux only)');
  const main = path.join(ROOT, 'dist', 'headless', 'main.js');
  if (!fs.existsSync(main)) throw new Error('dist/headless/main.js is missing: run node scripts/build.mjs');
  const core = await new FakeRoonCore({
    autoAuthorise: true,
    zones: [
      { id: 'z1', name: 'Den', state: 'playing', track: LONG_TRACK, seek: 10 },
      { id: 'z2', name: 'Kitchen', state: 'playing', track: { ...LONG_TRACK, title: 'Naima' }, seek: 20 },
    ],
  }).start();
  const playingInRealTime = core.playInRealTime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-cpu-'));
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ roon: roonConfig(core.port) }));
  // ENCORE_BENCH_CPU_PROFILE=<dir>: the host writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profileDir = process.env.ENCORE_BENCH_CPU_PROFILE;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, main, `--data-dir=${dataDir}`], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ENCORE_DISCOVERY_LOOPBACK_ONLY: '1' } });
  const runtime = path.join(dataDir, 'runtime.json');
  let events: http.ClientRequest | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the headless host exited (${code})`)));
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Open:') && resolve());
    });
    const { url, token } = JSON.parse(fs.readFileSync(runtime, 'utf8')) as { url: string; token: string };
    let statusEvents = 0;
    let progressEvents = 0;
    // One window open: an SSE client that reads every event.
    events = http.get(`${url}/api/events`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        for (const frame of text.split('\n\n')) {
          if (frame.startsWith('event: progress')) progressEvents++;
          else if (frame.startsWith('data: ')) statusEvents++;
        }
      });
    });
    await new Promise((r) => setTimeout(r, WARM_UP_MS)); // start-up work (migrations, restore) is not the steady state
    const [cpu0, sched0, wall0, status0, progress0] = [cpuSeconds(child.pid!), schedSeconds(child.pid!), performance.now(), statusEvents, progressEvents];
    await new Promise((r) => setTimeout(r, CPU_SECONDS * 1000));
    const cpu = cpuSeconds(child.pid!) - cpu0;
    const sched = schedSeconds(child.pid!) - sched0;
    const wall = (performance.now() - wall0) / 1000;
    // Three decimals: the target is a tenth of a per cent (report() prints one).
    const percent = ((cpu / wall) * 100).toFixed(3);
    console.log(`${`headless host CPU, two zones playing, ${(wall / 60).toFixed(1)} min, one SSE client`.padEnd(58)} ${percent.padStart(10)} %       (target ≤ 0.1 %; ${cpu.toFixed(2)} s of CPU)`);
    console.log(`${'  the same from the scheduler (schedstat, ns)'.padEnd(58)} ${((sched / wall) * 100).toFixed(3).padStart(10)} %       (target ≤ 0.1 %; ${sched.toFixed(2)} s of CPU)`);
    report('  status events to the client a minute', ((statusEvents - status0) / wall) * 60, '/min', '≤ 1');
    report('  progress events to the client a minute', ((progressEvents - progress0) / wall) * 60, '/min', 'about 12');
  } finally {
    events?.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    playingInRealTime.dispose();
    await core.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await inProcess();
await headlessCpu();
