// Real wakes on the wake rig (tests/wake/rig.ts): the built headless host in a
// network namespace under libfaketime, frozen with SIGSTOP while its network
// is cut, its Core restarted and its wall clock jumped; it notices each wake by
// itself. Two rigs side by side: a configured roon.host and discovery.
//
//   network back → every service running and the sleep's scrobbles stored
//   wake noticed: SIGCONT → the host's first connection to the Core
//   Core back → Roon subscribed again, after outages of 3, 20 and 120 s
//   probing cost while the Core is away: host CPU and connection attempts a second
//
// Outages are real time. The 120 s ones take 10 minutes per rig and run only
// with --full; without it that line says so (the probing logic is the same
// for any outage shorter than the 3-minute fast-probe window).
//
// Run: npx tsx bench/real-wake.ts [runs] [--full]   (as root)
import { allRunning, HOUR, rigUnavailableReason, scrobblesDuring, WakeRig } from '../tests/wake/rig';
import { median } from './_stats';

const args = process.argv.slice(2);
const FULL = args.includes('--full');
const RUNS = Math.max(5, Number(args.find((a) => /^\d+$/.test(a)) ?? 5));

const unavailable = rigUnavailableReason();
if (unavailable) {
  console.log(`real-wake: skipped (${unavailable})`);
  process.exit(0);
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function networkBack(rig: WakeRig, run: number): Promise<number> {
  const scrobbles = scrobblesDuring(rig, 4 * HOUR, 3, `bench-${run}`);
  const titles = scrobbles.map((s) => s.title);
  const before = (await rig.status()).lastRestore?.id ?? 0;
  // The network comes back well after the wake: the restore has already tried and is waiting.
  const sleep = rig.sleep({ sleptMs: 4 * HOUR, networkBackMs: null, whileAsleep: () => rig.addScrobbles(scrobbles).then(() => undefined) });
  await sleep;
  await rig.waitFor((s) => (s.lastRestore?.id ?? 0) > before, 'the wake restore');
  await wait(1500);
  const back = rig.giveNetwork();
  for (;;) {
    const { at, status } = await rig.waitFor(allRunning, 'all running after the network is back');
    const stored = new Set((await rig.plays(50)).map((p) => p.title));
    if (titles.every((t) => stored.has(t)) && allRunning(status)) return at - back;
    await wait(10);
  }
}

async function wakeNoticed(rig: WakeRig): Promise<number> {
  const { thawedAt } = await rig.sleep({ sleptMs: 2 * HOUR, networkBackMs: -300 });
  const connected = await rig.nextEvent('core-tcp', thawedAt);
  await rig.waitFor(allRunning, 'all running after the wake');
  return connected - thawedAt;
}

interface Outage {
  backMs: number;
  cpuPercent: number;
  attemptsPerSecond: number;
  soodPerSecond: number;
}

async function coreOutage(rig: WakeRig, outageMs: number): Promise<Outage> {
  await rig.waitFor(allRunning, 'all running before the outage');
  await rig.stopCore();
  const stoppedAt = Date.now();
  await rig.waitFor((s) => s.services.find((x) => x.id === 'roon')?.state === 'reconnecting', 'Roon reconnecting');
  // The probing cost is read over the outage after its first second.
  await wait(stoppedAt + Math.min(1000, outageMs / 3) - Date.now());
  const c0 = rig.counters();
  const cpu0 = rig.hostCpuMs();
  const t0 = Date.now();
  await wait(Math.max(0, stoppedAt + outageMs - Date.now()));
  const elapsed = Date.now() - t0;
  const c1 = rig.counters();
  const cpu1 = rig.hostCpuMs();
  const back = Date.now();
  await rig.startCore();
  const subscribed = await rig.nextEvent('core-subscribed', back, 30_000);
  return {
    backMs: subscribed - back,
    cpuPercent: ((cpu1 - cpu0) / elapsed) * 100,
    attemptsPerSecond: ((c1.coreAttempts - c0.coreAttempts) / elapsed) * 1000,
    soodPerSecond: ((c1.soodQueries - c0.soodQueries) / elapsed) * 1000,
  };
}

async function measure(mode: 'configured' | 'discovery'): Promise<string[]> {
  const label = mode === 'configured' ? 'configured host' : 'discovery';
  const lines: string[] = [];
  // The two rigs run side by side, so each keeps its lines (formatted as _stats' report does) for the end.
  const line = (name: string, value: number, unit: string, target: string) => lines.push(`${name.padEnd(58)} ${value.toFixed(1).padStart(10)} ${unit.padEnd(7)} (target ${target})`);
  const rig = await WakeRig.create({ roon: mode });
  try {
    const back: number[] = [];
    for (let i = 0; i < RUNS; i++) back.push(await networkBack(rig, i));
    line(`network back → all running + scrobbles stored (${label}), median of ${RUNS}`, median(back), 'ms', '≤ 500 ms');

    const noticed: number[] = [];
    for (let i = 0; i < RUNS; i++) noticed.push(await wakeNoticed(rig));
    line(`wake noticed: SIGCONT → first reconnect (${label}), median of ${RUNS}`, median(noticed), 'ms', '≤ 1500 ms');

    const costs: Outage[] = [];
    for (const outageMs of [3_000, 20_000, 120_000]) {
      if (outageMs === 120_000 && !FULL) {
        lines.push(`Core back after 120 s → Roon subscribed (${label}): not run (--full: ${RUNS * 2} min of real outage)`);
        continue;
      }
      const results: Outage[] = [];
      for (let i = 0; i < RUNS; i++) results.push(await coreOutage(rig, outageMs));
      // CPU is read in 10 ms ticks: only the long outages give it a useful resolution.
      if (outageMs >= 20_000) costs.push(...results);
      line(`Core back after ${outageMs / 1000} s → Roon subscribed (${label}), median of ${RUNS}`, median(results.map((r) => r.backMs)), 'ms', '≤ 500 ms');
    }
    line(`while the Core is away: host CPU (${label}), median of ${costs.length} outages`, median(costs.map((c) => c.cpuPercent)), '%', '≤ 1 %');
    line(`while the Core is away: connection attempts (${label})`, median(costs.map((c) => c.attemptsPerSecond)), '/s', '≤ 4 /s');
    if (mode === 'discovery') line(`while the Core is away: SOOD queries (${label})`, median(costs.map((c) => c.soodPerSecond)), '/s', '-');
  } finally {
    await rig.close();
  }
  return lines;
}

console.log(`real wakes on the rig (netns + libfaketime + SIGSTOP), ${RUNS} runs each${FULL ? '' : '; 120 s outages need --full'}`);
const results = await Promise.allSettled([measure('configured'), measure('discovery')]);
let failed = false;
for (const r of results) {
  if (r.status === 'fulfilled') for (const l of r.value) console.log(l);
  else {
    failed = true;
    console.error(r.reason);
  }
}
if (failed) process.exit(1);
