// Runs inside the network namespace that sood-netns.test.ts makes (nothing but
// loopback): the fake Core answers discovery on the real SOOD port and group,
// and Encore's own discovery and RoonService find it through the group and the
// broadcast address. Prints one JSON line with what happened, then exits.
import { systemClock } from '../../../src/main/core/clock';
import { MemoryLogger } from '../../../src/main/core/logger';
import { MemorySecretStore } from '../../../src/main/core/ports';
import { RoonService, tokenKey } from '../../../src/main/services/roon/service';
import { SoodDiscovery, inLoopbackOnlyNamespace, type FoundCore } from '../../../src/main/services/roon/sood';
import { defaultConfig } from '../../../src/shared/config';
import { FakeRoonCore } from '../../../src/dev/fakes/roon-core';
import { RecordingHost } from '../../support/recording-host';

const DISCOVERY = { multicastGroup: '239.255.90.90', port: 9003, broadcastAddresses: ['127.255.255.255'] };

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const core = await new FakeRoonCore({ knownTokens: ['saved'], pingIntervalMs: 0, zones: [{ id: 'z1', name: 'Den' }] }).start();
  await core.startSoodResponder();
  const logger = new MemoryLogger();
  try {
    // 1. Discovery alone: one query, to the group and to the broadcast address.
    const discovery = new SoodDiscovery({ config: DISCOVERY, logger });
    const found = new Promise<FoundCore>((resolve) => discovery.onFound(resolve));
    await discovery.query();
    const core1 = await bounded(found, 5_000, 'a discovery reply');
    // Both copies of the query arrive before the reply is read; give the group socket its turn.
    await new Promise((resolve) => setImmediate(resolve));
    const afterQuery = { total: core.soodQueries, group: core.soodGroupQueries };
    discovery.dispose();

    // 2. The whole service, by discovery (no host configured), to running.
    const secrets = new MemorySecretStore();
    await secrets.set(tokenKey(core.coreId), 'saved');
    const host = new RecordingHost();
    const isRunning = host.next((r) => r.condition === 'running');
    const service = new RoonService({
      config: { ...defaultConfig().roon, discovery: DISCOVERY },
      clock: systemClock,
      logger,
      secrets,
      plays: { ingest: () => {} },
    });
    await bounded(service.start(new AbortController().signal, host), 10_000, 'RoonService.start by discovery');
    const up = await bounded(isRunning, 5_000, 'running');
    await service.stop();
    service.dispose();
    process.stdout.write(
      `${JSON.stringify({
        isolated: inLoopbackOnlyNamespace(),
        found: core1,
        corePort: core.port,
        afterQuery,
        detail: up.detail,
        guardWarnings: logger.lines.filter((l) => l.message.includes('not sending to')).length,
      })}\n`,
    );
  } finally {
    await core.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
