// The composition root: the same core for the desktop and the headless host.
// A host hands it its platform pieces (ports); it hands back the API handlers,
// the status and a clean shutdown.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ApiHandlers, type SaveSettingsResult, type Settings, type SettingsInput, type StreamedResponse } from '../shared/api';
import type { ExportQuery } from '../shared/explore';
import { ConfigSchema, effectiveJobs, type Config } from '../shared/config';
import type { NowPlayingProgress, RestoreSummary, ServiceId, StatusSnapshot } from '../shared/status';
import { systemClock, type Clock } from './core/clock';
import { ClockJumpDetector, SimulatedPowerTrigger } from './core/clock-jump-detector';
import { NetworkMonitor } from './core/network-monitor';
import { DisposableStore, toDisposable, type Disposable } from './core/disposable';
import { ProgressThrottle } from './core/progress-throttle';
import type { Logger } from './core/logger';
import type { PowerTrigger, SecretStore } from './core/ports';
import { Supervisor, type JournalSink, type WantedStore } from './core/supervisor';
import { loadConfig, parseConfig, saveConfig } from './config';
import { FileWriteError } from './core/atomic-write';
import { DatabaseService } from './db/database-service';
import { DatabaseError, EncoreDatabase, isBusy, isDiskFull } from './db/database';
import { PlayStore } from './db/plays';
import { ExploreApi } from './db/explore-api';
import { StateStore, type JournalEntry } from './db/state';
import { createServices, type ServiceSet } from './services';

const APP_VERSION = '0.1.0';
const LASTFM_KEY_SECRET = 'lastfm.apiKey';
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
  const fileConfig = ports.config ?? loadConfig(ports.dataDir);
  // The live config: the file plus the API key from the secret store. Services
  // read it through getters at each start, so saved settings apply on restart.
  let config: Config = fileConfig;
  const storedKey = await ports.secrets.get(LASTFM_KEY_SECRET);
  if (!config.lastfm.apiKey && storedKey) config = { ...config, lastfm: { ...config.lastfm, apiKey: storedKey } };

  const database = new EncoreDatabase({
    file: path.join(ports.dataDir, 'encore.db'),
    busyTimeoutMs: config.db.busyTimeoutMs,
    nativeBinding: ports.nativeBinding,
    logger: log,
    clock,
  });
  const plays = new PlayStore(database, () => clock.now());
  const state = new StateStore(database, () => clock.now());
  const explore = new ExploreApi(database, () => clock.now(), path.join(ports.dataDir, 'exports'));
  const store = new DisposableStore();

  // The journal goes through the database's write queue: it waits, in order,
  // while the database is closed (asleep, failing), locked or full.
  const journal: JournalSink = (entry: JournalEntry) => void database.enqueue(`journal ${entry.kind}`, () => state.journal(entry)).catch(() => undefined);
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
  const services: ServiceSet = createServices({ config: () => config, dataDir: ports.dataDir, database, plays, state, clock, logger: log, secrets: ports.secrets, version: APP_VERSION });
  const supervisor = new Supervisor({
    clock,
    logger: log,
    database: new DatabaseService(database),
    services: services.list,
    wanted,
    timeouts: (id) => config.restore.timeoutsMs[id],
    backoff: config.restore.backoff,
    heartbeatMs: config.restore.heartbeatMs,
    journal,
    sleepEvidenceMs: config.restore.clockJumpMs,
  });
  store.add(supervisor.onDidRestore((summary) => log.info(`restore: ${summary.summary}`)));
  // Explore's rollups also follow the plays in the background (in steps that
  // leave the event loop free), so the first chart after an import seldom waits.
  store.add(
    clock.setInterval(() => {
      if (!database.isOpen || explore.rollups.behind() === 0) return;
      // A lock or a full disk already shows on the database; the next turn tries again.
      void explore.rollups.ready().catch((error: unknown) => {
        if (isBusy(error) || isDiskFull(error)) log.debug('explore: counting new plays waits for the database', error);
        else log.warn('explore: counting new plays failed; tried again in 30 s', error);
      });
    }, 30_000),
  );
  // A lock that kept the database from opening is gone: open it now, not at the next backoff.
  store.add({ dispose: database.onLockReleased(() => void (supervisor.isSleeping ? undefined : supervisor.restart('database'))) });

  const simulated = new SimulatedPowerTrigger();
  // The interfaces are read fast only while a service waits for the network or just after a wake.
  const waitsForNetwork = () => [...supervisor.runners.values()].some((r) => r.id !== 'database' && (r.state === 'reconnecting' || r.state === 'starting'));
  const network = new NetworkMonitor(clock, undefined, { urgent: waitsForNetwork });
  store.add(supervisor.onDidChange(() => waitsForNetwork() && network.hurry()));
  const triggers = [...ports.powerTriggers, new ClockJumpDetector(clock, config.restore.clockJumpMs), network, simulated];
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

  const settingsView = (): Settings => ({
    roon: { mode: config.roon.host && config.roon.port ? 'manual' : 'discovery', host: config.roon.host, port: config.roon.port },
    lastfm: { user: config.lastfm.user, apiKeySet: Boolean(config.lastfm.apiKey), pollSeconds: config.lastfm.pollSeconds },
    restore: { timeoutsMs: { roon: config.restore.timeoutsMs.roon, lastfm: config.restore.timeoutsMs.lastfm, scheduler: config.restore.timeoutsMs.scheduler } },
    jobs: Object.fromEntries(Object.entries(effectiveJobs(config)).map(([id, j]) => [id, { schedule: j.schedule, timezone: j.timezone, missedPolicy: j.missedPolicy, enabled: j.enabled }])),
    notifications: { enabled: config.notifications.enabled },
  });

  let currentFileConfig = fileConfig;
  const saveSettings = async (input: SettingsInput): Promise<SaveSettingsResult> => {
    const next = structuredClone(currentFileConfig) as Config;
    if (input.roon) {
      next.roon.host = input.roon.mode === 'manual' ? (input.roon.host ?? null) : null;
      next.roon.port = input.roon.mode === 'manual' ? (input.roon.port ?? null) : null;
    }
    if (input.lastfm) {
      if (input.lastfm.user !== undefined) next.lastfm.user = input.lastfm.user || null;
      if (input.lastfm.pollSeconds !== undefined) next.lastfm.pollSeconds = input.lastfm.pollSeconds;
    }
    if (input.restore?.timeoutsMs) Object.assign(next.restore.timeoutsMs, input.restore.timeoutsMs);
    if (input.jobs) {
      const jobs = effectiveJobs(next);
      for (const [id, patch] of Object.entries(input.jobs)) {
        if (!Object.hasOwn(jobs, id)) return { ok: false, errors: [{ field: `jobs.${id}`, message: 'no such job' }] };
        next.jobs[id] = { ...jobs[id]!, ...patch };
      }
    }
    if (input.notifications) next.notifications = input.notifications;
    let parsed: Config;
    try {
      parsed = parseConfig(ConfigSchema.parse(next), 'settings');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const match = /^settings: ([\w.-]+): (.*)$/.exec(message) ?? /^(jobs\.[\w-]+\.\w+): (.*)$/.exec(message);
      return { ok: false, errors: [{ field: match?.[1] ?? 'settings', message: match?.[2] ?? message }] };
    }
    if (input.lastfm?.apiKey !== undefined) {
      try {
        if (input.lastfm.apiKey) await ports.secrets.set(LASTFM_KEY_SECRET, input.lastfm.apiKey);
        else await ports.secrets.delete(LASTFM_KEY_SECRET);
      } catch (error) {
        throw writeFailure(error);
      }
    }
    // The key never goes into config.json when it came through Settings.
    const keyFromFile = currentFileConfig.lastfm.apiKey;
    try {
      saveConfig(ports.dataDir, parsed);
    } catch (error) {
      throw writeFailure(error);
    }
    currentFileConfig = parsed;
    const key = input.lastfm?.apiKey !== undefined ? input.lastfm.apiKey || keyFromFile : config.lastfm.apiKey;
    const before = config;
    config = { ...parsed, lastfm: { ...parsed.lastfm, apiKey: key || null } };
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    const restarts: ServiceId[] = [];
    if (changed(before.roon, config.roon)) restarts.push('roon');
    if (changed(before.lastfm, config.lastfm)) restarts.push('lastfm');
    if (changed(effectiveJobs(before), effectiveJobs(config))) restarts.push('scheduler');
    for (const id of restarts) void supervisor.restart(id);
    log.info(`settings saved${restarts.length ? `; restarting ${restarts.join(', ')}` : ''}`);
    return { ok: true, settings: settingsView() };
  };

  const requireOpen = () => {
    if (!database.isOpen) throw new ApiError(503, database.unavailableReason());
  };
  const ok = { ok: true as const };
  const handlers: ApiHandlers = {
    getStatus: () => supervisor.snapshot(),
    restartService: async ({ id }) => {
      void supervisor.restart(id);
      return ok;
    },
    startService: async ({ id }) => {
      if (id === 'database') throw new ApiError(400, 'The database is always on; use restart.');
      void supervisor.setWanted(id, true);
      return ok;
    },
    stopService: async ({ id }) => {
      if (id === 'database') throw new ApiError(400, 'The database cannot be turned off.');
      await supervisor.setWanted(id, false);
      return ok;
    },
    restoreAll: async () => {
      void supervisor.restore('restore all (you asked)');
      return ok;
    },
    pauseTracking: async () => {
      await supervisor.setTrackingPaused(true);
      return ok;
    },
    resumeTracking: async () => {
      void supervisor.setTrackingPaused(false);
      return ok;
    },
    simulateSuspend: async () => {
      simulated.suspend();
      await supervisor.settle();
      return ok;
    },
    simulateResume: async () => {
      simulated.resume();
      return ok;
    },
    getPlays: async (query) => {
      requireOpen();
      return explore.history(query);
    },
    getPlaysPerDay: ({ days }) => {
      requireOpen();
      const to = clock.now();
      const offset = (ms: number) => -new Date(ms).getTimezoneOffset();
      const dayMs = 86_400_000;
      const localMidnight = Math.floor((to + offset(to) * 60_000) / dayMs) * dayMs - offset(to) * 60_000;
      const counted = new Map(plays.perDay(localMidnight - (days - 1) * dayMs, to + 1, offset).map((d) => [d.day, d.plays]));
      const list = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = new Date(localMidnight - i * dayMs + 12 * 3600_000 + offset(to) * 60_000).toISOString().slice(0, 10);
        list.push({ day, plays: counted.get(day) ?? 0 });
      }
      return { days: list };
    },
    getRestores: ({ limit }) => {
      requireOpen();
      return { restores: state.recentJournal(limit, ['restore']).map(journalToRestore) };
    },
    getSettings: () => settingsView(),
    saveSettings,
    startImport: async () => {
      const problem = services.lastfm.notConfigured();
      if (problem) throw new ApiError(409, problem);
      requireOpen();
      services.lastfm.startImport();
      return ok;
    },
    cancelImport: async () => {
      await services.lastfm.cancelImport();
      return ok;
    },
    runJob: async ({ id }) => {
      if (!services.scheduler.hasJob(id)) throw new ApiError(404, `There is no job "${id}".`);
      void services.scheduler.runNow(id).catch((error: unknown) => log.warn(`run now ${id} failed`, error));
      return ok;
    },
    getLogTail: ({ lines }) => ({ lines: ports.logFile ? tail(ports.logFile, lines) : [], file: ports.logFile ?? null }),
    getTopItems: (q) => (requireOpen(), explore.top(q)),
    getHeatmap: (q) => (requireOpen(), explore.heatmap(q)),
    getBreakdown: (q) => (requireOpen(), explore.breakdown(q)),
    getYearReview: (q) => (requireOpen(), explore.year(q)),
    getArtist: (q) => (requireOpen(), explore.artist(q)),
    getAlbum: (q) => (requireOpen(), explore.album(q)),
    getTrack: (q) => (requireOpen(), explore.track(q)),
    searchCatalog: (q) => (requireOpen(), explore.catalog(q)),
    exportPlays: (q) => (requireOpen(), explore.exportToFile(q)),
    getLastfmRejected: ({ limit }) => {
      requireOpen();
      return services.lastfm ? services.lastfm.rejectedEntries(limit) : { total: 0, byReason: {}, entries: [] };
    },
  };

  // A call refused by another program's lock (a read kept out by an exclusive
  // lock, a write that cannot wait): a 503 saying so, not a 500.
  for (const name of Object.keys(handlers) as Array<keyof ApiHandlers>) {
    const call = handlers[name] as (request: unknown) => unknown;
    (handlers as Record<keyof ApiHandlers, (request: unknown) => unknown>)[name] = async (request: unknown) => {
      try {
        return await call(request);
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (error instanceof DatabaseError) throw new ApiError(503, error.message);
        throw new ApiError(503, `The database is locked by another program (${(error as Error).message}). Close the other copy of Encore or the tool that has ${database.options.file} open; Encore retries by itself.`);
      }
    };
  }

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

class PersistedWanted implements WantedStore {
  private wanted = new Map<string, boolean>();
  private paused = false;
  /** Choices made while the database was closed (asleep, failing): written, and kept over what it says, when it opens. */
  private readonly unsaved = new Map<string, { write: () => void; apply: () => void }>();

  constructor(
    private readonly state: StateStore,
    private readonly log: Logger,
  ) {}

  load(): void {
    for (const [key, choice] of this.unsaved) {
      try {
        choice.write();
        this.unsaved.delete(key);
      } catch (error) {
        this.log.warn('could not save what you chose', error);
      }
    }
    try {
      this.wanted = this.state.wantedServices();
      this.paused = this.state.getValue<boolean>('tracking.paused') ?? false;
    } catch (error) {
      this.log.warn('could not read service_state', error);
    }
    for (const choice of this.unsaved.values()) choice.apply();
  }

  isWanted(id: ServiceId): boolean {
    return this.wanted.get(id) ?? true;
  }

  setWanted(id: ServiceId, wanted: boolean): void {
    const apply = () => void this.wanted.set(id, wanted);
    apply();
    this.persist(`wanted.${id}`, () => this.state.setWanted(id, wanted), apply);
  }

  trackingPaused(): boolean {
    return this.paused;
  }

  setTrackingPaused(paused: boolean): void {
    const apply = () => void (this.paused = paused);
    apply();
    this.persist('tracking.paused', () => this.state.setValue('tracking.paused', paused), apply);
  }

  private persist(key: string, write: () => void, apply: () => void): void {
    try {
      write();
      this.unsaved.delete(key);
    } catch (error) {
      this.unsaved.set(key, { write, apply });
      this.log.warn('could not save what you chose now (the database is closed); it is saved when the database opens again', error);
    }
  }
}

/** A file that could not be written: 507 when the disk is full (nothing was changed), else as it was. */
function writeFailure(error: unknown): unknown {
  if (error instanceof FileWriteError && error.diskFull) return new ApiError(507, `Settings not saved: ${error.message}`);
  return error;
}

function journalToRestore(row: ReturnType<StateStore['recentJournal']>[number]): RestoreSummary {
  const details = (row.details ?? {}) as { id?: number; steps?: RestoreSummary['steps'] };
  const duration = row.durationMs ?? 0;
  return {
    id: details.id ?? row.id,
    reason: row.source ?? 'restore',
    startedAt: new Date(row.at - duration).toISOString(),
    finishedAt: new Date(row.at).toISOString(),
    durationMs: row.durationMs ?? null,
    outcome: (['ok', 'partial', 'superseded', 'failed'].includes(row.outcome ?? '') ? row.outcome : 'failed') as RestoreSummary['outcome'],
    summary: row.summary ?? '',
    steps: details.steps ?? [],
  };
}

/** The last lines of the log file, read from its end (the file can be megabytes). */
export function tail(file: string, lines: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, lines * 400 + 4096);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const all = text.split(/\r?\n/);
    if (length < size) all.shift();
    while (all.length && all[all.length - 1] === '') all.pop();
    return all.slice(-lines);
  } finally {
    fs.closeSync(fd);
  }
}

