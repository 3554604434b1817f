// The Explore calls as the API table has them: each brings the rollups up to
// date (yielding to the event loop while it counts), then answers from one
// short synchronous read.
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { ApiError, type StreamedResponse } from '../../shared/api';
import type {
  AlbumPage,
  ArtistPage,
  BreakdownResult,
  CatalogSearchResult,
  EntityQuery,
  ExportQuery,
  ExportResult,
  HeatmapResult,
  HistoryPage,
  HistoryQuery,
  PeriodQuery,
  TopQuery,
  TopResult,
  TrackPage,
  YearQuery,
  YearReview,
} from '../../shared/explore';
import { isBusy, isDiskFull, type EncoreDatabase } from './database';
import { checkTimeZone, ExploreStore } from './explore';
import { EXPORT_TYPES, exportChunks, exportFileName, type ExportProgress } from './export';
import { Rollups } from './rollups';
import { StatsStore } from './stats';

export class ExploreApi {
  readonly rollups: Rollups;
  readonly store: ExploreStore;
  readonly stats: StatsStore;

  constructor(
    private readonly database: EncoreDatabase,
    private readonly now: () => number,
    private readonly exportDir: string,
  ) {
    this.rollups = new Rollups(database);
    this.store = new ExploreStore(database);
    this.stats = new StatsStore(this.store);
  }

  /**
   * The rollups up to date. Counting writes; while another program holds the
   * database or the disk is full, the read says so (503) rather than answer
   * from counts that miss the newest plays.
   */
  private async ready(signal?: AbortSignal): Promise<void> {
    try {
      await this.rollups.ready(signal);
    } catch (error) {
      if (isBusy(error)) throw new ApiError(503, `Explore cannot count the newest plays: another program holds ${this.database.options.file}. It counts them by itself once it can; try again in a moment.`);
      if (isDiskFull(error)) throw new ApiError(503, `Explore cannot count the newest plays: the disk holding ${this.database.options.file} is full. Free some space; it counts them by itself once there is room.`);
      throw error;
    }
  }

  private period(q: PeriodQuery): { from: number; to: number } {
    return { from: q.from ? Date.parse(q.from) : 0, to: q.to ? Date.parse(q.to) : this.now() + 1 };
  }

  async history(q: HistoryQuery): Promise<HistoryPage> {
    // Only a track filter (artist, album, track, search) reads the rollups: the
    // plain history (the window's recent plays) never waits for a catch-up.
    if (q.artist !== undefined || q.album !== undefined || q.track !== undefined || q.q !== undefined) await this.ready();
    return this.store.history(q);
  }

  async top(q: TopQuery): Promise<TopResult> {
    await this.ready();
    return this.stats.top(q, this.now());
  }

  async heatmap(q: PeriodQuery): Promise<HeatmapResult> {
    const tz = checkTimeZone(q.tz);
    const { from, to } = this.period(q);
    // The hourly rollup is kept by triggers: no catch-up needed.
    return this.stats.heatmap(from, to, tz);
  }

  async breakdown(q: PeriodQuery): Promise<BreakdownResult> {
    const { from, to } = this.period(q);
    await this.ready();
    return this.stats.breakdown(from, to);
  }

  async year(q: YearQuery): Promise<YearReview> {
    const tz = checkTimeZone(q.tz);
    await this.ready();
    return await this.stats.year(q.year, tz, this.now());
  }

  async artist(q: EntityQuery): Promise<ArtistPage> {
    const tz = checkTimeZone(q.tz);
    await this.ready();
    return await this.store.artist(q.id, q.bucket, tz);
  }

  async album(q: EntityQuery): Promise<AlbumPage> {
    const tz = checkTimeZone(q.tz);
    await this.ready();
    return await this.store.album(q.id, q.bucket, tz);
  }

  async track(q: EntityQuery): Promise<TrackPage> {
    const tz = checkTimeZone(q.tz);
    await this.ready();
    return await this.store.track(q.id, q.bucket, tz);
  }

  async catalog(q: { q: string; limit: number }): Promise<CatalogSearchResult> {
    await this.ready();
    return this.store.catalog(q.q, q.limit);
  }

  /** The download over HTTP: the server pulls the chunks as the client reads them. */
  async exportStream(q: ExportQuery, signal?: AbortSignal): Promise<StreamedResponse & { progress: ExportProgress }> {
    const tz = checkTimeZone(q.tz);
    if (q.artist !== undefined || q.album !== undefined || q.track !== undefined || q.q !== undefined) await this.ready(signal);
    const now = this.now();
    const progress: ExportProgress = { plays: 0 };
    return { contentType: EXPORT_TYPES[q.format].contentType, filename: exportFileName(q.format, now), chunks: exportChunks(this.store, q, tz, now, progress), progress };
  }

  /** Where the export cannot stream (IPC): into <data dir>/exports, written to a temporary name and renamed when complete. */
  async exportToFile(q: ExportQuery, signal?: AbortSignal): Promise<ExportResult> {
    const stream = await this.exportStream(q, signal);
    fs.mkdirSync(this.exportDir, { recursive: true });
    const file = path.join(this.exportDir, stream.filename);
    const partial = `${file}.partial`;
    const out = fs.createWriteStream(partial);
    try {
      for await (const chunk of stream.chunks) {
        signal?.throwIfAborted();
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      fs.renameSync(partial, file);
    } catch (error) {
      out.destroy();
      fs.rmSync(partial, { force: true });
      throw error;
    }
    return { savedTo: file, plays: stream.progress.plays };
  }
}
