// The Last.fm tracker: proves the key on start, catches up on everything
// scrobbled since the newest stored Last.fm play, then polls. It also owns the
// full-history import, so both share one client, one rate limit and one stop().
//
// Late scrobbles: Last.fm accepts a scrobble up to 14 days after the listen,
// dated with its real start. A poll re-reads a short window before the newest
// stored scrobble; the lastfm-sync job, and the first read after more than an
// hour without one (a sleep, the app closed), re-read the whole 14 days.
import { raceAbort } from '../../core/abort';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { DisposableStore, type Disposable } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import { silentLogger } from '../../core/logger';
import { ServiceError, errorMessage, type HealthProbe, type Service, type ServiceHost, type ServiceReport } from '../../core/service';
import type { EncoreDatabase } from '../../db/database';
import { PlayStore } from '../../db/plays';
import { StateStore } from '../../db/state';
import type { Config } from '../../../shared/config';
import type { ImportProgress, LastfmRejectedList, RejectCounts, ZoneNowPlaying } from '../../../shared/status';
import { LastfmClient, LastfmError, type NowPlayingTrack, type RecentTracksPage, type RejectedEntry } from './client';
import { LastfmImport } from './import';
import { ingestInChunks, isFatal, isRateLimited, retryDelayMs, scrobblesToPlays } from './policy';
import { RateLimiter } from './rate-limiter';
import { countByReason, describeCounts, RejectedStore, type RejectOrigin } from './rejected-store';

export type LastfmConfig = Config['lastfm'];

export interface LastfmServiceOptions {
  /** Read on every start, so changed settings apply on the next (re)start. The host merges in a key kept in the secret store. */
  config: () => LastfmConfig;
  database: EncoreDatabase;
  plays?: PlayStore;
  state?: StateStore;
  clock?: Clock;
  logger?: Logger;
  /** The app version for the User-Agent. */
  version?: string;
  fetch?: typeof fetch;
}

export interface SyncResult {
  pages: number;
  inserted: number;
  merged: number;
  duplicates: number;
  /** Entries skipped (kept in the rejected table), by reason. */
  skipped: RejectCounts;
  nowPlaying: NowPlayingTrack | null;
  /** Last.fm answered error 7: the account has no scrobbles yet. */
  noScrobblesYet: boolean;
  /** The whole 14-day window was read (not only the short one). */
  fullWindow: boolean;
}

const PAGE_SIZE = 200;
/** probe() turns unhealthy after this many poll intervals without a good poll. */
const HEALTHY_INTERVALS = 3;

/** Everything one start() owns; stop() disposes it whole. */
interface Run {
  host: ServiceHost;
  client: LastfmClient;
  controller: AbortController;
  store: DisposableStore;
  pollTimer: Disposable | null;
  pending: Set<Promise<unknown>>;
  failures: number;
  pollMs: number;
}

/** How far back each poll looks for scrobbles that arrived late. */
export const LATE_SCROBBLE_WINDOW_MS = 3 * 3600_000;
/** How late Last.fm accepts a scrobble: what the sync job and a read after a long gap re-read. */
export const LASTFM_ACCEPT_WINDOW_MS = 14 * 86_400_000;
/** A gap without a successful read longer than this (a sleep, the app closed) is followed by a 14-day read. */
export const LONG_GAP_MS = 3600_000;
/** Wall-clock time of the last successful read (StateStore): a gap must be measurable across sleep and restarts. */
export const LAST_SYNC_KEY = 'lastfm.lastSyncAt';

interface SyncInFlight {
  promise: Promise<SyncResult>;
  full: boolean;
}

export class LastfmService implements Service {
  readonly id = 'lastfm' as const;
  readonly role = 'tracker' as const;
  readonly label = 'Last.fm';
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly plays: PlayStore;
  private readonly state: StateStore;
  private readonly limiter: RateLimiter;
  private readonly importer: LastfmImport;
  private readonly rejected: RejectedStore;
  private run: Run | null = null;
  private syncing: SyncInFlight | null = null;
  private lastSuccess: number | null = null;
  /** Wall clock of the last successful read, when the database could not keep it. */
  private lastSyncAtMemory: number | null = null;
  private nowPlaying: NowPlayingTrack | null = null;

  constructor(private readonly options: LastfmServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).scope('lastfm');
    const now = () => this.clock.now();
    this.plays = options.plays ?? new PlayStore(options.database, now);
    this.state = options.state ?? new StateStore(options.database, now);
    this.rejected = new RejectedStore(options.database, now);
    this.limiter = new RateLimiter(this.clock, () => this.options.config().importRatePerSecond);
    this.importer = new LastfmImport({
      database: options.database,
      plays: this.plays,
      state: this.state,
      clock: this.clock,
      logger: this.log.scope('lastfm-import'),
      ratePerSecond: () => this.options.config().importRatePerSecond,
      blockedForMs: () => this.limiter.blockedForMs(),
      recordRejected: (entries) => this.recordRejected(entries, 'import'),
      onProgress: (progress, detail) => this.report(detail ? { import: progress, detail } : { import: progress }),
    });
  }

  /** The limiter every request of this service goes through (tests, benchmarks). */
  get rateLimiter(): RateLimiter {
    return this.limiter;
  }

  /** Skipped entries for the window (GET /api/lastfm/rejected). */
  rejectedEntries(limit: number): LastfmRejectedList {
    return this.rejected.list(limit);
  }

  notConfigured(): string | null {
    const { user, apiKey } = this.options.config();
    return user && apiKey ? null : 'Last.fm: set your user name and API key in Settings';
  }

  private createClient(): LastfmClient {
    const problem = this.notConfigured();
    if (problem) throw new ServiceError(problem, { retryable: false });
    const config = this.options.config();
    return new LastfmClient({
      apiRoot: config.apiRoot,
      apiKey: config.apiKey!,
      user: config.user!,
      requestTimeoutMs: config.requestTimeoutMs,
      version: this.options.version ?? '0.0.0',
      clock: this.clock,
      fetch: this.options.fetch,
      limiter: this.limiter,
    });
  }

  async start(signal: AbortSignal, host: ServiceHost): Promise<void> {
    signal.throwIfAborted();
    const client = this.createClient();
    // Waiting out error 29 is the limiter's job; a start now would only queue
    // behind it until its timeout. Say so at once, without asking Last.fm.
    const blocked = this.limiter.blockedForMs();
    if (blocked > 0) {
      throw new LastfmError(`Last.fm is rate limiting Encore (error 29); every request waits ${Math.ceil(blocked / 1000)} s more before asking again`, 'rate-limited', 29);
    }
    const pollMs = this.options.config().pollSeconds * 1000;
    const run: Run = {
      host,
      client,
      controller: new AbortController(),
      store: new DisposableStore(),
      pollTimer: null,
      pending: new Set(),
      failures: 0,
      pollMs,
    };
    this.run = run;
    try {
      // The first page of the catch-up doubles as the proof that user and key work.
      const full = this.longGap();
      const firstPage = await this.track(run, this.sync(client, run.controller.signal, { full, untilFirstPage: AbortSignal.any([signal, run.controller.signal]) }));
      // stop() raced the first answer: this start is over.
      run.controller.signal.throwIfAborted();
      this.succeeded(run, firstPage);
    } catch (error) {
      await this.stop();
      if (!signal.aborted) this.log.warn(`start failed: ${errorMessage(error)}`);
      throw error;
    }
    this.log.info(`started for ${client.user}; polling ${pollMs ? `every ${pollMs / 1000} s` : 'off'}`);
    // Older pages of a long gap continue in the background (the poll joins
    // them); the tracker already runs.
    if (this.syncing) void this.poll(run);
    else this.schedulePoll(run, run.pollMs);
    this.importer.resume(client, run.controller.signal);
    if (this.importer.running) this.report({ import: this.importer.progress() });
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.controller.abort(new ServiceError('Last.fm tracker stopped'));
    run.store.dispose();
    await Promise.allSettled([this.importer.pause(), ...run.pending, this.syncing?.promise]);
    this.log.info('stopped');
  }

  probe(): HealthProbe {
    const run = this.run;
    if (!run || !run.pollMs || this.lastSuccess === null) return { ok: true };
    // Waiting out Last.fm's rate limit is deliberate; a restart would only add requests.
    if (this.limiter.blockedForMs() > 0) return { ok: true };
    const silentMs = this.clock.monotonic() - this.lastSuccess;
    const limit = HEALTHY_INTERVALS * run.pollMs + this.options.config().requestTimeoutMs;
    if (silentMs <= limit) return { ok: true };
    return { ok: false, reason: `Last.fm: no successful poll for ${Math.round(silentMs / 60_000)} min` };
  }

  /**
   * Re-reads Last.fm's whole 14-day window (and everything since the newest
   * stored scrobble, if that is older): what other devices scrobbled late is
   * stored, what is already stored is a no-op. The scheduler's "Last.fm sync"
   * job calls this, polling or not; a 14-day read already under way is
   * joined, a short poll under way is let finish first.
   */
  async catchUp(signal: AbortSignal): Promise<SyncResult> {
    const run = this.run;
    if (run) {
      const result = await raceAbort(this.track(run, this.sync(run.client, run.controller.signal, { full: true })), signal);
      this.succeeded(run, result);
      return result;
    }
    if (this.limiter.blockedForMs() > 0) {
      throw new LastfmError(`Last.fm is rate limiting Encore (error 29); the sync waits ${Math.ceil(this.limiter.blockedForMs() / 1000)} s more`, 'rate-limited', 29);
    }
    return this.sync(this.createClient(), signal, { full: true });
  }

  /** Starts the full-history import, or resumes the unfinished one (POST /api/lastfm/import). */
  startImport(): ImportProgress {
    const problem = this.notConfigured();
    if (problem) throw new ServiceError(problem, { retryable: false });
    const run = this.run;
    const progress = this.importer.request(this.options.config().user!, run?.client ?? null, run?.controller.signal ?? null);
    return progress;
  }

  /** Stops the import, keeping what it stored (DELETE /api/lastfm/import). */
  cancelImport(): Promise<ImportProgress> {
    return this.importer.cancel();
  }

  /** For /api/status and the window. */
  importProgress(): ImportProgress {
    return this.importer.progress();
  }

  private report(report: ServiceReport): void {
    this.run?.host.report(report);
  }

  private track<T>(run: Run, promise: Promise<T>): Promise<T> {
    run.pending.add(promise);
    void promise.then(
      () => run.pending.delete(promise),
      () => run.pending.delete(promise),
    );
    return promise;
  }

  private async poll(run: Run): Promise<void> {
    if (this.run !== run) return;
    try {
      // The service notices a long gap itself (a sleep the supervisor did not
      // turn into a restart): the read after it covers the 14 days.
      const result = await this.track(run, this.sync(run.client, run.controller.signal, { full: this.longGap() }));
      if (this.run !== run) return;
      run.failures = 0;
      this.succeeded(run, result);
      this.schedulePoll(run, run.pollMs);
    } catch (error) {
      if (this.run !== run || run.controller.signal.aborted) return;
      if (isFatal(error)) {
        this.log.error(errorMessage(error));
        run.host.fatal(error as Error);
        return;
      }
      run.failures++;
      const wait = retryDelayMs(error, run.failures, this.limiter.blockedForMs());
      if (isRateLimited(error)) this.log.warn('Last.fm answered error 29: every request to it (polls, the import, the sync job) now waits');
      this.log.warn(`poll failed (${run.failures} in a row): ${errorMessage(error)}; retrying in ${Math.round(wait / 1000)} s`);
      run.host.report({ detail: `Last.fm: ${errorMessage(error)}; retrying in ${Math.round(wait / 1000)} s` });
      // With polling off the retry still happens: the catch-up after a wake must not be lost.
      this.schedulePoll(run, wait, true);
    }
  }

  private schedulePoll(run: Run, ms: number, retry = false): void {
    if (run.pollTimer) run.store.delete(run.pollTimer);
    run.pollTimer = null;
    if (!ms || (!retry && !run.pollMs)) return;
    // A scheduled poll waits for the shared beat (under 2 s late); a retry keeps its time, which the status shows.
    run.pollTimer = run.store.add(retry ? this.clock.setTimeout(() => void this.poll(run), ms) : this.clock.setCoarseTimeout(() => void this.poll(run), ms));
  }

  private succeeded(run: Run, result: SyncResult): void {
    if (this.run !== run) return;
    this.lastSuccess = this.clock.monotonic();
    this.nowPlaying = result.nowPlaying;
    const user = run.client.user;
    const fresh = result.inserted + result.merged;
    const skipped = Object.keys(result.skipped).length ? `; ${describeCounts(result.skipped)}: see Import & jobs → Skipped Last.fm entries` : '';
    const main = result.noScrobblesYet ? `${user} has no scrobbles yet` : `Up to date with ${user}'s scrobbles${fresh ? ` (${fresh} new)` : ''}`;
    run.host.report({
      condition: 'running',
      success: true,
      nowPlaying: this.nowPlaying ? [toZone(user, this.nowPlaying)] : [],
      detail: `${main}${skipped}${run.pollMs ? '' : '; polling is off'}`,
      // The import's last outcome (done, failed, cancelled) stays in the status across restarts.
      ...(this.importer.hasHistory ? { import: this.importer.progress() } : {}),
    });
  }

  /** True when the last successful read is more than LONG_GAP_MS ago by the wall clock (or unknown while plays are stored). */
  private longGap(): boolean {
    let last = this.lastSyncAtMemory;
    try {
      last = Math.max(last ?? 0, this.state.getValue<number>(LAST_SYNC_KEY) ?? 0) || null;
    } catch (error) {
      this.log.warn('could not read when Last.fm was last read', error);
    }
    if (last === null) return this.plays.newestFrom('lastfm') !== null;
    // A wall clock set back (last in the future) is no gap.
    return this.clock.now() - last > LONG_GAP_MS;
  }

  private syncedAt(at: number): void {
    this.lastSyncAtMemory = at;
    try {
      this.state.setValue(LAST_SYNC_KEY, at);
    } catch (error) {
      this.log.warn('could not save when Last.fm was last read', error);
    }
  }

  private recordRejected(entries: readonly RejectedEntry[], origin: RejectOrigin): void {
    if (!entries.length) return;
    for (const e of entries.slice(0, 5)) this.log.warn(`skipped a Last.fm entry (${origin}): #${e.index} ${e.artist ?? '?'} – ${e.title ?? '?'} ${e.detail}`);
    if (entries.length > 5) this.log.warn(`skipped ${entries.length - 5} more Last.fm entries on that page`);
    try {
      this.rejected.record(entries, origin);
    } catch (error) {
      // The table is for the user to look at; the page is stored all the same.
      this.log.warn('could not record the skipped Last.fm entries', error);
    }
  }

  /**
   * One catch-up, serialised: a second caller joins the one under way (a
   * 14-day read runs after a short one under way, not inside it). With
   * `untilFirstPage` (the start's signal), resolves after the first page,
   * which that signal governs, and finishes in the background on `signal`.
   */
  private sync(client: LastfmClient, signal: AbortSignal, options: { full?: boolean; untilFirstPage?: AbortSignal } = {}): Promise<SyncResult> {
    const full = options.full ?? false;
    const current = this.syncing;
    if (current && (current.full || !full)) return raceAbort(current.promise, options.untilFirstPage ?? signal);
    if (current) {
      const after = current.promise.then(
        () => undefined,
        () => undefined,
      );
      return raceAbort(
        after.then(() => this.sync(client, signal, { full })),
        options.untilFirstPage ?? signal,
      );
    }
    let firstPageDone!: (result: SyncResult) => void;
    const firstPage = new Promise<SyncResult>((resolve) => (firstPageDone = resolve));
    const whole = this.catchUpPages(client, signal, options.untilFirstPage ?? signal, firstPageDone, full);
    const inFlight: SyncInFlight = { full, promise: whole };
    inFlight.promise = whole.finally(() => {
      if (this.syncing === inFlight) this.syncing = null;
    });
    this.syncing = inFlight;
    if (!options.untilFirstPage) return inFlight.promise;
    // The rest of a long catch-up is owned by the poll loop, which joins `syncing`.
    inFlight.promise.catch(() => {});
    return Promise.race([firstPage, inFlight.promise]);
  }

  private async catchUpPages(client: LastfmClient, signal: AbortSignal, firstSignal: AbortSignal, firstPageDone: (result: SyncResult) => void, full: boolean): Promise<SyncResult> {
    const startedAt = this.clock.now();
    const newest = this.plays.newestFrom('lastfm');
    // Re-read a short window before the newest stored scrobble: a device that was
    // offline submits its scrobbles late, with their real (older) times. What is
    // already stored is a no-op, and the window fits in the one page a poll reads anyway.
    // The full read goes back as far as Last.fm accepts late scrobbles.
    const short = newest === null ? undefined : Math.floor((newest - LATE_SCROBBLE_WINDOW_MS) / 1000);
    const from = full ? Math.min(short ?? Number.POSITIVE_INFINITY, Math.floor((startedAt - LASTFM_ACCEPT_WINDOW_MS) / 1000)) : short;
    // A fixed `to`: scrobbles arriving while we page do not shift the pages.
    const to = Math.floor(startedAt / 1000) + 1;
    const result: SyncResult = { pages: 0, inserted: 0, merged: 0, duplicates: 0, skipped: {}, nowPlaying: null, noScrobblesYet: false, fullWindow: full };
    const origin: RejectOrigin = full ? 'sync' : 'poll';

    const first = await client.getRecentTracks({ from, to, page: 1, limit: PAGE_SIZE }, firstSignal);
    result.pages++;
    result.nowPlaying = first.nowPlaying;
    result.noScrobblesYet = first.noScrobblesYet === true;
    // Nothing stored yet: the newest page is the baseline; older history is the import's job.
    const lastPage = from === undefined ? 1 : first.totalPages;
    if (lastPage <= 1) {
      await this.ingest(first, result, firstSignal, origin);
      this.syncedAt(startedAt);
      firstPageDone(result);
      return result;
    }
    firstPageDone({ ...result, skipped: { ...result.skipped } });
    this.log.info(`catching up ${first.total} scrobbles in ${lastPage} pages${full ? ' (the last 14 days, for late scrobbles)' : ''}`);
    // Oldest page first: if this stops halfway, the newest stored play marks
    // exactly where the next catch-up must begin, and nothing is skipped.
    for (let page = lastPage; page >= 2; page--) {
      const older = await client.getRecentTracks({ from, to, page, limit: PAGE_SIZE }, signal);
      result.pages++;
      await this.ingest(older, result, signal, origin);
      this.report({ detail: `Last.fm: catching up, page ${lastPage - page + 1} of ${lastPage}` });
    }
    await this.ingest(first, result, signal, origin);
    this.syncedAt(startedAt);
    return result;
  }

  private async ingest(page: RecentTracksPage, into: SyncResult, signal: AbortSignal, origin: RejectOrigin): Promise<void> {
    if (page.rejected.length) {
      countByReason(page.rejected, into.skipped);
      this.recordRejected(page.rejected, origin);
    }
    if (!page.scrobbles.length) return;
    const r = await ingestInChunks(scrobblesToPlays(page.scrobbles), signal, (chunk) => this.plays.ingest(chunk));
    into.inserted += r.inserted;
    into.merged += r.merged;
    into.duplicates += r.duplicates;
    if (r.rejected) this.log.warn(`${r.rejected} scrobbles rejected`, r.errors);
  }
}

function toZone(user: string, track: NowPlayingTrack): ZoneNowPlaying {
  return {
    zoneId: `lastfm:${user}`,
    zoneName: `Last.fm (${user})`,
    state: 'playing',
    title: track.title,
    artist: track.artist,
    album: track.album,
    seekSeconds: null,
    lengthSeconds: null,
  };
}

