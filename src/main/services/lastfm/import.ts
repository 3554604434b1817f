// The full-history import: every page of user.getRecentTracks below a fixed
// `to` (the moment the import began), so scrobbles arriving meanwhile do not
// shift the pages under it. Several pages are requested at once (within the
// shared rate limit: a real API takes 0.3–1 s a page, so one at a time never
// reaches the rate), but they are stored strictly in page order, each page
// and the progress that follows it in one transaction: after a crash or a
// restart the import resumes at the first page it had not stored, and never
// counts a page twice. A failed request or write (disk full, the database
// locked) is retried by itself with backoff, from where it stopped.
import { setMaxListeners } from 'node:events';
import { backoffDelay } from '../../core/backoff';
import type { Clock } from '../../core/clock';
import { delay } from '../../core/clock';
import type { Logger } from '../../core/logger';
import { errorMessage } from '../../core/service';
import type { EncoreDatabase } from '../../db/database';
import type { PlayStore } from '../../db/plays';
import type { StateStore } from '../../db/state';
import type { ImportProgress, RejectCounts } from '../../../shared/status';
import { LastfmError, type LastfmClient, type RecentTracksPage, type RejectedEntry } from './client';
import { ingestInChunks, isFatal, retryDelayMs, scrobblesToPlays, STORE_RETRY_BACKOFF } from './policy';
import { countByReason } from './rejected-store';

export const IMPORT_STATE_KEY = 'lastfm.import';
const PAGE_SIZE = 200;
/** The status is pushed at most this often while pages fly by. */
const REPORT_EVERY_MS = 250;

/** What survives a restart (StateStore 'lastfm.import'). */
export interface PersistedImport {
  version: 1;
  /** `running` also means "interrupted": it resumes when the tracker starts. */
  state: 'running' | 'done' | 'cancelled' | 'failed';
  user: string;
  /** UTC unix seconds, exclusive: the moment the import began. */
  to: number;
  nextPage: number;
  totalPages: number | null;
  /** Plays of the stored pages now in the history (new, merged, or already there). */
  plays: number;
  startedAt: string;
  error: string | null;
  /** Entries of the stored pages that were skipped, by reason. */
  skipped?: RejectCounts;
  /** When it finished (done, failed, cancelled): the last outcome stays shown across restarts. */
  finishedAt?: string;
  /** A failure only the user can fix (a revoked key): not resumed by itself. */
  fatal?: boolean;
}

export interface LastfmImportOptions {
  database: EncoreDatabase;
  plays: PlayStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  /** The shared limiter's rate (the client takes the slots): sizes how many pages are in flight. */
  ratePerSecond: () => number;
  /** How long the shared limiter still holds every request after error 29. */
  blockedForMs: () => number;
  /** Keeps a page's skipped entries for the user to see; must not throw. */
  recordRejected(entries: readonly RejectedEntry[]): void;
  /** Every progress change worth showing. */
  onProgress(progress: ImportProgress, detail: string | null): void;
}

interface ActiveImport {
  controller: AbortController;
  done: Promise<void>;
}

export class LastfmImport {
  private active: ActiveImport | null = null;
  private etaSeconds: number | null = null;
  private nextRetryAt: number | null = null;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LastfmImportOptions) {}

  private get log(): Logger {
    return this.options.logger;
  }

  get running(): boolean {
    return this.active !== null;
  }

  private load(): PersistedImport | null {
    const value = this.options.state.getValue<PersistedImport>(IMPORT_STATE_KEY);
    return value && value.version === 1 ? value : null;
  }

  private save(value: PersistedImport): void {
    this.options.state.setValue(IMPORT_STATE_KEY, value);
  }

  /** Whether an import was ever requested (its last outcome is worth showing). */
  get hasHistory(): boolean {
    try {
      return this.load() !== null;
    } catch {
      return false;
    }
  }

  progress(): ImportProgress {
    let saved: PersistedImport | null;
    try {
      saved = this.load();
    } catch (error) {
      return { state: 'paused', page: 0, totalPages: null, plays: 0, etaSeconds: null, startedAt: null, error: `The import's progress cannot be read right now (${errorMessage(error)})` };
    }
    if (!saved) return { state: 'idle', page: 0, totalPages: null, plays: 0, etaSeconds: null, startedAt: null, error: null };
    // Persisted `running` without a live loop: interrupted, waiting for the tracker to run again.
    const state = saved.state === 'running' ? (this.active ? 'running' : 'paused') : saved.state;
    const page = saved.nextPage - 1;
    return {
      state,
      page,
      // Last.fm says 0 pages when there is only a now-playing entry; never show "page 1 of 0".
      totalPages: saved.totalPages ? Math.max(saved.totalPages, page) : null,
      plays: saved.plays,
      etaSeconds: state === 'running' ? this.etaSeconds : null,
      startedAt: saved.startedAt,
      error: saved.error,
      skipped: saved.skipped ?? {},
      nextRetryAt: state === 'running' && this.nextRetryAt !== null ? new Date(this.nextRetryAt).toISOString() : null,
    };
  }

  /**
   * True when an import was interrupted (app quit, sleep, stop) and should go
   * on. An import an older Encore marked failed on a database error counts
   * too: such failures now retry by themselves.
   */
  get interrupted(): boolean {
    if (this.active) return false;
    const saved = this.load();
    return saved?.state === 'running' || (saved?.state === 'failed' && !saved.fatal);
  }

  /**
   * Marks an import as wanted: a new one, or the unfinished one (interrupted,
   * cancelled or failed) from the page where it stopped. Runs it now when a
   * client is given, else when the tracker next starts.
   */
  request(user: string, client: LastfmClient | null, signal: AbortSignal | null): ImportProgress {
    if (this.active) return this.progress();
    const saved = this.load();
    const resumable = saved && saved.state !== 'done' && saved.user === user;
    const next: PersistedImport = resumable
      ? { ...saved, state: 'running', error: null, fatal: false }
      : {
          version: 1,
          state: 'running',
          user,
          to: Math.floor(this.options.clock.now() / 1000),
          nextPage: 1,
          totalPages: null,
          plays: 0,
          startedAt: new Date(this.options.clock.now()).toISOString(),
          error: null,
          skipped: {},
        };
    this.save(next);
    this.log.info(resumable ? `import resumes at page ${next.nextPage}` : `import starts (scrobbles before ${new Date(next.to * 1000).toISOString()})`);
    if (client && signal) this.run(client, signal);
    else this.notify('Last.fm import: waiting for the Last.fm connection', true);
    return this.progress();
  }

  /** Continues an interrupted import (called when the tracker starts). */
  resume(client: LastfmClient, signal: AbortSignal): void {
    if (!this.interrupted) return;
    const saved = this.load()!;
    if (saved.state !== 'running') this.save({ ...saved, state: 'running', error: null });
    this.run(client, signal);
  }

  /** Stops the loop; the import stays `running` in the database and resumes on the next start. */
  async pause(): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.controller.abort(new Error('import paused'));
    await active.done;
  }

  async cancel(): Promise<ImportProgress> {
    await this.pause();
    const saved = this.load();
    if (saved && saved.state === 'running') {
      this.save({ ...saved, state: 'cancelled', finishedAt: new Date(this.options.clock.now()).toISOString() });
      this.log.info(`import cancelled after page ${saved.nextPage - 1}`);
      this.notify('Last.fm import cancelled', true);
    }
    return this.progress();
  }

  private run(client: LastfmClient, outer: AbortSignal): void {
    const controller = new AbortController();
    const signal = AbortSignal.any([outer, controller.signal]);
    const active: ActiveImport = { controller, done: Promise.resolve() };
    this.active = active;
    active.done = this.loop(client, signal)
      .catch((error: unknown) => {
        // Only an abort (stop, pause, cancel) gets here: every failure is retried in the loop.
        if (!signal.aborted) this.log.error('import stopped unexpectedly; it resumes on the next start', error);
      })
      .finally(() => {
        if (this.active === active) this.active = null;
        this.etaSeconds = null;
        this.nextRetryAt = null;
        // The database may be closing with the app: the status can wait for the next start.
        if (!signal.aborted) this.notify(null, true);
      });
  }

  /** Pages at once: enough to reach the rate with a real API's latency, few enough that a poll queued behind them waits briefly. */
  private concurrency(): number {
    const rate = this.options.ratePerSecond();
    if (!(rate > 0)) return 8;
    return Math.max(2, Math.min(16, Math.ceil(rate)));
  }

  private async loop(client: LastfmClient, signal: AbortSignal): Promise<void> {
    const { clock } = this.options;
    let attempt = 0;
    let storeAttempt = 0;
    const began = clock.monotonic();
    let pagesThisRun = 0;
    this.notify(null, true);
    for (;;) {
      signal.throwIfAborted();
      try {
        const saved = this.load();
        if (!saved || saved.state !== 'running') return;
        await this.pages(client, signal, saved, () => {
          attempt = 0;
          storeAttempt = 0;
          pagesThisRun++;
          const now = this.load();
          const perPageMs = (clock.monotonic() - began) / pagesThisRun;
          this.etaSeconds = now?.totalPages ? Math.round((Math.max(0, now.totalPages - now.nextPage + 1) * perPageMs) / 1000) : null;
        });
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        if (isFatal(error)) {
          const saved = this.load();
          if (saved) this.save({ ...saved, state: 'failed', error: errorMessage(error), fatal: true, finishedAt: new Date(clock.now()).toISOString() });
          this.log.error(`import failed on page ${saved?.nextPage ?? '?'}: ${errorMessage(error)}`);
          return;
        }
        // A request that failed (Last.fm, the network) backs off as requests
        // do; anything else is the database (full, locked, closed): retried
        // soon, since it usually comes back by itself.
        const fromLastfm = error instanceof LastfmError;
        const wait = fromLastfm ? retryDelayMs(error, ++attempt, this.options.blockedForMs()) : backoffDelay(++storeAttempt, STORE_RETRY_BACKOFF);
        const what = fromLastfm ? errorMessage(error) : `could not store the page: ${this.describeStoreFailure(error)}`;
        this.nextRetryAt = clock.now() + wait;
        this.log.warn(`import: ${what}; retry in ${Math.round(wait / 1000)} s`);
        this.saveError(`Last.fm import: ${what}; retrying by itself`);
        this.notify(`Last.fm import: ${what}; retrying in ${Math.round(wait / 1000)} s`, true);
        if (fromLastfm) await delay(clock, wait, signal);
        else await this.untilWritable(wait, signal);
        this.nextRetryAt = null;
      }
    }
  }

  /**
   * After a failed write: waits until the database says writes work again
   * (its lock released, room on the disk), so the import goes on at once
   * rather than at the end of a backoff that may have grown to 30 s; the
   * backoff stays as the fallback (a failure the database did not see as
   * trouble, or one that cleared before this wait began).
   */
  private async untilWritable(fallbackMs: number, signal: AbortSignal): Promise<void> {
    const writable = new AbortController();
    const off = this.options.database.onDidChangeTrouble((trouble) => {
      if (!trouble) writable.abort();
    });
    try {
      await delay(this.options.clock, fallbackMs, AbortSignal.any([signal, writable.signal]));
    } catch (error) {
      if (signal.aborted || !writable.signal.aborted) throw error;
      this.log.info('import: the database is writable again; going on');
    } finally {
      off();
    }
  }

  /**
   * What a failed write means for the user. The database's errors already say
   * what happened and what to do; a lock or a full disk met outside its
   * methods (the page's own transaction) is turned into one of those, which
   * also puts the database in its waiting state until writes work again.
   */
  private describeStoreFailure(error: unknown): string {
    return errorMessage(this.options.database.noteWriteFailure(error)).replace(/\.$/, '');
  }

  /** Records why the import waits, where the database lets us (it may be the thing failing). */
  private saveError(message: string): void {
    try {
      const saved = this.load();
      if (saved && saved.error !== message) this.save({ ...saved, error: message });
    } catch {
      // The status line carries it meanwhile.
    }
  }

  /** Requests pages ahead, stores them in order; returns when the last page is stored. */
  private async pages(client: LastfmClient, outer: AbortSignal, start: PersistedImport, stored: () => void): Promise<void> {
    let saved = start;
    // Pages fetched ahead are dropped (and their requests aborted) when this attempt fails.
    const controller = new AbortController();
    const signal = AbortSignal.any([outer, controller.signal]);
    // Each page in flight listens on it (its fetch, its wait for a slot): more than Node's default of 10.
    setMaxListeners(64, signal);
    const inFlight = new Map<number, Promise<RecentTracksPage>>();
    let nextToFetch = saved.nextPage;
    const fetchPage = (page: number) => {
      const request = client.getRecentTracks({ to: saved.to, page, limit: PAGE_SIZE }, signal);
      // Settled later or never (a later page of an attempt that failed): never unhandled.
      request.catch(() => undefined);
      inFlight.set(page, request);
    };
    try {
      while (saved.totalPages === null || saved.nextPage <= saved.totalPages) {
        // Until page 1 said how many there are, one at a time.
        const last = saved.totalPages ?? saved.nextPage;
        while (inFlight.size < this.concurrency() && nextToFetch <= last) fetchPage(nextToFetch++);
        if (!inFlight.has(saved.nextPage)) fetchPage(saved.nextPage);
        const page = await inFlight.get(saved.nextPage)!;
        inFlight.delete(saved.nextPage);
        saved = await this.store(page, saved, signal);
        nextToFetch = Math.max(nextToFetch, saved.nextPage);
        stored();
        this.notify(null, saved.nextPage === 2 || saved.state === 'done');
      }
    } finally {
      controller.abort(new Error('import attempt over'));
    }
    if (saved.state !== 'done') {
      saved = { ...saved, state: 'done', error: null, finishedAt: new Date(this.options.clock.now()).toISOString() };
      this.save(saved);
    }
    this.log.info(`import done: ${saved.plays} plays from ${saved.totalPages ?? 0} pages`);
  }

  /** One page and the progress after it, the progress in the same transaction as the page's last chunk. */
  private async store(page: RecentTracksPage, saved: PersistedImport, signal: AbortSignal): Promise<PersistedImport> {
    const { plays, database } = this.options;
    if (page.rejected.length) this.options.recordRejected(page.rejected);
    const next: PersistedImport = {
      ...saved,
      // Late scrobbles (a phone catching up) may add pages below `to`; follow Last.fm's count.
      totalPages: page.totalPages,
      nextPage: saved.nextPage + 1,
      error: null,
      skipped: countByReason(page.rejected, { ...(saved.skipped ?? {}) }),
    };
    if (next.nextPage > next.totalPages!) {
      next.state = 'done';
      next.finishedAt = new Date(this.options.clock.now()).toISOString();
    }
    let storedPlays = 0;
    const result = await ingestInChunks(scrobblesToPlays(page.scrobbles), signal, (chunk, last) => {
      const count = (r: { inserted: number; merged: number; duplicates: number }) => (storedPlays += r.inserted + r.merged + r.duplicates);
      if (!last) {
        const r = plays.ingest(chunk);
        count(r);
        return r;
      }
      return database.raw.transaction(() => {
        const r = plays.ingest(chunk);
        count(r);
        next.plays = saved.plays + storedPlays;
        this.save(next);
        return r;
      }).immediate();
    });
    if (result.rejected) this.log.warn(`import page ${saved.nextPage}: ${result.rejected} scrobbles rejected`, result.errors);
    return next;
  }

  private notify(detail: string | null, force: boolean): void {
    const now = this.options.clock.monotonic();
    if (!force && now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.options.onProgress(this.progress(), detail);
  }
}
