// The day's plays as JSON and CSV in <data-dir>/exports. "The day" is the local
// day, in the job's time zone, of the slot the run is for (a run caught up the
// next morning still exports the evening it was meant for); "Run now" exports today.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../core/atomic-write';
import { PlayStore } from '../../../db/plays';
import type { JobContext, JobResult } from '../job';
import { localDateTime, localDay, localDayBounds } from '../zoned-time';

export interface ExportedPlay {
  startedAt: string;
  localTime: string;
  artist: string;
  title: string;
  album: string | null;
  secondsListened: number | null;
  zone: string | null;
  sources: string[];
}

const CSV_COLUMNS = ['started_at_utc', 'local_time', 'artist', 'title', 'album', 'seconds_listened', 'zone', 'sources'] as const;

/** RFC 4180: quote a field holding a comma, quote or line break; double inner quotes. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function playsToCsv(plays: readonly ExportedPlay[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const p of plays) {
    lines.push([p.startedAt, p.localTime, p.artist, p.title, p.album, p.secondsListened, p.zone, p.sources.join(';')].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function playsOfDay(ctx: Pick<JobContext, 'database'>, day: string, timeZone: string): ExportedPlay[] {
  const { start, end } = localDayBounds(day, timeZone);
  // A margin around the computed bounds, then an exact filter on the local day:
  // correct even where midnight falls into a DST gap.
  return new PlayStore(ctx.database)
    .between(start - 3 * 3600_000, end + 3 * 3600_000)
    .filter((p) => localDay(Date.parse(p.startedAt), timeZone) === day)
    .map((p) => ({
      startedAt: p.startedAt,
      localTime: localDateTime(Date.parse(p.startedAt), timeZone),
      artist: p.artist,
      title: p.title,
      album: p.album,
      secondsListened: p.secondsListened,
      zone: p.zone,
      sources: p.sources,
    }));
}

export function exportDir(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

export async function dailyExport(ctx: JobContext): Promise<JobResult> {
  const day = localDay(ctx.scheduledFor ?? ctx.clock.now(), ctx.timezone);
  const plays = playsOfDay(ctx, day, ctx.timezone);
  ctx.signal.throwIfAborted();
  const dir = exportDir(ctx.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `plays-${day}`);
  const json = { day, timezone: ctx.timezone, exportedAt: new Date(ctx.clock.now()).toISOString(), count: plays.length, plays };
  writeFileAtomic(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  writeFileAtomic(`${base}.csv`, playsToCsv(plays));
  ctx.logger.info(`exported ${plays.length} play(s) of ${day} to ${base}.json and .csv`);
}
