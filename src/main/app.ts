// The composition root: the same core for the desktop and the headless host.
// A host hands it its platform pieces (ports); it hands back the API handlers,
// the status and a clean shutdown.
import path from 'node:path';
import { ApiError, type ApiHandlers, type StreamedResponse } from '../shared/api';
import type { ExportQuery } from '../shared/explore';
import type { Config } from '../shared/config';
import type { NowPlayingProgress, RestoreSummary, StatusSnapshot } from '../shared/status';
import { systemClock, type Clock } from './core/clock';
import { ClockJumpDetector, SimulatedPowerTrigger } from './core/clock-jump-detector';
import { NetworkMonitor } from './core/network-monitor';
import { DisposableStore, toDisposable, type Disposable } from './core/disposable';
import { ProgressThrottle } from './core/progress-throttle';
import type { Logger } from './core/logger';
import type { PowerTrigger, SecretStore } from './core/ports';
import { Supervisor } from './core/supervisor';
import { loadConfig } from './config';
import { DatabaseService } from './db/database-service';
import { EncoreDatabase, isBusy, isDiskFull } from './db/database';
import { PlayStore } from './db/plays';
import { ExploreApi } from './db/explore-api';
import { StateStore } from './db/state';
import { createServices, type ServiceSet } from './services';
import { createHandlers } from './app/handlers';
import { journalThroughWriteQueue } from './app/journal';
import { LiveSettings } from './app/settings';
import { PersistedWanted } from './app/wanted';

const APP_VERSION = '0.1.0';
/** After a wake Wi-Fi and DHCP take seconds, sometimes most of a minute: the network is watched closely meanwhile. */
const NETWORK_FAST_AFTER_WAKE_MS = 60_000;

export interface EncorePorts {
  dataDir: string;
  logger: Logger;
  secrets: SecretStore;
  /** Host-specific triggers (powerMonitor, logind); the clock-jump detector and simulated events are always added. */
  powerTriggers: PowerTrigger[];
  clock?: Clock;
  /** Already loaded config; read from <dataDir>/config.json otherwise. */
  config?: Config;
  /** better-sqlite3 built for this runtime (Electron's ABI). */
  nativeBinding?: string;
  logFile?: string | null;
}

export interface Encore {
  readonly handlers: ApiHandlers;
  /** The calls whose HTTP route streams a download (`stream` in the API table). */
  readonly streams: { exportPlays(request: ExportQuery, signal?: AbortSignal): Promise<StreamedResponse> };
  readonly dataDir: string;
  readonly logFile: string | null;
  readonly supervisor: Supervisor;
  status(): StatusSnapshot;
  onStatus(fn: (snapshot: StatusSnapshot) => void): Disposable;
  onRestore(fn: (summary: RestoreSummary) => void): Disposable;
  /** Seek positions of playing zones, throttled (PROGRESS_INTERVAL_MS per service); not part of any snapshot event. */
  onProgress(fn: (progress: NowPlayingProgress) => void): Disposable;
  /** Troubleshooting: a suspend then a resume, as the OS would send them. */
  simulateSleepAndWake(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createEncore(ports: EncorePorts): Promise<Encore> {
  const clock = ports.clock ?? systemClock;
  const log = ports.logger;
  // Services read the live config through getters at each start, so saved settings apply on restart.
  const settings = await LiveSettings.load(ports.config ?? loadConfig(ports.dataDir), {
    dataDir: ports.dataDir,
    secrets: ports.secrets,
    logger: log,
    restart: (id) => void supervisor.restart(id),
  });
  const config = () => settings.config;

  const database = new EncoreDatabase({
    file: path.join(ports.dataDir, 'encore.db'),
    busyTimeoutMs: config().db.busyTimeoutMs,
    nativeBinding: ports.nativeBinding,
    logger: log,
    clock,
  });
  const plays = new PlayStore(database, () => clock.now());
  const state = new StateStore(database, () => clock.now());
  const explore = new ExploreApi(database, () => clock.now(), path.join(ports.dataDir, 'exports'));
  const store = new DisposableStore();
  const journal = journalThroughWriteQueue(database, state);

  database.onDidOpen(() => wanted.load());
  // Choices that could not be saved while writes were blocked are saved once they work again.
  database.onDidChangeTrouble((trouble) => {
    if (trouble || !database.isOpen) return;
    wanted.load();
    supervisor.databaseWritable();
    // Last.fm's polls failed meanwhile and back off (seconds to minutes): catch up now instead.
    const lastfm = supervisor.snapshot().services.find((s) => s.id === 'lastfm');
    if (services.lastfm && lastfm?.state === 'running') {
      void services.lastfm.catchUp(new AbortController().signal).catch((error: unknown) => log.debug('catch-up after the database came back failed', error));
    }
  });

  const wanted = new PersistedWanted(state, log);
  const services: ServiceSet = createServices({ config, dataDir: ports.dataDir, database, plays, state, clock, logger: log, secrets: ports.secrets, version: APP_VERSION });
  const databaseService = new DatabaseService(database);
  const supervisor = new Supervisor({
    clock,
    logger: log,
    database: databaseService,
    services: services.list,
    wanted,
    timeouts: (id) => config().restore.timeoutsMs[id],
    backoff: config().restore.backoff,
    heartbeatMs: config().restore.heartbeatMs,
    journal,
    sleepEvidenceMs: config().restore.clockJumpMs,
  });
  store.add(supervisor.onDidRestore((summary) => log.info(`restore: ${summary.summary}`)));
  // Explore's rollups also follow the plays in the background (in steps that
  // leave the event loop free), so the first chart after an import seldom waits.
  store.add(
    clock.setCoarseInterval(() => {
      if (!database.isOpen || explore.rollups.behind() === 0) return;
      // A lock or a full disk already shows on the database; the next turn tries again.
      void explore.rollups.ready().catch((error: unknown) => {
        if (isBusy(error) || isDiskFull(error)) log.debug('explore: counting new plays waits for the database', error);
        else log.warn('explore: counting new plays failed; tried again in 30 s', error);
      });
    }, 30_000),
  );
  // A lock that kept the database from opening is gone: open it now, not at the next backoff.
  store.add({ dispose: database.onLockReleased(() => void (supervisor.isSleeping ? undefined : supervisor.restart(databaseService.id))) });

  const simulated = new SimulatedPowerTrigger();
  // The interfaces are read fast only while a service waits for the network or just after a wake.
  const waitsForNetwork = () => [...supervisor.runners.values()].some((r) => supervisor.roleOf(r.id) !== 'store' && (r.state === 'reconnecting' || r.state === 'starting'));
  const network = new NetworkMonitor(clock, undefined, { urgent: waitsForNetwork });
  store.add(supervisor.onDidChange(() => waitsForNetwork() && network.hurry()));
  const clockJump = new ClockJumpDetector(clock, { thresholdMs: config().restore.clockJumpMs });
  // A seek update (once a second while music plays) or a status change wakes the process anyway: the clocks are compared then.
  store.add(supervisor.onDidProgress(() => clockJump.look()));
  store.add(supervisor.onDidChange(() => clockJump.look()));
  const triggers = [...ports.powerTriggers, clockJump, network, simulated];
  for (const trigger of triggers) {
    store.add(trigger);
    trigger.start((event) => {
      if (event.type === 'resume' || event.type === 'unlock-screen') network.hurry(NETWORK_FAST_AFTER_WAKE_MS);
      log.info(`power event ${event.type} from ${event.source}`);
      void supervisor.handlePowerEvent(event).catch((error) => log.error('power event handling failed', error));
    });
  }

  journal({ at: clock.now(), kind: 'startup', source: 'app', summary: `Encore ${APP_VERSION} starting` });
  void supervisor.restore('startup');

  const requireOpen = () => {
    if (!database.isOpen) throw new ApiError(503, database.unavailableReason());
  };
  const handlers: ApiHandlers = createHandlers({ clock, log, database, plays, state, explore, supervisor, services, settings, simulated, logFile: ports.logFile ?? null, requireOpen });

  return {
    handlers,
    streams: { exportPlays: (q, signal) => (requireOpen(), explore.exportStream(q, signal)) },
    dataDir: ports.dataDir,
    logFile: ports.logFile ?? null,
    supervisor,
    status: () => supervisor.snapshot(),
    onStatus: (fn) => supervisor.onDidChange(() => fn(supervisor.snapshot())),
    onRestore: (fn) => supervisor.onDidRestore(fn),
    onProgress: (fn) => {
      const throttle = new ProgressThrottle(clock, fn);
      const subscription = supervisor.onDidProgress((progress) => throttle.push(progress));
      return toDisposable(() => (subscription.dispose(), throttle.dispose()));
    },
    simulateSleepAndWake: async () => {
      simulated.suspend();
      await supervisor.settle();
      simulated.resume();
    },
    shutdown: async () => {
      store.dispose();
      journal({ at: clock.now(), kind: 'shutdown', source: 'app' });
      await supervisor.shutdown();
      services.dispose();
      database.dispose();
    },
  };
}
