// Builds the services the supervisor runs. Each reads the live config through
// a getter at every start, so saved settings apply on the next restart.
import type { Config } from '../../shared/config';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { SecretStore } from '../core/ports';
import type { Service } from '../core/service';
import type { EncoreDatabase } from '../db/database';
import type { PlayStore } from '../db/plays';
import type { StateStore } from '../db/state';
import { LastfmService } from './lastfm/service';
import { RoonService } from './roon/service';
import { SchedulerService } from './scheduler/scheduler-service';

export interface ServiceContext {
  config: () => Config;
  dataDir: string;
  database: EncoreDatabase;
  plays: PlayStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  secrets: SecretStore;
  version: string;
}

export interface SchedulerControl {
  hasJob(id: string): boolean;
  runNow(id: string): Promise<unknown>;
}

export interface ServiceSet {
  list: Service[];
  lastfm: LastfmService;
  scheduler: SchedulerControl;
  /** Releases what services keep across starts (after the supervisor stopped them). */
  dispose(): void;
}

export function createServices(ctx: ServiceContext): ServiceSet {
  const lastfm = new LastfmService({
    config: () => ctx.config().lastfm,
    database: ctx.database,
    plays: ctx.plays,
    state: ctx.state,
    clock: ctx.clock,
    logger: ctx.logger,
    version: ctx.version,
  });
  const roon = new RoonService({
    config: () => ctx.config().roon,
    clock: ctx.clock,
    logger: ctx.logger,
    secrets: ctx.secrets,
    // Queued: a play detected while the database is locked, full or reopening waits for it.
    // (A write that fails for another reason is logged by the queue.)
    plays: { ingest: (plays) => void ctx.plays.ingestQueued(plays).catch(() => undefined) },
    extension: { display_version: ctx.version },
  });
  const scheduler = new SchedulerService({
    database: ctx.database,
    dataDir: ctx.dataDir,
    config: ctx.config,
    clock: ctx.clock,
    logger: ctx.logger,
    lastfmCatchUp: (signal) => lastfm.catchUp(signal),
    lastfmNotConfigured: () => lastfm.notConfigured(),
  });
  return { list: [roon, lastfm, scheduler], lastfm, scheduler, dispose: () => roon.dispose() };
}
