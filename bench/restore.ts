// Restore figures: resume → every service running; with one service hung;
// event-loop delay during restores; memory over 1,000 suspend/resume cycles.
// Real clock, a real database in a temp dir, fake services that answer at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock } from '../src/main/core/clock';
import { silentLogger } from '../src/main/core/logger';
import { Supervisor } from '../src/main/core/supervisor';
import { EncoreDatabase } from '../src/main/db/database';
import { DatabaseService } from '../src/main/db/database-service';
import type { ServiceId } from '../src/shared/status';
import { FakeService, type Behaviour } from '../tests/support/fake-service';
import { median, percentile, report } from './_stats';

async function setup(dir: string, behaviours: Partial<Record<ServiceId, Behaviour>> = {}) {
  const database = new EncoreDatabase({ file: path.join(dir, `encore-${Math.random()}.db`), clock: systemClock });
  const services = (['roon', 'lastfm', 'scheduler'] as const).map((id) => new FakeService(id, behaviours[id] ?? { kind: 'instant' }, systemClock));
  const supervisor = new Supervisor({
    clock: systemClock,
    logger: silentLogger,
    database: new DatabaseService(database),
    services,
    wanted: { isWanted: () => true, setWanted() {}, trackingPaused: () => false, setTrackingPaused() {} },
    timeouts: (id) => (id === 'scheduler' ? 15_000 : 10_000),
    backoff: { initialMs: 1000, maxMs: 60_000 },
    heartbeatMs: 30_000,
    journal: () => {},
  });
  await supervisor.restore('startup');
  return { supervisor, services };
}

function allRunning(supervisor: Supervisor, except?: ServiceId): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      const ok = [...supervisor.runners.values()].every((r) => r.id === except || r.state === 'running');
      if (ok) {
        sub.dispose();
        resolve(performance.now() - t0);
      }
    };
    const sub = supervisor.onDidChange(check);
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-restore-'));

  {
    const { supervisor } = await setup(dir);
    const times: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let i = 0; i < 200; i++) {
      await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
      const running = allRunning(supervisor);
      await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
      times.push(await running);
      // Let the loop turn between cycles, as it does between real wakes; what
      // the histogram then sees is how long one restore holds the loop.
      await new Promise((r) => setTimeout(r, 3));
    }
    delay.disable();
    report('resume → every service running, instant services (median of 200)', median(times), 'ms', '≤ 50 ms');
    report('  same, p95', percentile(times, 95), 'ms', '-');
    report(`event-loop delay p99 during restores (${delay.count} samples, max ${(delay.max / 1e6).toFixed(1)} ms)`, delay.percentile(99) / 1e6, 'ms', '≤ 10 ms');
    await supervisor.shutdown();
  }

  {
    const { supervisor } = await setup(dir, { roon: { kind: 'hang' } });
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
      const running = allRunning(supervisor, 'roon');
      void supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
      times.push(await running);
    }
    report('resume with Roon hung: the others running (median of 50)', median(times), 'ms', '≤ 100 ms');
    await supervisor.shutdown();
  }

  {
    const { supervisor } = await setup(dir);
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap = () => {
      gc?.();
      gc?.();
      return process.memoryUsage().heapUsed / 1024 / 1024;
    };
    for (let i = 0; i < 50; i++) {
      await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
      await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
    }
    const before = heap();
    for (let i = 0; i < 1000; i++) {
      await supervisor.handlePowerEvent({ type: 'suspend', source: 'simulated' });
      await supervisor.handlePowerEvent({ type: 'resume', source: 'simulated' });
    }
    const after = heap();
    report(`memory growth over 1,000 suspend/resume cycles${gc ? '' : ' (no --expose-gc)'}`, after - before, 'MB', '≤ 5 MB');
    await supervisor.shutdown();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
