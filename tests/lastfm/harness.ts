// Shared set-up for the Last.fm tests: a real in-memory database, the fake
// server, a ManualClock, and a host that records what the service reports.
import { ManualClock } from '../../src/main/core/clock';
import { MemoryLogger } from '../../src/main/core/logger';
import type { ServiceReport } from '../../src/main/core/service';
import { EncoreDatabase } from '../../src/main/db/database';
import { PlayStore } from '../../src/main/db/plays';
import { StateStore } from '../../src/main/db/state';
import { LastfmService, type LastfmConfig } from '../../src/main/services/lastfm/service';
import { FakeLastfmServer, type FakeLastfmOptions, type FakeScrobble } from '../../src/dev/fakes/lastfm-server';
import { RecordingHost } from '../support/recording-host';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const T0_UTS = T0 / 1000;

export interface Harness {
  server: FakeLastfmServer;
  db: EncoreDatabase;
  plays: PlayStore;
  state: StateStore;
  clock: ManualClock;
  logger: MemoryLogger;
  config: LastfmConfig;
  host: RecordingHost;
  service: LastfmService;
  newService(): LastfmService;
  close(): Promise<void>;
}

export async function harness(
  options: { config?: Partial<LastfmConfig>; server?: FakeLastfmOptions; file?: string; clock?: ManualClock; serverInstance?: FakeLastfmServer } = {},
): Promise<Harness> {
  const server = options.serverInstance ?? (await FakeLastfmServer.start(options.server));
  const clock = options.clock ?? new ManualClock(T0);
  const db = new EncoreDatabase({ file: options.file ?? ':memory:', clock });
  await db.open();
  const now = () => clock.now();
  const plays = new PlayStore(db, now);
  const state = new StateStore(db, now);
  const logger = new MemoryLogger();
  const config: LastfmConfig = {
    user: server.user,
    apiKey: server.apiKey,
    apiRoot: server.url,
    pollSeconds: 60,
    importRatePerSecond: 0,
    requestTimeoutMs: 5_000,
    ...options.config,
  };
  const newService = () => new LastfmService({ config: () => config, database: db, plays, state, clock, logger, version: '9.9.9' });
  const h: Harness = {
    server,
    db,
    plays,
    state,
    clock,
    logger,
    config,
    host: new RecordingHost(),
    service: newService(),
    newService,
    async close() {
      await h.service.stop();
      db.close();
      if (!options.serverInstance) await server.close();
    },
  };
  return h;
}

/** Scrobbles newest first, `spacing` seconds apart, the newest at `newestUts`. */
/** One poll interval later, the poll's report. */
export function poll(h: Harness, predicate = (r: ServiceReport) => r.success === true): Promise<ServiceReport> {
  const next = h.host.next(predicate);
  h.clock.advance(h.config.pollSeconds * 1000);
  return next;
}

export function scrobbles(n: number, newestUts: number, spacing = 240, prefix = 'Song'): FakeScrobble[] {
  return Array.from({ length: n }, (_, i) => ({ artist: `Band ${i % 7}`, title: `${prefix} ${i}`, album: `Album ${i % 3}`, uts: newestUts - i * spacing }));
}
