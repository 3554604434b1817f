// Export of the history (or of the filtered view) as CSV, JSON or
// ListenBrainz JSON lines, produced page by page: memory stays flat however
// long the history, and each page is one short synchronous query, so ingest
// and the window carry on between pages (an open better-sqlite3 iterator would
// hold the connection for the whole export).
import type { ExportQuery, PlayFilters } from '../../shared/explore';
import type { ExploreStore, Key } from './explore';
import { playSources } from './play-match';
import { toPlayView } from './plays';
import { ZoneOffsets } from './zone-offsets';

/** Plays per page: a few hundred kB of text per chunk. */
const PAGE = 5_000;

export const EXPORT_TYPES = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  listenbrainz: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
} as const;

const EXPORT_COLUMNS = `p.id, p.started_at, p.seconds_listened, p.zone, t.title, ar.name AS artist, al.title AS album, t.length_s,
  p.roon_started_at, p.lastfm_started_at`;

const CSV_HEADER = 'started_at_utc,local_time,artist,title,album,seconds_listened,zone,sources\r\n';

interface ExportRow {
  id: number;
  started_at: number;
  seconds_listened: number | null;
  zone: string | null;
  title: string;
  artist: string;
  album: string | null;
  length_s: number | null;
  roon_started_at: number | null;
  lastfm_started_at: number | null;
}

export interface ExportProgress {
  plays: number;
}

/** RFC 4180, as the daily export writes it (the database layer imports no service): quote a field holding a comma, quote or line break. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function listenBrainz(r: ExportRow): string {
  const sources = playSources(r.roon_started_at, r.lastfm_started_at);
  const additional: Record<string, unknown> = { submission_client: 'Encore' };
  if (r.length_s) additional.duration_ms = Math.round(r.length_s * 1000);
  if (sources.includes('roon')) additional.media_player = 'Roon';
  return JSON.stringify({
    listened_at: Math.floor(r.started_at / 1000),
    track_metadata: { artist_name: r.artist, track_name: r.title, ...(r.album ? { release_name: r.album } : {}), additional_info: additional },
  });
}

/**
 * The export as text chunks, newest play first (as the history shows them).
 * `pause` runs between pages (the event loop's turn); `progress.plays` counts what was written.
 */
export async function* exportChunks(
  explore: ExploreStore,
  query: ExportQuery,
  tz: string,
  now: number,
  progress: ExportProgress = { plays: 0 },
  pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): AsyncGenerator<string> {
  const zone = ZoneOffsets.of(tz);
  const filters: PlayFilters = query;
  const select = (ids: number[]) =>
    explore.st
      .get(
        `SELECT p.id, p.started_at, p.seconds_listened, p.zone, t.title, ar.name AS artist, al.title AS album, t.length_s,
                p.roon_started_at, p.lastfm_started_at
         FROM json_each(?) j JOIN plays p ON p.id = j.value JOIN tracks t ON t.id = p.track_id
         JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id ORDER BY j.key`,
      )
      .all(JSON.stringify(ids)) as ExportRow[];

  if (query.format === 'csv') yield CSV_HEADER;
  if (query.format === 'json') {
    const { format: _format, ...given } = query;
    yield `{"exportedAt":${JSON.stringify(new Date(now).toISOString())},"tz":${JSON.stringify(tz)},"filters":${JSON.stringify(given)},"plays":[`;
  }
  // Without a track filter the page's rows come straight from the time index
  // (one query, no second lookup by id): the whole history exports this way.
  const direct = explore.trackSet(filters);
  const byTime = direct.ids === null && direct.match === null;
  let upper: Key | null = null;
  let first = true;
  for (;;) {
    let rows: ExportRow[];
    let count: number;
    if (byTime) {
      rows = explore.playsByTime<ExportRow>(filters, upper, PAGE, EXPORT_COLUMNS);
      count = rows.length;
      const last = rows[rows.length - 1];
      if (last) upper = { startedAt: last.started_at, id: last.id };
    } else {
      const keys: Key[] = explore.pageKeys(filters, upper, PAGE);
      count = keys.length;
      if (count) upper = keys[count - 1]!;
      rows = select(keys.map((k) => k.id));
    }
    if (!count) break;
    let text = '';
    for (const r of rows) {
      if (query.format === 'listenbrainz') text += listenBrainz(r) + '\n';
      else if (query.format === 'csv') {
        const sources = playSources(r.roon_started_at, r.lastfm_started_at).join(';');
        text += [new Date(r.started_at).toISOString(), zone.wallTime(r.started_at), r.artist, r.title, r.album, r.seconds_listened, r.zone, sources].map(csvField).join(',') + '\r\n';
      } else {
        // The play's view, with its local time right after the UTC one.
        const { id, startedAt, ...rest } = toPlayView(r);
        text += (first ? '\n' : ',\n') + JSON.stringify({ id, startedAt, localTime: zone.wallTime(r.started_at), ...rest });
        first = false;
      }
    }
    progress.plays += rows.length;
    yield text;
    if (count < PAGE) break;
    await pause();
  }
  if (query.format === 'json') yield '\n]}\n';
}

/** "encore-listenbrainz-2026-12-01T10-30-00.jsonl" */
export function exportFileName(format: ExportQuery['format'], now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 19).replace(/:/g, '-');
  return `encore-${format}-${stamp}.${EXPORT_TYPES[format].extension}`;
}

