// The day's plays as JSON and CSV in <data-dir>/exports. "The day" is the local
// day, in the job's time zone, of the slot the run is for (a run caught up the
// next morning still exports the evening it was meant for); "Run now" exports today.
import fs from 'node:fs';
import path from 'node:path';
import { playSources } from '../../../db/plays';
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

export function playsOfDay(ctx: Pick<JobContext, 'database'>, day: string, timeZone: string): ExportedPlay[] {
  const { start, end } = localDayBounds(day, timeZone);
  // A margin around the computed bounds, then an exact filter on the local day:
  // correct even where midnight falls into a DST gap.
  const rows = ctx.database.raw
    .prepare(
      `SELECT p.started_at, p.seconds_listened, p.zone, t.title, ar.name AS artist, al.title AS album,
              p.roon_started_at, p.lastfm_started_at
       FROM plays p
       JOIN tracks t ON t.id = p.track_id
       JOIN artists ar ON ar.id = t.artist_id
       LEFT JOIN albums al ON al.id = t.album_id
       WHERE p.started_at >= ? AND p.started_at < ?
       ORDER BY p.started_at, p.id`,
    )
    .all(start - 3 * 3600_000, end + 3 * 3600_000) as Array<{
    started_at: number;
    seconds_listened: number | null;
    zone: string | null;
    title: string;
    artist: string;
    album: string | null;
    roon_started_at: number | null;
    lastfm_started_at: number | null;
  }>;
  return rows
    .filter((r) => localDay(r.started_at, timeZone) === day)
    .map((r) => ({
      startedAt: new Date(r.started_at).toISOString(),
      localTime: localDateTime(r.started_at, timeZone),
      artist: r.artist,
      title: r.title,
      album: r.album,
      secondsListened: r.seconds_listened,
      zone: r.zone,
      sources: playSources(r.roon_started_at, r.lastfm_started_at),
    }));
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
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
  writeAtomically(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  writeAtomically(`${base}.csv`, playsToCsv(plays));
  ctx.logger.info(`exported ${plays.length} play(s) of ${day} to ${base}.json and .csv`);
}
