// One service's state machine. Every start and stop of a service goes through
// its runner's queue, so a service is never started twice and never stopped
// while a start is half done; an AbortController per attempt makes a timeout
// or a superseding restore really cancel the start.
import type { ImportProgress, JobStatus, ServiceId, ServiceState, ServiceStatus, ZoneNowPlaying, ZoneProgress } from '../../shared/status';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { Clock } from './clock';
import type { Disposable } from './disposable';
import { raceAbort } from './abort';
import type { Logger } from './logger';
import { ServiceMetricsRecorder } from './metrics';
import { ServiceError, errorMessage, isNetworkError, isOfflineError, type Service, type ServiceHost, type ServiceReport } from './service';

class StartTimeoutError extends Error {
  constructor(readonly label: string, readonly ms: number) {
    super(`${label} did not start within ${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`);
    this.name = 'StartTimeoutError';
  }
}

class SupersededError extends Error {
  constructor(reason: string) {
    super(`superseded: ${reason}`);
    this.name = 'SupersededError';
  }
}

export type StepOutcome = 'restored' | 'reconnecting' | 'failed' | 'timeout' | 'skipped' | 'superseded';
export interface StepResult {
  service: ServiceId;
  outcome: StepOutcome;
  durationMs: number;
  error: string | null;
}

export interface RunnerOptions {
  clock: Clock;
  logger: Logger;
  backoff: BackoffOptions;
  timeoutMs: () => number | 'auto';
  onChange: () => void;
  /** Seek positions moved and nothing else did (see applyReport). */
  onProgress?: (zones: ZoneProgress[]) => void;
  journal: (entry: { kind: 'heartbeat' | 'manual'; summary: string; details?: unknown }) => void;
  /** Suspend must finish within a second: a stop slower than this is left behind. */
  stopBudgetMs?: number;
  /**
   * While a service waits for the network or for a peer that refuses or drops
   * it, it probes every `intervalMs` (±25 %) for the first `windowMs` of the
   * outage, then backs off as usual: a Core or Wi-Fi that is back is used within
   * a fraction of a second, one gone for good costs little.
   */
  fastProbe?: { intervalMs: number; windowMs: number };
}

export const DEFAULT_FAST_PROBE = { intervalMs: 400, windowMs: 180_000 };

/**
 * A probe that fails like the one before changes nothing a person needs to
 * see but the attempt number: such changes go out at most this often, so a
 * Core away for minutes does not rebuild the snapshot (and the tray menu)
 * several times a second.
 */
export const PROBE_NOTIFY_MS = 5000;

export class ServiceRunner implements Disposable {
  state: ServiceState = 'stopped';
  since: number;
  lastSuccessAt: number | null = null;
  lastError: string | null = null;
  attempt = 0;
  nextRetryAt: number | null = null;
  detail = 'Not started';
  nowPlaying: ZoneNowPlaying[] | undefined;
  jobs: JobStatus[] | undefined;
  import: ImportProgress | undefined;
  readonly metrics = new ServiceMetricsRecorder();

  private condition: ServiceReport['condition'];
  private reportedDetail = false;
  private generation = 0;
  private controller: AbortController | null = null;
  private retryTimer: Disposable | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private lastFailureWasNetwork = false;
  private lastFailureWasOffline = false;
  /** Monotonic start of the current run of failures (an outage awake; a sleep halts and resets it). */
  private failingSince: number | null = null;
  /** Retries of this run of failures that were quick probes: the backoff counts only the others. */
  private probes = 0;
  private lastFailureMessage: string | null = null;
  /** The pending retry is a quick probe (see retryDelay). */
  private retryIsProbe = false;
  /** Monotonic time of the last change this runner announced. */
  private lastNotifyAt = Number.NEGATIVE_INFINITY;
  private probeNotifyTimer: Disposable | null = null;
  /**
   * An attempt in flight that a network change aborted and started again: the
   * restore that began it follows it to the new attempt's outcome instead of
   * reading "superseded" (nothing newer replaced the restore).
   */
  private handOver: { gen: number; next: Promise<StepResult> } | null = null;
  private readonly followedBy = new WeakMap<StepResult, Promise<StepResult>>();
  private active = false;
  private readonly log: Logger;

  constructor(
    readonly service: Service,
    private readonly options: RunnerOptions,
  ) {
    this.since = options.clock.now();
    this.log = options.logger.scope(service.id);
  }

  get id(): ServiceId {
    return this.service.id;
  }


  private setState(state: ServiceState, detail?: string, options: { probe?: boolean } = {}): void {
    const probeOnly = options.probe === true && state === this.state;
    if (state !== this.state) {
      this.state = state;
      this.since = this.options.clock.now();
    }
    if (detail !== undefined) this.detail = detail;
    if (state !== 'reconnecting') this.nextRetryAt = null;
    if (probeOnly) this.notifyProbe();
    else this.notify();
  }

  private notify(): void {
    this.probeNotifyTimer?.dispose();
    this.probeNotifyTimer = null;
    this.lastNotifyAt = this.options.clock.monotonic();
    this.options.onChange();
  }

  /** A probe's change: now when the last announcement is old enough, else once at the end of the quiet spell. */
  private notifyProbe(): void {
    const { clock } = this.options;
    const due = this.lastNotifyAt + PROBE_NOTIFY_MS - clock.monotonic();
    if (due <= 0) return this.notify();
    this.probeNotifyTimer ??= clock.setTimeout(() => this.notify(), due);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private cancelRetry(): void {
    this.retryTimer?.dispose();
    this.retryTimer = null;
    this.nextRetryAt = null;
  }

  /** Aborts an attempt in flight and invalidates its host. */
  abortAttempt(reason: string): void {
    this.generation++;
    this.controller?.abort(new SupersededError(reason));
    this.controller = null;
  }

  /**
   * Starts the service (restarting it when `force`), resolving when this first
   * attempt has an outcome. Failures schedule retries; they never throw.
   */
  ensureRunning(reason: string, options: { force?: boolean; countAsRestore?: boolean } = {}): Promise<StepResult> {
    return this.startOnce(reason, options).then((result) => {
      const next = this.followedBy.get(result);
      return next ? next.then((r) => ({ ...r, durationMs: result.durationMs + r.durationMs })) : result;
    });
  }

  private startOnce(reason: string, options: { force?: boolean; countAsRestore?: boolean }): Promise<StepResult> {
    const probe = reason === 'retry' && this.retryIsProbe;
    this.cancelRetry();
    if (options.force) this.abortAttempt(reason);
    const gen = this.generation;
    return this.enqueue(async () => {
      if (gen !== this.generation) return this.result('superseded', 0, null);
      if (!options.force && (this.state === 'running' || this.state === 'waiting-authorisation' || this.state === 'waiting') && this.active) {
        return this.result('restored', 0, null);
      }
      if (this.active) await this.stopService();
      if (options.countAsRestore) this.metrics.restores++;
      return this.tryStart(reason, probe);
    });
  }

  private result(outcome: StepOutcome, durationMs: number, error: string | null): StepResult {
    return { service: this.id, outcome, durationMs, error };
  }

  private async tryStart(reason: string, probe = false): Promise<StepResult> {
    const { clock } = this.options;
    const notConfigured = this.service.notConfigured();
    if (notConfigured) {
      this.attempt = 0;
      this.setState('not-configured', notConfigured);
      return this.result('skipped', 0, null);
    }
    const gen = ++this.generation;
    const controller = new AbortController();
    this.controller = controller;
    const timeoutMs = this.metrics.effectiveTimeout(this.options.timeoutMs());
    const timer = clock.setTimeout(() => controller.abort(new StartTimeoutError(this.service.label, timeoutMs)), timeoutMs);
    this.condition = undefined;
    this.reportedDetail = false;
    this.setState(this.attempt > 0 ? 'reconnecting' : 'starting', this.attempt > 0 ? `Reconnecting (attempt ${this.attempt + 1})…` : `Starting (${reason})…`, { probe });
    const started = clock.monotonic();
    this.active = true;
    try {
      await raceAbort(this.service.start(controller.signal, this.hostFor(gen)), controller.signal);
      const duration = clock.monotonic() - started;
      if (gen !== this.generation) return this.superseded(gen, duration);
      this.metrics.successes++;
      this.metrics.recordDuration(duration);
      this.attempt = 0;
      this.resetFailures();
      this.lastSuccessAt = clock.now();
      this.lastFailureWasNetwork = false;
      const state = this.condition === 'waiting-authorisation' || this.condition === 'waiting' ? this.condition : 'running';
      this.setState(state, this.reportedDetail ? undefined : 'Running');
      this.log.info(`started in ${Math.round(duration)} ms (${reason})`);
      return this.result('restored', duration, null);
    } catch (error) {
      const duration = clock.monotonic() - started;
      const reasonOfAbort = controller.signal.reason;
      const timedOut = controller.signal.aborted && reasonOfAbort instanceof StartTimeoutError;
      const cause = controller.signal.aborted ? reasonOfAbort : error;
      await this.stopService();
      if (gen !== this.generation || reasonOfAbort instanceof SupersededError) return this.superseded(gen, duration);
      const message = errorMessage(cause);
      this.lastError = message;
      if (timedOut) this.metrics.timeouts++;
      else this.metrics.failures++;
      if (cause instanceof ServiceError && !cause.retryable) {
        this.attempt = 0;
        this.resetFailures();
        this.setState('error', message);
        this.log.error(`cannot start: ${message}`);
        return this.result('failed', duration, message);
      }
      this.lastFailureWasNetwork = isNetworkError(cause);
      this.lastFailureWasOffline = isOfflineError(cause);
      this.scheduleRetry(message);
      // Probing a Core that is away fails a few times a second: say each new reason once.
      if (message !== this.lastFailureMessage) this.log.warn(`start failed after ${Math.round(duration)} ms: ${message}`);
      else this.log.debug(`start failed again (attempt ${this.attempt}): ${message}`);
      this.lastFailureMessage = message;
      return this.result(timedOut ? 'timeout' : 'reconnecting', duration, message);
    } finally {
      timer.dispose();
      if (this.controller === controller) this.controller = null;
    }
  }

  /** This attempt was aborted: by a network change that started it again (followed, see ensureRunning), or by something newer. */
  private superseded(gen: number, durationMs: number): StepResult {
    const result = this.result('superseded', durationMs, null);
    if (this.handOver?.gen === gen) this.followedBy.set(result, this.handOver.next);
    return result;
  }

  private resetFailures(): void {
    this.failingSince = null;
    this.probes = 0;
    this.lastFailureMessage = null;
    this.retryIsProbe = false;
  }

  private retryDelay(): { wait: number; probe: boolean } {
    const { clock, backoff } = this.options;
    const fast = this.options.fastProbe ?? DEFAULT_FAST_PROBE;
    this.failingSince ??= clock.monotonic();
    if (this.lastFailureWasNetwork && clock.monotonic() - this.failingSince < fast.windowMs) {
      this.probes++;
      const random = backoff.random ?? Math.random;
      return { wait: Math.round(fast.intervalMs * (0.75 + random() * 0.5)), probe: true };
    }
    return { wait: backoffDelay(this.attempt - this.probes, backoff), probe: false };
  }

  private scheduleRetry(message: string, immediate = false): void {
    // The same failure again while probing: only the attempt number moves (see PROBE_NOTIFY_MS).
    const repeated = this.state === 'reconnecting' && message === this.lastFailureMessage;
    this.attempt++;
    const { wait, probe } = immediate ? { wait: 0, probe: false } : this.retryDelay();
    this.cancelRetry();
    this.retryIsProbe = probe;
    const networkNote = this.lastFailureWasOffline ? ' (waiting for the network)' : '';
    this.nextRetryAt = this.options.clock.now() + wait;
    this.setState('reconnecting', `Reconnecting${networkNote}: ${message}`, { probe: probe && repeated });
    // setState cleared nextRetryAt only for other states: this one keeps it.
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.ensureRunning('retry');
    }, wait);
  }

  private hostFor(gen: number): ServiceHost {
    return {
      report: (report) => {
        if (gen !== this.generation) return;
        this.applyReport(report);
      },
      fail: (error, options) => {
        if (gen !== this.generation) return;
        this.lostWhileRunning(error, options?.retryNow ?? false);
      },
      fatal: (error) => {
        if (gen !== this.generation) return;
        this.generation++;
        void this.enqueue(async () => {
          await this.stopService();
          this.lastError = error.message;
          this.setState('error', error.message);
        });
      },
    };
  }

  private applyReport(report: ServiceReport): void {
    // A playing zone reports its seek position every second: that is progress,
    // not a new picture, so it goes out apart from the snapshot (which still
    // reads the latest position, and the latest success, when it is next built).
    if (this.isProgressOnly(report)) {
      if (report.success) this.lastSuccessAt = this.options.clock.now();
      this.nowPlaying = report.nowPlaying;
      this.options.onProgress?.(report.nowPlaying.map((z) => ({ zoneId: z.zoneId, seekSeconds: z.seekSeconds })));
      return;
    }
    if (report.detail !== undefined) {
      this.detail = report.detail;
      this.reportedDetail = true;
    }
    if (report.success) this.lastSuccessAt = this.options.clock.now();
    if (report.nowPlaying) this.nowPlaying = report.nowPlaying;
    if (report.jobs) this.jobs = report.jobs;
    if (report.import) this.import = report.import;
    if (report.condition) {
      this.condition = report.condition;
      if (this.state === 'running' || this.state === 'waiting-authorisation' || this.state === 'waiting') this.setState(report.condition);
    }
    this.options.onChange();
  }

  /** True when the report moves seek positions and changes nothing else a snapshot shows (but the time of the last success). */
  private isProgressOnly(report: ServiceReport): report is ServiceReport & { nowPlaying: ZoneNowPlaying[] } {
    if (!report.nowPlaying || !this.nowPlaying || report.jobs || report.import) return false;
    if (report.detail !== undefined && report.detail !== this.detail) return false;
    if (report.condition !== undefined && report.condition !== this.condition) return false;
    const zones = this.nowPlaying;
    if (report.nowPlaying.length !== zones.length) return false;
    let moved = false;
    for (const [i, z] of report.nowPlaying.entries()) {
      const was = zones[i]!;
      const same = z.zoneId === was.zoneId && z.zoneName === was.zoneName && z.state === was.state && z.title === was.title && z.artist === was.artist && z.album === was.album && z.lengthSeconds === was.lengthSeconds;
      if (!same) return false;
      moved ||= z.seekSeconds !== was.seekSeconds;
    }
    return moved;
  }

  /** The running service lost its link (or the heartbeat found it silent). */
  lostWhileRunning(error: Error, retryNow: boolean): void {
    this.generation++;
    void this.enqueue(async () => {
      await this.stopService();
      this.lastError = error.message;
      this.lastFailureWasNetwork = isNetworkError(error);
      this.lastFailureWasOffline = isOfflineError(error);
      this.log.warn(`lost: ${error.message}`);
      this.scheduleRetry(error.message, retryNow && this.attempt === 0);
    });
  }

  /**
   * The network changed (an interface came back, an address moved). A service
   * waiting to retry tries now; an attempt in flight started on the old network
   * and may hang on a dead route (a SYN nobody answers): it is aborted and
   * started again at once.
   */
  networkChanged(): boolean {
    if (this.retryNowIfWaiting('network is back')) return true;
    if ((this.state === 'starting' || this.state === 'reconnecting') && this.controller) {
      const gen = this.generation;
      const next = this.ensureRunning('network changed', { force: true });
      this.handOver = { gen, next };
      void next.finally(() => {
        if (this.handOver?.next === next) this.handOver = null;
      });
      return true;
    }
    return false;
  }

  /** What a failed attempt waited for is back (the database takes writes again): retry now, not at the end of the backoff. */
  retryNowIfWaiting(reason: string): boolean {
    if (this.state !== 'reconnecting' || !this.retryTimer) return false;
    void this.ensureRunning(reason);
    return true;
  }

  /** Stops the service and leaves it in a halted state ('stopped', 'paused', 'disabled'). */
  halt(state: 'stopped' | 'paused' | 'disabled', detail: string, options: { forSleep?: boolean } = {}): Promise<void> {
    this.cancelRetry();
    this.abortAttempt(`halt: ${detail}`);
    const gen = this.generation;
    this.resetFailures();
    return this.enqueue(async () => {
      if (options.forSleep) {
        try {
          await this.withinBudget(Promise.resolve(this.service.prepareForSleep?.()));
        } catch (error) {
          this.log.warn('prepareForSleep failed', error);
        }
      }
      await this.stopService();
      if (gen !== this.generation) return;
      this.attempt = 0;
      this.condition = undefined;
      this.nowPlaying = this.nowPlaying?.map((z) => ({ ...z, state: 'stopped' as const }));
      this.setState(state, detail);
    });
  }

  private async stopService(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    try {
      await this.withinBudget(this.service.stop());
    } catch (error) {
      this.log.warn('stop failed', error);
    }
    // A stopped service runs no import: its last report must not say "running" (with an ETA) meanwhile.
    if (this.import?.state === 'running') this.import = { ...this.import, state: 'paused', etaSeconds: null };
  }

  private withinBudget(promise: Promise<unknown>): Promise<unknown> {
    const budget = this.options.stopBudgetMs ?? 900;
    let timer: Disposable | undefined;
    const late = new Promise<void>((resolve) => {
      timer = this.options.clock.setTimeout(() => {
        this.log.warn(`did not stop within ${budget} ms; moving on`);
        resolve();
      }, budget);
    });
    return Promise.race([promise, late]).finally(() => timer?.dispose());
  }

  /** For the heartbeat: running but silent means dead. */
  checkHealth(): string | null {
    if (this.state !== 'running' || !this.active) return null;
    let probe;
    try {
      probe = this.service.probe();
    } catch (error) {
      probe = { ok: false as const, reason: errorMessage(error) };
    }
    if (probe.ok) return null;
    this.options.journal({ kind: 'heartbeat', summary: `${this.service.label} restarted: ${probe.reason}`, details: { service: this.id, reason: probe.reason } });
    this.lostWhileRunning(new Error(`no sign of life: ${probe.reason}`), true);
    return probe.reason;
  }

  /** Waits until every queued start/stop has finished (tests, shutdown). */
  settle(): Promise<void> {
    return this.queue.then(() => undefined);
  }


  toStatus(wanted: boolean): ServiceStatus {
    const { p50, p95 } = this.metrics.quantiles();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const status: ServiceStatus = {
      id: this.id,
      label: this.service.label,
      state: this.state,
      since: new Date(this.since).toISOString(),
      lastSuccessAt: iso(this.lastSuccessAt),
      lastError: this.lastError,
      attempt: this.attempt,
      nextRetryAt: iso(this.nextRetryAt),
      detail: this.detail,
      wanted,
      metrics: {
        restores: this.metrics.restores,
        successes: this.metrics.successes,
        timeouts: this.metrics.timeouts,
        failures: this.metrics.failures,
        p50Ms: p50 === null ? null : Math.round(p50 * 10) / 10,
        p95Ms: p95 === null ? null : Math.round(p95 * 10) / 10,
        effectiveTimeoutMs: this.metrics.effectiveTimeout(this.options.timeoutMs()),
      },
    };
    if (this.nowPlaying) status.nowPlaying = this.nowPlaying;
    if (this.jobs) status.jobs = this.jobs;
    if (this.import) status.import = this.import;
    return status;
  }

  dispose(): void {
    this.cancelRetry();
    this.probeNotifyTimer?.dispose();
    this.probeNotifyTimer = null;
    this.abortAttempt('disposed');
  }
}
