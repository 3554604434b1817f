// Resume → Roon subscribed again, against the fake Core on loopback, in real
// time: prepareForSleep() and stop() as the supervisor does before sleep, then
// a fresh start() until the zone subscription is back (Registered + Subscribed
// with the saved token). Two paths: a configured host:port, and discovery mode,
// where the last known address races a fresh SOOD query.
//
// Run: npx tsx bench/roon-resume.ts [runs]
import { systemClock } from '../src/main/core/clock';
import { MemoryLogger } from '../src/main/core/logger';
import { MemorySecretStore } from '../src/main/core/ports';
import { RoonService, tokenKey } from '../src/main/services/roon/service';
import { FakeRoonCore } from '../src/dev/fakes/roon-core';
import { PlaySink, testRoonConfig } from '../tests/roon/service-harness';
import { RecordingHost } from '../tests/support/recording-host';
import { median, percentile, report } from './_stats';

const RUNS = Number(process.argv[2] ?? 30);

async function measure(label: string, discovery: boolean): Promise<void> {
  const core = await new FakeRoonCore({
    knownTokens: ['bench-token'],
    zones: [
      { id: 'z1', name: 'Den', track: { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 545 } },
      { id: 'z2', name: 'Kitchen', outputs: ['Kitchen', 'Patio'], track: { title: 'Naima', artist: 'John Coltrane', album: 'Giant Steps', length: 261 } },
      { id: 'z3', name: 'Office' },
    ],
  }).start();
  const soodPort = discovery ? await core.startSood() : 1;
  const secrets = new MemorySecretStore();
  await secrets.set(tokenKey(core.coreId), 'bench-token');
  const config = discovery ? testRoonConfig({}, soodPort) : testRoonConfig({ host: '127.0.0.1', port: core.port }, soodPort);
  const service = new RoonService({ config, clock: systemClock, logger: new MemoryLogger(), secrets, plays: new PlaySink() });

  const host = new RecordingHost();
  // The first start finds the Core and saves its address; resumes come after.
  await service.start(new AbortController().signal, host);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    service.prepareForSleep();
    await service.stop();
    const runHost = new RecordingHost();
    const t0 = performance.now();
    await service.start(new AbortController().signal, runHost);
    if (runHost.lastCondition !== 'running') throw new Error(`run ${i}: not subscribed after start (${runHost.lastDetail ?? 'no detail'})`);
    times.push(performance.now() - t0);
  }
  await service.stop();
  service.dispose();
  await core.stop();
  report(`${label}: median of ${RUNS}`, median(times), 'ms', '≤ 1000 ms');
  report(`${label}: p95`, percentile(times, 95), 'ms', '≤ 1000 ms');
}

await measure('resume → Roon subscribed (configured host)', false);
await measure('resume → Roon subscribed (last known + SOOD)', true);
