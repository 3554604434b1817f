// The full-history import: every page of user.getRecentTracks below a fixed
// `to` (the moment the import began), so scrobbles arriving meanwhile do not
// shift the pages under it. Each page and the progress that follows it are
// written in one transaction: after a crash or a restart the import resumes at
// the first page it had not finished, and never counts a page twice.
import type { Clock } from '../../core/clock';
import { delay } from '../../core/clock';
import type { Logger } from '../../core/logger';
import { errorMessage } from '../../core/service';
import type { EncoreDatabase } from '../../db/database';
import type { PlayStore } from '../../db/plays';
import type { StateStore } from '../../db/state';
import type { ImportProgress } from '../../../shared/status';
import type { LastfmClient } from './client';
import { ingestInChunks, isFatal, retryDelayMs, scrobblesToPlays } from './policy';
import type { RateLimiter } from './rate-limiter';

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
  plays: number;
  startedAt: string;
  error: string | null;
}

export interface LastfmImportOptions {
  database: EncoreDatabase;
  plays: PlayStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  limiter: RateLimiter;
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

  progress(): ImportProgress {
    const saved = this.load();
    if (!saved) return { state: 'idle', page: 0, totalPages: null, plays: 0, etaSeconds: null, startedAt: null, error: null };
    // Persisted `running` without a live loop: interrupted, waiting for the tracker to run again.
    const state = saved.state === 'running' ? (this.active ? 'running' : 'paused') : saved.state;
    return {
      state,
      page: saved.nextPage - 1,
      totalPages: saved.totalPages,
      plays: saved.plays,
      etaSeconds: state === 'running' ? this.etaSeconds : null,
      startedAt: saved.startedAt,
      error: saved.error,
    };
  }

  /** True when an import was interrupted (app quit, sleep, stop) and should go on. */
  get interrupted(): boolean {
    return !this.active && this.load()?.state === 'running';
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
      ? { ...saved, state: 'running', error: null }
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
        };
    this.save(next);
    this.log.info(resumable ? `import resumes at page ${next.nextPage}` : `import starts (scrobbles before ${new Date(next.to * 1000).toISOString()})`);
    if (client && signal) this.run(client, signal);
    else this.notify('Last.fm import: waiting for the Last.fm connection', true);
    return this.progress();
  }

  /** Continues an interrupted import (called when the tracker starts). */
  resume(client: LastfmClient, signal: AbortSignal): void {
    if (this.interrupted) this.run(client, signal);
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
      this.save({ ...saved, state: 'cancelled' });
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
        if (signal.aborted) return;
        // Only a bug or a database failure lands here: keep the page, record why.
        this.log.error('import stopped', error);
        const saved = this.load();
        if (saved) this.save({ ...saved, state: 'failed', error: `Last.fm import stopped: ${errorMessage(error)}` });
      })
      .catch((error: unknown) => this.log.error('import state could not be saved', error))
      .finally(() => {
        if (this.active === active) this.active = null;
        this.etaSeconds = null;
        // The database may be closing with the app: the status can wait for the next start.
        if (!signal.aborted) this.notify(null, true);
      });
  }

  private async loop(client: LastfmClient, signal: AbortSignal): Promise<void> {
    const { clock, plays, database, limiter } = this.options;
    let saved = this.load();
    if (!saved) return;
    const began = clock.monotonic();
    let pagesThisRun = 0;
    let attempt = 0;
    this.notify(null, true);

    while (saved.totalPages === null || saved.nextPage <= saved.totalPages) {
      await limiter.take(signal);
      let page;
      try {
        page = await client.getRecentTracks({ to: saved.to, page: saved.nextPage, limit: PAGE_SIZE }, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        if (isFatal(error)) {
          saved = { ...saved, state: 'failed', error: errorMessage(error) };
          this.save(saved);
          this.log.error(`import failed on page ${saved.nextPage}: ${errorMessage(error)}`);
          return;
        }
        attempt++;
        const wait = retryDelayMs(error, attempt);
        this.log.warn(`import page ${saved.nextPage}: ${errorMessage(error)}; retry ${attempt} in ${Math.round(wait / 1000)} s`);
        this.notify(`Last.fm import: ${errorMessage(error)}; retrying in ${Math.round(wait / 1000)} s`, true);
        await delay(clock, wait, signal);
        continue;
      }
      attempt = 0;
      const scrobbles = page.scrobbles;
      const next: PersistedImport = {
        ...saved,
        // Late scrobbles (a phone catching up) may add pages below `to`; follow Last.fm's count.
        totalPages: page.totalPages,
        nextPage: saved.nextPage + 1,
        plays: saved.plays + scrobbles.length,
      };
      if (next.nextPage > next.totalPages!) next.state = 'done';
      // Progress is saved with the page's last chunk, in the same transaction.
      const result = await ingestInChunks(scrobblesToPlays(scrobbles), signal, (chunk, last) => {
        if (!last) return plays.ingest(chunk);
        return database.raw.transaction(() => {
          const r = plays.ingest(chunk);
          this.save(next);
          return r;
        }).immediate();
      });
      if (result.rejected) this.log.warn(`import page ${saved.nextPage}: ${result.rejected} scrobbles rejected`, result.errors);
      saved = next;
      pagesThisRun++;
      const perPageMs = (clock.monotonic() - began) / pagesThisRun;
      this.etaSeconds = saved.totalPages === null ? null : Math.round((Math.max(0, saved.totalPages - saved.nextPage + 1) * perPageMs) / 1000);
      this.notify(null, pagesThisRun === 1 || saved.state === 'done');
    }
    if (saved.state !== 'done') this.save({ ...saved, state: 'done' });
    this.log.info(`import done: ${saved.plays} scrobbles in ${saved.totalPages ?? 0} pages`);
  }

  private notify(detail: string | null, force: boolean): void {
    const now = this.options.clock.monotonic();
    if (!force && now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.options.onProgress(this.progress(), detail);
  }
}
