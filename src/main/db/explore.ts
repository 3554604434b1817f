// Reading the history for the Explore views: filtered, searchable pages of
// plays with keyset cursors, and the artist, album and track pages. Callers
// bring the rollups up to date first (Rollups.ready()).
//
// The history and search pages are measured hot paths and stay prepared
// statements (StatementCache): bench/explore.ts, a million plays, a history
// page of 50 in 0.4 ms (median), search as you type 5.4 ms (p95).
import type {
  AlbumPage,
  ArtistPage,
  CatalogSearchResult,
  EntityRef,
  HistoryPage,
  HistoryPlay,
  HistoryQuery,
  PlayFilters,
  Timeline,
  TrackPage,
} from '../../shared/explore';
import { ApiError } from '../../shared/api';
import type { EncoreDatabase } from './database';
import { toPlayView } from './plays';
import { highlightRanges, matchExpression, searchWords } from './search';
import { StatementCache } from './statement-cache';
import { ZoneOffsets } from './zone-offsets';

const DAY = 86_400_000;

/** Time listened of a play: Roon's measured seconds, else the track's length (a scrobble: it was heard). */
export const PLAY_SECONDS = 'coalesce(p.seconds_listened, t.length_s, 0)';
/** The same over a track's totals. */
export const TRACK_SECONDS = '(ts.seconds + ts.unmeasured * coalesce(t.length_s, 0))';

/**
 * A match set with at most this many tracks is resolved to its track ids and
 * read through track_plays; a larger one is probed while walking plays in
 * time order.
 */
const MATCH_IDS_MAX = 2_000;

/** A page key: the play's start and id (ids break ties of equal starts). */
export interface Key {
  startedAt: number;
  id: number;
}

type PlayRow = {
  id: number;
  started_at: number;
  seconds_listened: number | null;
  zone: string | null;
  track_id: number;
  title: string;
  artist: string;
  album_id: number | null;
  album: string | null;
  roon_started_at: number | null;
  lastfm_started_at: number | null;
};

export function parseCursor(cursor: string): Key {
  const [s, i] = cursor.split('.');
  return { startedAt: Number(s), id: Number(i) };
}

export function encodeCursor(key: Key): string {
  return `${key.startedAt}.${key.id}`;
}

/** Which plays a filter set allows, as SQL over `p` (plays) with its parameters. */
interface PlaysWhere {
  sql: string[];
  params: unknown[];
}

export function checkTimeZone(tz: string | undefined): string {
  const zone = tz ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new ApiError(400, `tz: unknown time zone "${zone}" (use an IANA name such as Europe/Berlin)`);
  }
  return zone;
}

export class ExploreStore {
  readonly st: StatementCache;

  constructor(private readonly database: EncoreDatabase) {
    this.st = new StatementCache(database);
  }

  // ---------------------------------------------------------------- history

  /**
   * The track ids a filter set limits plays to, or null for "any track".
   * Empty: nothing can match.
   */
  trackSet(filters: Pick<PlayFilters, 'artist' | 'album' | 'track' | 'q'>): { ids: number[] | null; match: string | null } {
    let ids: number[] | null = null;
    const intersect = (next: number[]) => {
      if (ids === null) ids = next;
      else {
        const keep = new Set(next);
        ids = ids.filter((id) => keep.has(id));
      }
    };
    if (filters.track !== undefined) intersect([filters.track]);
    if (filters.album !== undefined) intersect(this.st.get('SELECT id FROM tracks WHERE album_id = ?').pluck().all(filters.album) as number[]);
    if (filters.artist !== undefined) intersect(this.st.get('SELECT track_id FROM track_artists WHERE artist_id = ?').pluck().all(filters.artist) as number[]);
    let match: string | null = null;
    if (filters.q !== undefined) {
      const words = searchWords(filters.q);
      if (words.length) {
        match = matchExpression(words);
        if (ids !== null) {
          const list: number[] = ids;
          ids = list.length
            ? (this.st.get('SELECT rowid FROM track_search WHERE track_search MATCH ? AND rowid IN (SELECT value FROM json_each(?))').pluck().all(match, JSON.stringify(list)) as number[])
            : [];
          match = null;
        } else {
          const found = this.st.get('SELECT rowid FROM track_search WHERE track_search MATCH ? LIMIT ?').pluck().all(match, MATCH_IDS_MAX + 1) as number[];
          if (found.length <= MATCH_IDS_MAX) {
            ids = found;
            match = null;
          }
        }
      }
    }
    return { ids, match };
  }

  private playsWhere(filters: PlayFilters, upper: Key | null): PlaysWhere {
    const sql: string[] = [];
    const params: unknown[] = [];
    if (filters.from) {
      sql.push('p.started_at >= ?');
      params.push(Date.parse(filters.from));
    }
    if (filters.to) {
      sql.push('p.started_at < ?');
      params.push(Date.parse(filters.to));
    }
    if (upper) {
      sql.push('p.started_at <= ? AND (p.started_at < ? OR p.id < ?)');
      params.push(upper.startedAt, upper.startedAt, upper.id);
    }
    if (filters.zone !== undefined) {
      sql.push('p.zone = ?');
      params.push(filters.zone);
    }
    if (filters.source) sql.push(filters.source === 'roon' ? 'p.roon_started_at IS NOT NULL' : 'p.lastfm_started_at IS NOT NULL');
    return { sql, params };
  }

  /** Keys of the page's plays, newest first (limit + 1 to know whether more follow). */
  pageKeys(filters: PlayFilters, upper: Key | null, limit: number): Key[] {
    const { ids, match } = this.trackSet(filters);
    if (ids !== null && ids.length === 0) return [];
    const where = this.playsWhere(filters, upper);
    if (ids !== null && this.readByTrack(ids)) {
      // track_plays: only these tracks' plays are read (the page's window of them).
      const w = where.sql.map((s) => s.replace(/p\.started_at/g, 'tp.started_at').replace(/p\.id/g, 'tp.play_id'));
      const needsPlays = filters.zone !== undefined || filters.source !== undefined;
      const sql = `SELECT tp.started_at AS startedAt, tp.play_id AS id FROM track_plays tp ${needsPlays ? 'JOIN plays p ON p.id = tp.play_id' : ''}
        WHERE tp.track_id IN (SELECT value FROM json_each(?)) ${w.map((s) => `AND ${s}`).join(' ')}
        ORDER BY tp.started_at DESC, tp.play_id DESC LIMIT ?`;
      return this.st.get(sql).all(JSON.stringify(ids), ...where.params, limit) as Key[];
    }
    // Walking plays newest first, testing each; "+p.track_id" keeps SQLite
    // from reading all the set's plays and sorting them.
    const conditions = [...where.sql];
    const params = [...where.params];
    if (ids !== null) {
      conditions.push('+p.track_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(ids));
    } else if (match !== null) {
      conditions.push('+p.track_id IN (SELECT rowid FROM track_search WHERE track_search MATCH ?)');
      params.push(match);
    }
    const sql = `SELECT p.started_at AS startedAt, p.id AS id FROM plays p ${conditions.length ? 'WHERE ' + conditions.join(' AND ') : ''}
      ORDER BY p.started_at DESC, p.id DESC LIMIT ?`;
    return this.st.get(sql).all(...params, limit) as Key[];
  }

  /** A page of plays newest first with any filter but a track set, `columns` read with them (exports). */
  playsByTime<T>(filters: PlayFilters, upper: Key | null, limit: number, columns: string): T[] {
    const where = this.playsWhere(filters, upper);
    const sql = `SELECT ${columns} FROM plays p JOIN tracks t ON t.id = p.track_id JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id
      ${where.sql.length ? 'WHERE ' + where.sql.join(' AND ') : ''} ORDER BY p.started_at DESC, p.id DESC LIMIT ?`;
    return this.st.get(sql).all(...where.params, limit) as T[];
  }

  /**
   * Reading a set's plays through track_plays costs about as many rows as the
   * set has plays; walking all plays in time order costs about
   * 50 × all plays / the set's plays. The cheaper wins (either stays under
   * √(50 × all plays) rows, some 7,000 for a million plays).
   */
  private readByTrack(ids: number[]): boolean {
    if (ids.length <= 1) return true;
    const setPlays = (this.st.get('SELECT total(plays) FROM track_stats WHERE track_id IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(ids)) as number) || 0;
    const all = (this.st.get('SELECT total(plays) FROM track_stats').pluck().get() as number) || 0;
    return setPlays * setPlays <= 50 * all;
  }

  history(query: HistoryQuery): HistoryPage {
    let upper: Key | null = null;
    if (query.cursor) upper = parseCursor(query.cursor);
    if (query.before) {
      // "Older than this instant": the last key before it.
      const before = { startedAt: Date.parse(query.before) - 1, id: Number.MAX_SAFE_INTEGER };
      if (!upper || before.startedAt < upper.startedAt) upper = before;
    }
    const keys = this.pageKeys(query, upper, query.limit + 1);
    const more = keys.length > query.limit;
    const page = more ? keys.slice(0, query.limit) : keys;
    const words = query.q ? searchWords(query.q) : [];
    const plays = this.playsByIds(page.map((k) => k.id), query.q !== undefined ? words : null);
    const last = page[page.length - 1];
    return { plays, nextCursor: more && last ? encodeCursor(last) : null };
  }

  /** Plays with their links, in the order of `ids`. */
  playsByIds(ids: readonly number[], words: readonly string[] | null): HistoryPlay[] {
    if (!ids.length) return [];
    const rows = this.st
      .get(
        `SELECT p.id, p.started_at, p.seconds_listened, p.zone, p.track_id, t.title, ar.name AS artist, t.album_id, al.title AS album,
                p.roon_started_at, p.lastfm_started_at
         FROM json_each(?) j JOIN plays p ON p.id = j.value
         JOIN tracks t ON t.id = p.track_id JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id
         ORDER BY j.key`,
      )
      .all(JSON.stringify(ids)) as PlayRow[];
    const credits = this.creditsOf(rows.map((r) => r.track_id));
    return rows.map((r) => {
      const play: HistoryPlay = {
        ...toPlayView(r),
        trackId: r.track_id,
        albumId: r.album_id,
        artists: credits.get(r.track_id) ?? [],
      };
      if (words) {
        play.highlight = {
          artist: highlightRanges(r.artist, words),
          title: highlightRanges(r.title, words),
          album: r.album ? highlightRanges(r.album, words) : [],
          credits: play.artists.filter((a) => highlightRanges(a.name, words).length > 0).map((a) => a.id),
        };
      }
      return play;
    });
  }

  /** Credited artists per track, in credit order; `mainOnly`: what an album is credited to. */
  creditsOf(trackIds: readonly number[], mainOnly = false): Map<number, EntityRef[]> {
    const out = new Map<number, EntityRef[]>();
    if (!trackIds.length) return out;
    const rows = this.st
      .get(
        `SELECT ta.track_id, ca.id, ca.name FROM track_artists ta JOIN credited_artists ca ON ca.id = ta.artist_id
         WHERE ta.track_id IN (SELECT DISTINCT value FROM json_each(?)) ${mainOnly ? 'AND ta.main = 1' : ''} ORDER BY ta.track_id, ta.position`,
      )
      .raw()
      .all(JSON.stringify(trackIds)) as Array<[number, number, string]>;
    for (const [trackId, id, name] of rows) {
      let list = out.get(trackId);
      if (!list) out.set(trackId, (list = []));
      list.push({ id, name });
    }
    return out;
  }

  /** An album's credits: the main artists of its tracks, in order of first appearance. */
  albumCredits(albumIds: readonly number[]): Map<number, EntityRef[]> {
    const out = new Map<number, EntityRef[]>();
    if (!albumIds.length) return out;
    const rows = this.st
      .get(
        `SELECT t.album_id, ca.id, ca.name, min(t.id * 64 + ta.position) AS ord FROM tracks t
         JOIN track_artists ta ON ta.track_id = t.id AND ta.main = 1 JOIN credited_artists ca ON ca.id = ta.artist_id
         WHERE t.album_id IN (SELECT DISTINCT value FROM json_each(?)) GROUP BY t.album_id, ca.id ORDER BY t.album_id, ord`,
      )
      .raw()
      .all(JSON.stringify(albumIds)) as Array<[number, number, string, number]>;
    for (const [albumId, id, name] of rows) {
      let list = out.get(albumId);
      if (!list) out.set(albumId, (list = []));
      list.push({ id, name });
    }
    return out;
  }

  // ------------------------------------------------------------------ pages

  // The pages' single-row lookups are typed kysely queries (some 15–30 µs each,
  // measured), run synchronously; everything read per play or per row stays a
  // prepared statement.

  async artist(id: number, bucket: 'week' | 'month', tz: string): Promise<ArtistPage> {
    const db = this.database;
    const artist = db.first(db.db.selectFrom('credited_artists').select(['id', 'name']).where('id', '=', id));
    if (!artist) throw new ApiError(404, `There is no artist ${id}.`);
    const trackIds = this.st.get('SELECT track_id FROM track_artists WHERE artist_id = ?').pluck().all(id) as number[];
    const summary = this.summary(trackIds, bucket, tz);
    const ids = JSON.stringify(trackIds);
    const topTracks = this.st
      .get(
        `SELECT t.id, t.title AS name, ts.plays, ${TRACK_SECONDS} AS seconds FROM track_stats ts JOIN tracks t ON t.id = ts.track_id
         WHERE ts.track_id IN (SELECT value FROM json_each(?)) AND ts.plays > 0 ORDER BY ts.plays DESC, seconds DESC, t.id LIMIT 50`,
      )
      .all(ids) as Array<EntityRef & { plays: number; seconds: number }>;
    const topAlbums = this.st
      .get(
        `SELECT al.id, al.title AS name, sum(ts.plays) AS plays, total(${TRACK_SECONDS}) AS seconds
         FROM track_stats ts JOIN tracks t ON t.id = ts.track_id JOIN albums al ON al.id = t.album_id
         WHERE ts.track_id IN (SELECT value FROM json_each(?)) AND ts.plays > 0 GROUP BY al.id ORDER BY plays DESC, seconds DESC, al.id LIMIT 50`,
      )
      .all(ids) as Array<EntityRef & { plays: number; seconds: number }>;
    const trackCredits = this.creditsOf(topTracks.map((t) => t.id));
    const albumCredits = this.albumCredits(topAlbums.map((a) => a.id));
    return {
      artist,
      ...summary,
      topTracks: topTracks.map((t) => ({ ...t, artists: trackCredits.get(t.id) ?? [] })),
      topAlbums: topAlbums.map((a) => ({ ...a, artists: albumCredits.get(a.id) ?? [] })),
    };
  }

  async album(id: number, bucket: 'week' | 'month', tz: string): Promise<AlbumPage> {
    const db = this.database;
    const album = db.first(
      db.db.selectFrom('albums as al').innerJoin('artists as ar', 'ar.id', 'al.artist_id').select(['al.id', 'al.title as name', 'ar.name as artist']).where('al.id', '=', id),
    );
    if (!album) throw new ApiError(404, `There is no album ${id}.`);
    const trackIds = this.st.get('SELECT id FROM tracks WHERE album_id = ?').pluck().all(id) as number[];
    const tracks = this.st
      .get(
        `SELECT t.id, t.title AS name, coalesce(ts.plays, 0) AS plays, coalesce(${TRACK_SECONDS}, 0) AS seconds
         FROM tracks t LEFT JOIN track_stats ts ON ts.track_id = t.id WHERE t.album_id = ? ORDER BY plays DESC, seconds DESC, t.id`,
      )
      .all(id) as Array<EntityRef & { plays: number; seconds: number }>;
    return {
      album: { ...album, artists: this.albumCredits([id]).get(id) ?? [] },
      ...this.summary(trackIds, bucket, tz),
      tracks,
    };
  }

  async track(id: number, bucket: 'week' | 'month', tz: string): Promise<TrackPage> {
    const db = this.database;
    const track = db.first(
      db.db
        .selectFrom('tracks as t')
        .innerJoin('artists as ar', 'ar.id', 't.artist_id')
        .leftJoin('albums as al', 'al.id', 't.album_id')
        .select(['t.id', 't.title as name', 'ar.name as artist', 't.album_id', 'al.title as album', 't.length_s'])
        .where('t.id', '=', id),
    );
    if (!track) throw new ApiError(404, `There is no track ${id}.`);
    const recent = this.st.get('SELECT play_id FROM track_plays WHERE track_id = ? ORDER BY started_at DESC, play_id DESC LIMIT 20').pluck().all(id) as number[];
    return {
      track: {
        id: track.id,
        name: track.name,
        artist: track.artist,
        artists: this.creditsOf([id]).get(id) ?? [],
        album: track.album_id !== null && track.album !== null ? { id: track.album_id, name: track.album } : null,
        lengthSeconds: track.length_s,
      },
      ...this.summary([id], bucket, tz),
      recent: this.playsByIds(recent, null),
    };
  }

  /** Totals, first and last listen and the timeline of a set of tracks. */
  private summary(trackIds: readonly number[], bucket: 'week' | 'month', tz: string): Omit<ArtistPage, 'artist' | 'topTracks' | 'topAlbums'> {
    const ids = JSON.stringify(trackIds);
    const totals = this.st
      .get(
        `SELECT coalesce(sum(ts.plays), 0) AS plays, total(${TRACK_SECONDS}) AS seconds, min(ts.first_at) AS first, max(ts.last_at) AS last
         FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.track_id IN (SELECT value FROM json_each(?)) AND ts.plays > 0`,
      )
      .get(ids) as { plays: number; seconds: number; first: number | null; last: number | null };
    // Every play of the set, in no particular order (raw rows: no object per play).
    const rows = this.st
      .get(
        `SELECT started_at, seconds FROM track_plays WHERE track_id IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .all(ids) as Array<[number, number]>;
    return {
      plays: totals.plays,
      seconds: totals.seconds,
      firstPlayedAt: totals.first !== null ? new Date(totals.first).toISOString() : null,
      lastPlayedAt: totals.last !== null ? new Date(totals.last).toISOString() : null,
      timeline: timeline(rows, bucket, tz),
    };
  }

  // ---------------------------------------------------------------- catalog

  /**
   * Artists, albums and tracks by name. A very broad prefix (one letter)
   * ranks the first 2,000 matching tracks only, by plays: what is typed next
   * narrows it to all of them.
   */
  catalog(q: string, limit: number): CatalogSearchResult {
    const words = searchWords(q);
    if (!words.length) return { artists: [], albums: [], tracks: [] };
    const inColumn = (column: string) => `${column} : (${matchExpression(words)})`;
    const tracks = this.st
      .get(
        `SELECT t.id, t.title AS name, coalesce(ts.plays, 0) AS plays, coalesce(${TRACK_SECONDS}, 0) AS seconds
         FROM (SELECT rowid FROM track_search WHERE track_search MATCH ? LIMIT ${MATCH_IDS_MAX}) m
         JOIN tracks t ON t.id = m.rowid LEFT JOIN track_stats ts ON ts.track_id = t.id
         ORDER BY plays DESC, t.id LIMIT ?`,
      )
      .all(inColumn('title'), limit) as Array<EntityRef & { plays: number; seconds: number }>;
    const albums = this.st
      .get(
        `SELECT al.id, al.title AS name, coalesce(sum(ts.plays), 0) AS plays, total(${TRACK_SECONDS}) AS seconds
         FROM (SELECT rowid FROM track_search WHERE track_search MATCH ? LIMIT ${MATCH_IDS_MAX}) m
         JOIN tracks t ON t.id = m.rowid JOIN albums al ON al.id = t.album_id LEFT JOIN track_stats ts ON ts.track_id = t.id
         GROUP BY al.id ORDER BY plays DESC, al.id LIMIT ?`,
      )
      .all(inColumn('album'), limit) as Array<EntityRef & { plays: number; seconds: number }>;
    // The artist column holds the whole field ("A feat. B"): keep the credited artists whose own name matches.
    const artistRows = this.st
      .get(
        `SELECT ca.id, ca.name, coalesce(sum(ts.plays), 0) AS plays, total(${TRACK_SECONDS}) AS seconds
         FROM (SELECT rowid FROM track_search WHERE track_search MATCH ? LIMIT ${MATCH_IDS_MAX}) m
         JOIN track_artists ta ON ta.track_id = m.rowid JOIN credited_artists ca ON ca.id = ta.artist_id
         JOIN tracks t ON t.id = m.rowid LEFT JOIN track_stats ts ON ts.track_id = t.id
         GROUP BY ca.id ORDER BY plays DESC, ca.id`,
      )
      .all(inColumn('artist')) as Array<EntityRef & { plays: number; seconds: number }>;
    const artists = artistRows.filter((a) => words.every((w) => highlightRanges(a.name, [w]).length > 0)).slice(0, limit);
    const trackCredits = this.creditsOf(tracks.map((t) => t.id));
    const albumCredits = this.albumCredits(albums.map((a) => a.id));
    return {
      artists,
      albums: albums.map((a) => ({ ...a, artists: albumCredits.get(a.id) ?? [] })),
      tracks: tracks.map((t) => ({ ...t, artists: trackCredits.get(t.id) ?? [] })),
    };
  }
}

/** "2026-03-02": the local calendar day of a local wall time (as if UTC). */
function dayString(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/**
 * Plays per local week (Monday first) or month, from the first bucket with a
 * play to the last, empty buckets included.
 */
export function timeline(rows: ReadonlyArray<readonly [number, number]>, bucket: 'week' | 'month', tz: string): Timeline {
  const zone = ZoneOffsets.of(tz);
  const counts = new Map<number, { plays: number; seconds: number }>();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const [ms, seconds] of rows) {
    const local = zone.local(ms);
    let key: number;
    if (bucket === 'week') {
      const day = Math.floor(local / DAY);
      // 1970-01-01 was a Thursday: (day + 3) % 7 is days since Monday.
      key = day - ((((day + 3) % 7) + 7) % 7);
    } else {
      const d = new Date(local);
      key = d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
    let c = counts.get(key);
    if (!c) counts.set(key, (c = { plays: 0, seconds: 0 }));
    c.plays++;
    c.seconds += seconds;
    if (key < min) min = key;
    if (key > max) max = key;
  }
  const points: Timeline['points'] = [];
  if (counts.size) {
    const step = bucket === 'week' ? 7 : 1;
    for (let key = min; key <= max; key += step) {
      const c = counts.get(key) ?? { plays: 0, seconds: 0 };
      const start = bucket === 'week' ? dayString(key * DAY) : `${String(Math.floor(key / 12)).padStart(4, '0')}-${String((key % 12) + 1).padStart(2, '0')}-01`;
      points.push({ start, plays: c.plays, seconds: c.seconds });
    }
  }
  return { bucket, points };
}
