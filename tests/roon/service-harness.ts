// A RoonService wired to a fake Core on loopback, with a host that records
// what the service reports, for the service tests, the fuzz test and the bench.
import { ManualClock, type Clock } from '../../src/main/core/clock';
import { MemoryLogger } from '../../src/main/core/logger';
import { MemorySecretStore } from '../../src/main/core/ports';
import type { NewPlay } from '../../src/main/db/plays';
import { RoonService, type RoonServiceOptions } from '../../src/main/services/roon/service';
import { defaultConfig, type Config } from '../../src/shared/config';
import { FakeRoonCore, type FakeRoonCoreOptions } from '../../src/dev/fakes/roon-core';
import { RecordingHost } from '../support/recording-host';

export class PlaySink {
  readonly plays: NewPlay[] = [];
  ingest(plays: NewPlay[]): void {
    this.plays.push(...plays);
  }
}

export function testRoonConfig(overrides: Partial<Config['roon']> = {}, discoveryPort = 1): Config['roon'] {
  const roon = defaultConfig().roon;
  // Never the real multicast group or a real broadcast address in tests.
  return { ...roon, discovery: { multicastGroup: '127.0.0.1', port: discoveryPort, broadcastAddresses: ['127.0.0.1'] }, ...overrides };
}

export interface Harness {
  clock: ManualClock;
  logger: MemoryLogger;
  secrets: MemorySecretStore;
  sink: PlaySink;
  core: FakeRoonCore;
  service: RoonService;
  host: RecordingHost;
}

export async function makeHarness(
  options: { core?: FakeRoonCoreOptions; service?: Partial<RoonServiceOptions>; configured?: boolean; clock?: Clock } = {},
): Promise<Harness> {
  const clock = new ManualClock();
  const logger = new MemoryLogger();
  const secrets = new MemorySecretStore();
  const sink = new PlaySink();
  const core = await new FakeRoonCore({ clock, ...options.core }).start();
  const config = options.configured === false ? testRoonConfig() : testRoonConfig({ host: '127.0.0.1', port: core.port });
  const service = new RoonService({ config, clock, logger, secrets, plays: sink, ...options.service });
  return { clock, logger, secrets, sink, core, service, host: new RecordingHost() };
}
