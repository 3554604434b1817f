// What the API handlers are handed by the composition root.
import type { Clock } from '../../core/clock';
import type { SimulatedPowerTrigger } from '../../core/clock-jump-detector';
import type { Logger } from '../../core/logger';
import type { Supervisor } from '../../core/supervisor';
import type { EncoreDatabase } from '../../db/database';
import type { ExploreApi } from '../../db/explore-api';
import type { PlayStore } from '../../db/plays';
import type { StateStore } from '../../db/state';
import type { ServiceSet } from '../../services';
import type { LiveSettings } from '../settings';

export interface HandlerContext {
  clock: Clock;
  log: Logger;
  database: EncoreDatabase;
  plays: PlayStore;
  state: StateStore;
  explore: ExploreApi;
  supervisor: Supervisor;
  services: ServiceSet;
  settings: LiveSettings;
  simulated: SimulatedPowerTrigger;
  logFile: string | null;
  /** Throws a 503 saying why while the database is closed (asleep, failing, locked at open). */
  requireOpen(): void;
}

export const ok = { ok: true as const };
