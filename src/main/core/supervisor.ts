// The restore sequence and everything that moves services between states:
// power events (coalesced), restores (never two at once, a new one supersedes
// the old), manual control, the heartbeat and the network-back retry.
import type { RestoreStep, RestoreSummary, ServiceId, StatusSnapshot, ZoneProgress } from '../../shared/status';
import type { BackoffOptions } from './backoff';
import type { Clock } from './clock';
import { DisposableStore, Emitter, type Disposable } from './disposable';
import type { Logger } from './logger';
import type { PowerEvent } from './ports';
import type { Service, ServiceRole } from './service';
import { ServiceRunner, type StepResult } from './service-runner';

/**
 * Seek positions as a service reports them, once a second per playing zone.
 * The time stays a number: it becomes the pushed progress's ISO string only
 * for the one reading in five that the throttle sends.
 */
export interface ProgressReading {
  service: ServiceId;
  atMs: number;
  zones: ZoneProgress[];
}

export interface JournalSink {
  (entry: { at: number; kind: 'startup' | 'suspend' | 'resume' | 'restore' | 'heartbeat' | 'manual' | 'lock-screen' | 'unlock-screen' | 'online' | 'offline' | 'shutdown'; source?: string; durationMs?: number; outcome?: string; summary?: string; details?: unknown }): void;
}

export interface WantedStore {
  isWanted(id: ServiceId): boolean;
  setWanted(id: ServiceId, wanted: boolean): void;
  trackingPaused(): boolean;
  setTrackingPaused(paused: boolean): void;
}

export interface SupervisorOptions {
  clock: Clock;
  logger: Logger;
  /** The store (role 'store', the database): restored before the others start, closed after them. */
  database: Service;
  services: Service[];
  wanted: WantedStore;
  timeouts: (id: ServiceId) => number | 'auto';
  backoff: BackoffOptions;
  heartbeatMs: number;
  journal: JournalSink;
  /**
   * The wall clock ahead of the monotonic clock by more than this since the
   * last wake is evidence of a sleep (config.restore.clockJumpMs; 5 s).
   */
  sleepEvidenceMs?: number;
  /**
   * A suspend that is not followed by a sleep (a late signal, a sleep the OS
   * called off): when the process is still running this long after it with no
   * jump of the wall clock, the services are restored (4 s).
   */
  suspendWithoutSleepMs?: number;
}

export class Supervisor {
  readonly runners = new Map<ServiceId, ServiceRunner>();
  private readonly store = new DisposableStore();
  private readonly changed = new Emitter<void>();
  private readonly restoreDone = new Emitter<RestoreSummary>();
  private readonly progressed = new Emitter<ProgressReading>();
  private readonly log: Logger;
  private version = 0;
  private sleeping = false;
  private restoreSeq = 0;
  private current: { id: number; superseded: boolean; done: Promise<RestoreSummary> } | null = null;
  /**
   * wall − monotonic when we last woke (or started, or the wall clock stepped
   * back): a sleep since then shows as this offset growing. The evidence of a
   * sleep is the clocks themselves, never a window on the monotonic clock,
   * which stands still while the machine sleeps.
   */
  private awakeOffset: number;
  /** wall − monotonic at the suspend we are sleeping for. */
  private suspendOffset = 0;
  private suspendCheck: Disposable | null = null;
  private lastRestore: RestoreSummary | null = null;
  private changeQueued = false;
  private disposed = false;
  private readonly storeId: ServiceId;
  private readonly roles = new Map<ServiceId, ServiceRole>();

  constructor(private readonly options: SupervisorOptions) {
    this.log = options.logger.scope('supervisor');
    if (options.database.role !== 'store') throw new Error(`the store must have role 'store', not '${options.database.role}'`);
    const stray = options.services.find((s) => s.role === 'store');
    if (stray) throw new Error(`only one store: ${stray.id} has role 'store'`);
    this.storeId = options.database.id;
    this.awakeOffset = this.clockOffset();
    for (const service of [options.database, ...options.services]) {
      const runner = new ServiceRunner(service, {
        clock: options.clock,
        logger: options.logger,
        backoff: options.backoff,
        timeoutMs: () => options.timeouts(service.id),
        onChange: () => this.notify(),
        onProgress: (zones) => this.progressed.fire({ service: service.id, atMs: options.clock.now(), zones }),
        journal: (e) => options.journal({ at: options.clock.now(), kind: e.kind, summary: e.summary, details: e.details }),
      });
      this.runners.set(service.id, runner);
      this.roles.set(service.id, service.role);
      this.store.add(runner);
    }
    this.store.add(options.clock.setCoarseInterval(() => this.heartbeat(), options.heartbeatMs));
    this.store.add(this.changed);
    this.store.add(this.restoreDone);
    this.store.add(this.progressed);
  }

  get isSleeping(): boolean {
    return this.sleeping;
  }

  onDidChange(fn: () => void) {
    return this.changed.on(fn);
  }

  onDidRestore(fn: (summary: RestoreSummary) => void) {
    return this.restoreDone.on(fn);
  }

  /** Seek positions, apart from the snapshot: every one, unthrottled (the app throttles what it pushes). */
  onDidProgress(fn: (progress: ProgressReading) => void) {
    return this.progressed.on(fn);
  }

  private get db(): ServiceRunner {
    return this.runners.get(this.storeId)!;
  }

  /** The role a service plays (undefined for an id the supervisor does not run). */
  roleOf(id: ServiceId): ServiceRole | undefined {
    return this.roles.get(id);
  }

  /** Every runner but the store's. */
  private others(): ServiceRunner[] {
    return [...this.runners.values()].filter((r) => r.id !== this.storeId);
  }

  private notify(): void {
    this.version++;
    if (this.changeQueued || this.disposed) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      if (!this.disposed) this.changed.fire();
    });
  }

  /** Whether a service should be running now: the user wants it, and tracking is not paused for it. */
  private shouldRun(id: ServiceId): boolean {
    if (id === this.storeId) return true;
    if (!this.options.wanted.isWanted(id)) return false;
    if (this.roles.get(id) === 'tracker' && this.options.wanted.trackingPaused()) return false;
    return true;
  }

  // ---- power -------------------------------------------------------------

  private clockOffset(): number {
    return this.options.clock.now() - this.options.clock.monotonic();
  }

  private get evidenceMs(): number {
    return this.options.sleepEvidenceMs ?? 5000;
  }

  /**
   * How far the wall clock ran ahead of the monotonic clock since the last
   * wake: a sleep when above the threshold. A wall clock set back (NTP, by
   * hand) becomes the new baseline, so it neither counts as a wake nor hides
   * the next sleep.
   */
  private sleptSinceWakeMs(): number {
    const offset = this.clockOffset();
    if (offset < this.awakeOffset) this.awakeOffset = offset;
    return offset - this.awakeOffset;
  }

  /**
   * Every trigger feeds this. A sleep episode is identified by evidence: a
   * suspend we saw, or the wall clock jumping ahead of the monotonic one. A
   * resume with neither since the last wake belongs to that wake (delivered
   * twice, or late) and starts nothing; one after a real sleep always
   * restores, however soon after the previous wake it comes.
   */
  handlePowerEvent(event: PowerEvent): Promise<unknown> {
    switch (event.type) {
      case 'suspend':
        // Never ignored while awake: a suspend a second after a wake may be the next sleep.
        if (this.sleeping) return Promise.resolve();
        return this.suspend(event.source);
      case 'resume': {
        const slept = this.sleptSinceWakeMs();
        if (!this.sleeping && slept <= this.evidenceMs) {
          this.log.info(`coalesced resume from ${event.source}: no suspend and no clock jump since the last wake`);
          return Promise.resolve();
        }
        // How long we slept, when the trigger does not say: by the clocks, since the suspend if we saw one.
        const measured = this.sleeping ? this.clockOffset() - this.suspendOffset : slept;
        return this.wake(event.source, event.sleptMs ?? (measured > this.evidenceMs ? Math.round(measured) : undefined));
      }
      case 'clock-step':
        // The wall clock went back: not a wake; it only moves the baseline.
        this.sleptSinceWakeMs();
        this.log.info(`the wall clock stepped back ${Math.round(-event.stepMs)} ms (${event.source}); not a wake`);
        return Promise.resolve();
      case 'online':
        this.options.journal({ at: this.options.clock.now(), kind: 'online', source: event.source });
        this.networkBack();
        return Promise.resolve();
      default:
        this.options.journal({ at: this.options.clock.now(), kind: event.type, source: event.source });
        return Promise.resolve();
    }
  }

  private markAwake(): void {
    this.sleeping = false;
    this.awakeOffset = this.clockOffset();
    this.suspendCheck?.dispose();
    this.suspendCheck = null;
  }

  private wake(source: string, sleptMs?: number): Promise<RestoreSummary> {
    this.markAwake();
    this.options.journal({ at: this.options.clock.now(), kind: 'resume', source, details: sleptMs === undefined ? undefined : { sleptMs } });
    this.notify();
    return this.restore(`wake (${source})`);
  }

  /**
   * Some while after a suspend the process still runs. A jump of the wall clock
   * since the suspend means we slept and no resume came: wake. No jump means
   * no sleep followed (a late signal, a sleep called off): restore all the same.
   */
  private checkSuspendFollowedBySleep(source: string): void {
    this.suspendCheck?.dispose();
    this.suspendCheck = null;
    if (!this.sleeping) return;
    const slept = this.clockOffset() - this.suspendOffset;
    if (slept > this.evidenceMs) {
      void this.wake('clock-jump', Math.round(slept));
      return;
    }
    this.log.info(`no sleep followed the suspend from ${source}: restoring`);
    void this.wake(`${source} suspend, no sleep followed`);
  }

  /** Stops pollers, timers and sockets, checkpoints and closes the database: within a second. */
  async suspend(source: string): Promise<void> {
    const started = this.options.clock.monotonic();
    this.sleeping = true;
    this.suspendOffset = this.clockOffset();
    this.suspendCheck?.dispose();
    this.suspendCheck = this.options.clock.setTimeout(() => this.checkSuspendFollowedBySleep(source), this.options.suspendWithoutSleepMs ?? 4000);
    this.supersedeCurrent('suspend');
    const others = this.others();
    await Promise.all(others.map((r) => (this.shouldRun(r.id) ? r.halt('paused', 'Paused for sleep', { forSleep: true }) : r.halt(r.state === 'disabled' ? 'disabled' : 'stopped', r.detail))));
    const durationMs = this.options.clock.monotonic() - started;
    this.options.journal({ at: this.options.clock.now(), kind: 'suspend', source, durationMs, outcome: 'ok', summary: `services stopped in ${Math.round(durationMs)} ms` });
    await this.db.halt('paused', 'Paused for sleep', { forSleep: true });
    this.log.info(`suspended (${source}) in ${Math.round(this.options.clock.monotonic() - started)} ms`);
  }

  /** Network back or changed: services waiting retry now, attempts begun on the old network start over. */
  networkBack(): void {
    if (this.sleeping) return;
    for (const runner of this.others()) runner.networkChanged();
  }

  /**
   * The database takes writes again (a lock released, space freed): services
   * that failed meanwhile (their writes did) retry now rather than at their next backoff.
   */
  databaseWritable(): void {
    for (const runner of this.others()) runner.retryNowIfWaiting('the database takes writes again');
  }

  // ---- restore -------------------------------------------------------------

  private supersedeCurrent(reason: string): Promise<unknown> | null {
    const current = this.current;
    if (!current) return null;
    current.superseded = true;
    for (const runner of this.runners.values()) runner.abortAttempt(reason);
    return current.done;
  }

  /**
   * The restore sequence: (1) reopen the database; (2) start every wanted
   * service in parallel, each under its own timeout; (3) a summary. A restore
   * already running is superseded cleanly first: two never overlap.
   */
  async restore(reason: string): Promise<RestoreSummary> {
    const previous = this.supersedeCurrent(`new restore: ${reason}`);
    let resolveDone!: (s: RestoreSummary) => void;
    const run = { id: ++this.restoreSeq, superseded: false, done: new Promise<RestoreSummary>((r) => (resolveDone = r)) };
    this.current = run;
    if (previous) await previous.catch(() => undefined);
    const summary = await this.runRestore(run, reason);
    resolveDone(summary);
    if (this.current === run) this.current = null;
    return summary;
  }

  private async runRestore(run: { id: number; superseded: boolean }, reason: string): Promise<RestoreSummary> {
    const { clock } = this.options;
    const startedAt = clock.now();
    const t0 = clock.monotonic();
    const steps: RestoreStep[] = [];
    if (this.sleeping) this.markAwake();

    const toStep = (r: StepResult): RestoreStep => ({ service: r.service, outcome: r.outcome, durationMs: Math.round(r.durationMs * 10) / 10, error: r.error });
    const dbResult = run.superseded ? null : await this.db.ensureRunning(reason, { force: true, countAsRestore: true });
    if (dbResult) steps.push(toStep(dbResult));

    const others = this.others();
    if (!run.superseded && dbResult?.outcome === 'restored') {
      const results = await Promise.all(
        others.map((runner) => {
          if (!this.shouldRun(runner.id)) {
            const state = !this.options.wanted.isWanted(runner.id) ? 'disabled' : 'paused';
            return runner.halt(state, state === 'disabled' ? 'Turned off' : 'Tracking paused').then(() => ({ service: runner.id, outcome: 'skipped' as const, durationMs: 0, error: null }));
          }
          return runner.ensureRunning(reason, { force: true, countAsRestore: true });
        }),
      );
      for (const r of results) steps.push(toStep(r));
    } else if (!run.superseded) {
      // Without the database nothing can store what it sees: the others wait for it.
      for (const runner of others) {
        if (!this.shouldRun(runner.id)) continue;
        await runner.halt('stopped', 'Waiting for the database');
        steps.push({ service: runner.id, outcome: 'skipped', durationMs: 0, error: 'waiting for the database' });
      }
      this.afterDatabase(reason);
    }

    const durationMs = Math.round((clock.monotonic() - t0) * 10) / 10;
    const superseded = run.superseded;
    const summary: RestoreSummary = {
      id: run.id,
      reason,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(clock.now()).toISOString(),
      durationMs,
      outcome: superseded ? 'superseded' : summarizeOutcome(steps),
      summary: superseded ? 'superseded by a newer restore' : summarize(steps),
      steps,
    };
    this.options.journal({ at: clock.now(), kind: 'restore', source: reason, durationMs, outcome: summary.outcome, summary: summary.summary, details: { id: run.id, steps } });
    this.log.info(`restore #${run.id} (${reason}): ${summary.summary} in ${durationMs} ms — ${steps.map((s) => `${s.service} ${s.outcome} ${Math.round(s.durationMs)} ms`).join(', ')}`);
    if (!superseded) {
      this.lastRestore = summary;
      this.restoreDone.fire(summary);
    }
    this.notify();
    return summary;
  }

  /** When the database comes back by its own retries, start what waited for it. */
  private afterDatabase(reason: string): void {
    const sub = this.changed.on(() => {
      if (this.db.state !== 'running') return;
      sub.dispose();
      this.store.delete(sub);
      if (!this.sleeping) void this.restore(`${reason}, database back`);
    });
    this.store.add(sub);
  }

  // ---- manual control --------------------------------------------------------

  async restart(id: ServiceId): Promise<StepResult | null> {
    this.options.journal({ at: this.options.clock.now(), kind: 'manual', summary: `restart ${id}` });
    if (id === this.storeId) return (await this.restore(`restart ${id}`)).steps[0] as StepResult;
    if (!this.shouldRun(id)) return null;
    return this.runners.get(id)!.ensureRunning('restart', { force: true });
  }

  async setWanted(id: ServiceId, wanted: boolean): Promise<void> {
    if (id === this.storeId) throw new Error(`the ${id} cannot be turned off`);
    this.options.wanted.setWanted(id, wanted);
    this.options.journal({ at: this.options.clock.now(), kind: 'manual', summary: `${wanted ? 'start' : 'stop'} ${id}` });
    const runner = this.runners.get(id)!;
    if (!wanted) await runner.halt('disabled', 'Turned off');
    else if (this.sleeping) await runner.halt('paused', 'Paused for sleep');
    else if (this.shouldRun(id)) await runner.ensureRunning('started by you', { force: true });
    // Wanted again, but tracking is paused: no longer "Turned off".
    else await runner.halt('paused', 'Tracking paused');
  }

  async setTrackingPaused(paused: boolean): Promise<void> {
    this.options.wanted.setTrackingPaused(paused);
    this.options.journal({ at: this.options.clock.now(), kind: 'manual', summary: paused ? 'pause tracking' : 'resume tracking' });
    await Promise.all(
      this.others().map((runner) => {
        const id = runner.id;
        if (this.roles.get(id) !== 'tracker' || !this.options.wanted.isWanted(id)) return undefined;
        return paused ? runner.halt('paused', 'Tracking paused') : this.sleeping ? undefined : runner.ensureRunning('tracking resumed', { force: true });
      }),
    );
  }

  private heartbeat(): void {
    if (this.sleeping) return;
    for (const runner of this.runners.values()) runner.checkHealth();
  }

  // ---- status ------------------------------------------------------------------

  snapshot(): StatusSnapshot {
    const services = [...this.runners.values()].map((r) => r.toStatus(r.id === this.storeId || this.options.wanted.isWanted(r.id)));
    const trackingPaused = this.options.wanted.trackingPaused();
    const relevant = services.filter((s) => s.state !== 'disabled' && s.state !== 'not-configured');
    let overall: StatusSnapshot['overall'] = 'ok';
    if (this.sleeping) overall = 'paused';
    else if (relevant.some((s) => s.state === 'error')) overall = 'error';
    else if (relevant.some((s) => s.state === 'reconnecting' || s.state === 'starting' || s.state === 'waiting-authorisation' || s.state === 'waiting' || (s.state === 'stopped' && s.wanted))) overall = 'degraded';
    return {
      version: this.version,
      generatedAt: new Date(this.options.clock.now()).toISOString(),
      overall,
      summary: overallSummary(overall, services, trackingPaused),
      sleeping: this.sleeping,
      trackingPaused,
      services,
      lastRestore: this.lastRestore,
    };
  }

  /** Stops everything (quit, SIGTERM): services first, the database last. */
  async shutdown(): Promise<void> {
    this.supersedeCurrent('shutdown');
    const others = this.others();
    await Promise.all(others.map((r) => r.halt('stopped', 'Stopped')));
    await this.db.halt('stopped', 'Closed');
    this.dispose();
  }

  /** Waits for every queued start/stop (tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.settle()));
  }

  dispose(): void {
    if (this.disposed) return;
    this.suspendCheck?.dispose();
    this.suspendCheck = null;
    this.store.dispose();
    this.disposed = true;
  }
}

function summarizeOutcome(steps: RestoreStep[]): RestoreSummary['outcome'] {
  const counted = steps.filter((s) => s.outcome !== 'skipped');
  if (counted.every((s) => s.outcome === 'restored')) return 'ok';
  if (counted.some((s) => s.outcome === 'restored')) return 'partial';
  return 'failed';
}

/** "3 restored, 1 reconnecting" */
export function summarize(steps: RestoreStep[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) {
    const key = s.outcome === 'timeout' ? 'reconnecting' : s.outcome;
    if (key === 'skipped' || key === 'superseded') continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = ['restored', 'reconnecting', 'failed'];
  const parts = order.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`);
  return parts.length ? parts.join(', ') : 'nothing to restore';
}

function overallSummary(overall: StatusSnapshot['overall'], services: StatusSnapshot['services'], trackingPaused: boolean): string {
  if (overall === 'paused') return 'Paused for sleep';
  const trouble = services.filter((s) => ['reconnecting', 'error', 'waiting-authorisation', 'starting', 'waiting'].includes(s.state));
  if (trouble.length) {
    return trouble
      .map((s) => {
        if (s.state === 'reconnecting') return `Reconnecting ${s.label}…${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`;
        if (s.state === 'waiting-authorisation') return `${s.label} needs authorisation`;
        if (s.state === 'starting') return `Starting ${s.label}…`;
        if (s.state === 'waiting') return `${s.label}: ${s.detail}`;
        return `${s.label}: ${s.lastError ?? 'error'}`;
      })
      .join(' · ');
  }
  if (trackingPaused) return 'Tracking paused';
  const running = services.filter((s) => s.state === 'running').length;
  return `All well: ${running} service${running === 1 ? '' : 's'} running`;
}
