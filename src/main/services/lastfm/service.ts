// The Last.fm tracker: proves the key on start, catches up on everything
// scrobbled since the newest stored Last.fm play, then polls. It also owns the
// full-history import, so both share one client, one rate limit and one stop().
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
import type { ImportProgress, ZoneNowPlaying } from '../../../shared/status';
import { LastfmClient, LastfmError, type NowPlayingTrack, type RecentTracksPage } from './client';
import { LastfmImport } from './import';
import { ingestInChunks, isFatal, retryDelayMs, scrobblesToPlays } from './policy';
import { RateLimiter } from './rate-limiter';

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
  nowPlaying: NowPlayingTrack | null;
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
  rateLimitedUntil: number;
  pollMs: number;
}

/** How far back each poll looks for scrobbles that arrived late. */
export const LATE_SCROBBLE_WINDOW_MS = 3 * 3600_000;

export class LastfmService implements Service {
  readonly id = 'lastfm' as const;
  readonly label = 'Last.fm';
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly plays: PlayStore;
  private readonly state: StateStore;
  private readonly limiter: RateLimiter;
  private readonly importer: LastfmImport;
  private run: Run | null = null;
  private syncing: Promise<SyncResult> | null = null;
  private lastSuccess: number | null = null;
  private nowPlaying: NowPlayingTrack | null = null;

  constructor(private readonly options: LastfmServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).scope('lastfm');
    const now = () => this.clock.now();
    this.plays = options.plays ?? new PlayStore(options.database, now);
    this.state = options.state ?? new StateStore(options.database, now);
    this.limiter = new RateLimiter(this.clock, () => this.options.config().importRatePerSecond);
    this.importer = new LastfmImport({
      database: options.database,
      plays: this.plays,
      state: this.state,
      clock: this.clock,
      logger: this.log.scope('lastfm-import'),
      limiter: this.limiter,
      onProgress: (progress, detail) => this.report(detail ? { import: progress, detail } : { import: progress }),
    });
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
    });
  }

  async start(signal: AbortSignal, host: ServiceHost): Promise<void> {
    signal.throwIfAborted();
    const client = this.createClient();
    const pollMs = this.options.config().pollSeconds * 1000;
    const run: Run = {
      host,
      client,
      controller: new AbortController(),
      store: new DisposableStore(),
      pollTimer: null,
      pending: new Set(),
      failures: 0,
      rateLimitedUntil: 0,
      pollMs,
    };
    this.run = run;
    try {
      // The first page of the catch-up doubles as the proof that user and key work.
      const firstPage = await this.track(run, this.sync(client, run.controller.signal, { untilFirstPage: AbortSignal.any([signal, run.controller.signal]) }));
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
    await Promise.allSettled([this.importer.pause(), ...run.pending, this.syncing]);
    this.log.info('stopped');
  }

  probe(): HealthProbe {
    const run = this.run;
    if (!run || !run.pollMs || this.lastSuccess === null) return { ok: true };
    // Waiting out Last.fm's rate limit is deliberate; a restart would only add requests.
    if (run.rateLimitedUntil > this.clock.monotonic()) return { ok: true };
    const silentMs = this.clock.monotonic() - this.lastSuccess;
    const limit = HEALTHY_INTERVALS * run.pollMs + this.options.config().requestTimeoutMs;
    if (silentMs <= limit) return { ok: true };
    return { ok: false, reason: `Last.fm: no successful poll for ${Math.round(silentMs / 60_000)} min` };
  }

  /**
   * Fetches everything scrobbled since the newest stored Last.fm play. The
   * scheduler's "Last.fm sync" job calls this (useful with polling off); it
   * joins a catch-up already under way instead of starting a second one.
   */
  async catchUp(signal: AbortSignal): Promise<SyncResult> {
    const run = this.run;
    if (run) {
      const result = await raceAbort(this.track(run, this.sync(run.client, run.controller.signal)), signal);
      this.succeeded(run, result);
      return result;
    }
    return this.sync(this.createClient(), signal);
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
      const result = await this.track(run, this.sync(run.client, run.controller.signal));
      if (this.run !== run) return;
      run.failures = 0;
      run.rateLimitedUntil = 0;
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
      const wait = retryDelayMs(error, run.failures);
      if (error instanceof LastfmError && error.kind === 'rate-limited') run.rateLimitedUntil = this.clock.monotonic() + wait;
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
    run.pollTimer = run.store.add(this.clock.setTimeout(() => void this.poll(run), ms));
  }

  private succeeded(run: Run, result: SyncResult): void {
    if (this.run !== run) return;
    this.lastSuccess = this.clock.monotonic();
    this.nowPlaying = result.nowPlaying;
    const user = run.client.user;
    const fresh = result.inserted + result.merged;
    run.host.report({
      condition: 'running',
      success: true,
      nowPlaying: this.nowPlaying ? [toZone(user, this.nowPlaying)] : [],
      detail: `Up to date with ${user}'s scrobbles${fresh ? ` (${fresh} new)` : ''}${run.pollMs ? '' : '; polling is off'}`,
    });
  }

  /**
   * One catch-up, serialised: a second caller joins the one under way. With
   * `untilFirstPage` (the start's signal), resolves after the first page, which
   * that signal governs, and finishes in the background on `signal`.
   */
  private sync(client: LastfmClient, signal: AbortSignal, options: { untilFirstPage?: AbortSignal } = {}): Promise<SyncResult> {
    if (this.syncing) return raceAbort(this.syncing, options.untilFirstPage ?? signal);
    let firstPageDone!: (result: SyncResult) => void;
    const firstPage = new Promise<SyncResult>((resolve) => (firstPageDone = resolve));
    const whole = this.catchUpPages(client, signal, options.untilFirstPage ?? signal, firstPageDone);
    const tracked = whole.finally(() => {
      if (this.syncing === tracked) this.syncing = null;
    });
    this.syncing = tracked;
    if (!options.untilFirstPage) return tracked;
    // The rest of a long catch-up is owned by the poll loop, which joins `syncing`.
    tracked.catch(() => {});
    return Promise.race([firstPage, tracked]);
  }

  private async catchUpPages(client: LastfmClient, signal: AbortSignal, firstSignal: AbortSignal, firstPageDone: (result: SyncResult) => void): Promise<SyncResult> {
    const newest = this.plays.newestFrom('lastfm');
    // Re-read a short window before the newest stored scrobble: a device that was
    // offline submits its scrobbles late, with their real (older) times. What is
    // already stored is a no-op, and the window fits in the one page a poll reads anyway.
    const from = newest === null ? undefined : Math.floor((newest - LATE_SCROBBLE_WINDOW_MS) / 1000);
    // A fixed `to`: scrobbles arriving while we page do not shift the pages.
    const to = Math.floor(this.clock.now() / 1000) + 1;
    const result: SyncResult = { pages: 0, inserted: 0, merged: 0, duplicates: 0, nowPlaying: null };

    await this.limiter.take(firstSignal);
    const first = await client.getRecentTracks({ from, to, page: 1, limit: PAGE_SIZE }, firstSignal);
    result.pages++;
    result.nowPlaying = first.nowPlaying;
    // Nothing stored yet: the newest page is the baseline; older history is the import's job.
    const lastPage = from === undefined ? 1 : first.totalPages;
    if (lastPage <= 1) {
      await this.ingest(first, result, firstSignal);
      firstPageDone(result);
      return result;
    }
    firstPageDone({ ...result });
    this.log.info(`catching up ${first.total} scrobbles in ${lastPage} pages`);
    // Oldest page first: if this stops halfway, the newest stored play marks
    // exactly where the next catch-up must begin, and nothing is skipped.
    for (let page = lastPage; page >= 2; page--) {
      await this.limiter.take(signal);
      const older = await client.getRecentTracks({ from, to, page, limit: PAGE_SIZE }, signal);
      result.pages++;
      await this.ingest(older, result, signal);
      this.report({ detail: `Last.fm: catching up, page ${lastPage - page + 1} of ${lastPage}` });
    }
    await this.ingest(first, result, signal);
    return result;
  }

  private async ingest(page: RecentTracksPage, into: SyncResult, signal: AbortSignal): Promise<void> {
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

