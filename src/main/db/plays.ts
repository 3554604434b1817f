// Storing and reading plays. Hot paths use prepared statements directly
// (kysely compiles a query per call, too slow for 200k rows/s).
import type { PlaySource, PlayView, PlaysPerDay } from '../../shared/plays';
import { normalizeArtist, normalizeName } from '../core/normalize';
import type BetterSqlite3 from 'better-sqlite3';
import type { EncoreDatabase, SqliteHandle } from './database';

export interface NewPlay {
  artist: string;
  title: string;
  album: string | null;
  lengthSeconds: number | null;
  /** The real start of the listen, UTC ms. */
  startedAt: number;
  secondsListened: number | null;
  zone: string | null;
  source: PlaySource;
}

export interface IngestResult {
  inserted: number;
  /** Matched a play another source had already recorded: one listen, two sources. */
  merged: number;
  /** Exactly this listen from this source was already stored. */
  duplicates: number;
  /** Rejected as invalid (named in `errors`); nothing of them was written. */
  rejected: number;
  errors: string[];
  insertedIds: number[];
}

/**
 * How far apart two sources' start times may be for one listen. Tied to the
 * track's length so that the same track played twice in a row stays two plays:
 * a replay starts at least one length later, and this stays under half of it
 * (the nearest candidate wins, so a replay never steals its neighbour's match).
 * Unknown length (Last.fm sends none): 90 s, unless the stored track knows it.
 */
export function matchToleranceMs(lengthSeconds: number | null): number {
  if (!lengthSeconds || lengthSeconds <= 0) return 90_000;
  return Math.round(Math.min(300, Math.max(20, lengthSeconds * 0.45)) * 1000);
}

/** The widest tolerance any length can give: the candidate search window when the length is unknown. */
const MAX_TOLERANCE_MS = 300_000;

export function matchKey(artist: string, title: string): string {
  return `${normalizeArtist(artist)}\u0001${normalizeName(title)}`;
}

const MAX_TEXT = 1000;
const MIN_TIME = Date.UTC(2000, 0, 1);

export function validateNewPlay(play: NewPlay, nowMs: number): string | null {
  if (typeof play.artist !== 'string' || !play.artist.trim()) return 'artist is empty';
  if (typeof play.title !== 'string' || !play.title.trim()) return 'title is empty';
  if (play.artist.length > MAX_TEXT || play.title.length > MAX_TEXT || (play.album?.length ?? 0) > MAX_TEXT) return 'a name is absurdly long';
  if (!Number.isFinite(play.startedAt) || play.startedAt < MIN_TIME || play.startedAt > nowMs + 24 * 3600_000) {
    return `start time ${String(play.startedAt)} is out of range`;
  }
  if (play.secondsListened !== null && (!Number.isFinite(play.secondsListened) || play.secondsListened < 0 || play.secondsListened > 7 * 86400)) {
    return `seconds listened ${String(play.secondsListened)} is out of range`;
  }
  if (play.lengthSeconds !== null && (!Number.isFinite(play.lengthSeconds) || play.lengthSeconds < 0 || play.lengthSeconds > 7 * 86400)) {
    return `length ${String(play.lengthSeconds)} is out of range`;
  }
  return null;
}

interface Statements {
  artistInsert: BetterSqlite3Statement;
  artistSelect: BetterSqlite3Statement;
  albumInsert: BetterSqlite3Statement;
  albumSelect: BetterSqlite3Statement;
  trackInsert: BetterSqlite3Statement;
  trackSelect: BetterSqlite3Statement;
  trackLength: BetterSqlite3Statement;
  playInsert: BetterSqlite3Statement;
  candidates: BetterSqlite3Statement;
  sourceInsert: BetterSqlite3Statement;
}
type BetterSqlite3Statement = BetterSqlite3.Statement<unknown[], unknown>;

interface Candidate {
  id: number;
  trackId: number;
  startedAt: number;
  lengthS: number | null;
  sourceStartedAt: number | null;
}

export class PlayStore {
  private statements: Statements | null = null;
  private handle: SqliteHandle | null = null;

  constructor(
    private readonly database: EncoreDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private prepared(): Statements {
    const raw = this.database.raw;
    if (this.statements && this.handle === raw) return this.statements;
    this.handle = raw;
    this.statements = {
      artistInsert: raw.prepare('INSERT INTO artists (name, name_norm) VALUES (?, ?) ON CONFLICT (name_norm) DO NOTHING'),
      artistSelect: raw.prepare('SELECT id FROM artists WHERE name_norm = ?').pluck(),
      albumInsert: raw.prepare('INSERT INTO albums (artist_id, title, title_norm) VALUES (?, ?, ?) ON CONFLICT (artist_id, title_norm) DO NOTHING'),
      albumSelect: raw.prepare('SELECT id FROM albums WHERE artist_id = ? AND title_norm = ?').pluck(),
      trackInsert: raw.prepare(
        'INSERT INTO tracks (artist_id, album_id, title, title_norm, album_norm, match_key, length_s) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (artist_id, title_norm, album_norm) DO NOTHING',
      ),
      trackSelect: raw.prepare('SELECT id FROM tracks WHERE artist_id = ? AND title_norm = ? AND album_norm = ?').pluck(),
      trackLength: raw.prepare('UPDATE tracks SET length_s = ? WHERE id = ? AND length_s IS NULL'),
      playInsert: raw.prepare(
        'INSERT INTO plays (track_id, started_at, seconds_listened, zone, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (track_id, started_at) DO NOTHING RETURNING id',
      ).pluck(),
      // Every play of this track, or of a track with the same match key, near this start.
      candidates: raw.prepare(
        `SELECT p.id, p.track_id AS trackId, p.started_at AS startedAt, t.length_s AS lengthS,
                (SELECT s.started_at FROM play_sources s WHERE s.play_id = p.id AND s.source = ?) AS sourceStartedAt
         FROM plays p JOIN tracks t ON t.id = p.track_id
         WHERE p.started_at BETWEEN ? AND ? AND (t.match_key = ? OR p.track_id = ?)`,
      ),
      sourceInsert: raw.prepare('INSERT INTO play_sources (play_id, source, started_at, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    };
    return this.statements;
  }

  /** Stores plays in one transaction: all of a batch or none of it. */
  ingest(plays: readonly NewPlay[]): IngestResult {
    const st = this.prepared();
    const result: IngestResult = { inserted: 0, merged: 0, duplicates: 0, rejected: 0, errors: [], insertedIds: [] };
    const now = this.now();
    const artistIds = new Map<string, number>();
    const trackIds = new Map<string, number>();
    // A batch repeats the same artists and albums: normalise each string once.
    const names = new Map<string, string>();
    const firstArtists = new Map<string, string>();
    const norm = (value: string): string => {
      let n = names.get(value);
      if (n === undefined) names.set(value, (n = normalizeName(value)));
      return n;
    };
    const firstArtist = (value: string): string => {
      let n = firstArtists.get(value);
      if (n === undefined) firstArtists.set(value, (n = normalizeArtist(value)));
      return n;
    };

    const artistId = (name: string): number => {
      const normalized = norm(name) || name.trim().toLowerCase();
      let id = artistIds.get(normalized);
      if (id === undefined) {
        // Look first: most artists are known, and a no-op insert costs more than a lookup.
        id = st.artistSelect.get(normalized) as number | undefined;
        if (id === undefined) {
          st.artistInsert.run(name.trim(), normalized);
          id = st.artistSelect.get(normalized) as number;
        }
        artistIds.set(normalized, id);
      }
      return id;
    };

    const run = this.database.raw.transaction((batch: readonly NewPlay[]) => {
      for (const play of batch) {
        const problem = validateNewPlay(play, now);
        if (problem) {
          result.rejected++;
          if (result.errors.length < 20) result.errors.push(`${play.artist} – ${play.title}: ${problem}`);
          continue;
        }
        const startedAt = Math.round(play.startedAt);
        const titleNorm = norm(play.title) || play.title.trim().toLowerCase();
        const albumNorm = play.album ? norm(play.album) : '';
        // Same as matchKey(artist, title), from the cached pieces.
        const key = `${firstArtist(play.artist)}\u0001${norm(play.title)}`;
        const aId = artistId(play.artist);
        const trackKey = `${aId}\u0001${titleNorm}\u0001${albumNorm}`;
        let tId = trackIds.get(trackKey);
        if (tId === undefined) {
          tId = st.trackSelect.get(aId, titleNorm, albumNorm) as number | undefined;
          if (tId === undefined) {
            let albumId: number | null = null;
            if (play.album && albumNorm) {
              st.albumInsert.run(aId, play.album.trim(), albumNorm);
              albumId = st.albumSelect.get(aId, albumNorm) as number;
            }
            st.trackInsert.run(aId, albumId, play.title.trim(), titleNorm, albumNorm, key, play.lengthSeconds);
            tId = st.trackSelect.get(aId, titleNorm, albumNorm) as number;
          }
          trackIds.set(trackKey, tId);
        }
        if (play.lengthSeconds) st.trackLength.run(play.lengthSeconds, tId);

        // One look at the plays around this start answers both questions:
        // did this source already record exactly this listen (a no-op), and did
        // another source record it (one play, both sources)? The source's own
        // start is what identifies a repeat: a merged play keeps the first source's start.
        const candidates = st.candidates.all(play.source, startedAt - MAX_TOLERANCE_MS, startedAt + MAX_TOLERANCE_MS, key, tId) as Candidate[];
        let match: number | undefined;
        let best = Number.POSITIVE_INFINITY;
        let duplicate = false;
        for (const c of candidates) {
          if (c.sourceStartedAt === startedAt) {
            duplicate = true;
            break;
          }
          // That play already has its listen from this source: a replay, not this one.
          if (c.sourceStartedAt !== null) continue;
          const distance = Math.abs(c.startedAt - startedAt);
          // Last.fm sends no length; the track Roon stored knows it.
          if (distance <= matchToleranceMs(play.lengthSeconds ?? c.lengthS) && distance < best) {
            best = distance;
            match = c.id;
          }
        }
        if (duplicate) {
          result.duplicates++;
          continue;
        }
        if (match !== undefined) {
          st.sourceInsert.run(match, play.source, startedAt, now);
          result.merged++;
          continue;
        }
        const id = st.playInsert.get(tId, startedAt, play.secondsListened, play.zone, now) as number | undefined;
        if (id === undefined) {
          result.duplicates++;
          continue;
        }
        st.sourceInsert.run(id, play.source, startedAt, now);
        result.inserted++;
        result.insertedIds.push(id);
      }
    });
    run.immediate(plays);
    return result;
  }

  /** Newest first; `beforeMs` pages back. */
  list(limit: number, beforeMs?: number): PlayView[] {
    const raw = this.database.raw;
    const rows = raw
      .prepare(
        `SELECT p.id, p.started_at, p.seconds_listened, p.zone, t.title, ar.name AS artist, al.title AS album,
                (SELECT group_concat(source, ',') FROM (SELECT source FROM play_sources s WHERE s.play_id = p.id ORDER BY source)) AS sources
         FROM plays p
         JOIN tracks t ON t.id = p.track_id
         JOIN artists ar ON ar.id = t.artist_id
         LEFT JOIN albums al ON al.id = t.album_id
         WHERE p.started_at < ?
         ORDER BY p.started_at DESC, p.id DESC
         LIMIT ?`,
      )
      .all(beforeMs ?? Number.MAX_SAFE_INTEGER, limit) as Array<{
      id: number;
      started_at: number;
      seconds_listened: number | null;
      zone: string | null;
      title: string;
      artist: string;
      album: string | null;
      sources: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      startedAt: new Date(r.started_at).toISOString(),
      artist: r.artist,
      title: r.title,
      album: r.album,
      secondsListened: r.seconds_listened,
      zone: r.zone,
      sources: (r.sources ? r.sources.split(',') : []) as PlaySource[],
    }));
  }

  count(): number {
    return this.database.raw.prepare('SELECT count(*) FROM plays').pluck().get() as number;
  }

  /** Start of the newest play from a source, UTC ms (Last.fm catch-up starts there). */
  newestFrom(source: PlaySource): number | null {
    return (this.database.raw.prepare('SELECT max(started_at) FROM play_sources WHERE source = ?').pluck().get(source) as number | null) ?? null;
  }

  /**
   * Plays per day between two instants, from the hourly rollup. Days are cut
   * at local midnight using `utcOffsetMinutesAt` (pass the zone's offset function).
   */
  perDay(fromMs: number, toMs: number, utcOffsetMinutesAt: (ms: number) => number = () => 0): PlaysPerDay {
    const rows = this.database.raw
      .prepare('SELECT hour, plays FROM play_hours WHERE hour >= ? AND hour < ? AND plays > 0 ORDER BY hour')
      .raw()
      .all(Math.floor(fromMs / 3600_000), Math.ceil(toMs / 3600_000)) as Array<[number, number]>;
    const DAY = 86_400_000;
    const days = new Map<number, number>();
    // The offset is asked once per UTC day, and per hour only on the days it
    // changes (daylight saving): a year is 8,760 rows, and asking a time zone
    // is the slow part.
    let utcDay = Number.NaN;
    let dayOffset: number | null = null;
    for (const [hour, plays] of rows) {
      const ms = hour * 3600_000;
      const d = Math.floor(ms / DAY);
      if (d !== utcDay) {
        utcDay = d;
        const start = utcOffsetMinutesAt(d * DAY);
        dayOffset = start === utcOffsetMinutesAt(d * DAY + DAY - 1) ? start : null;
      }
      const offset = dayOffset ?? utcOffsetMinutesAt(ms);
      const local = Math.floor((ms + offset * 60_000) / DAY);
      days.set(local, (days.get(local) ?? 0) + plays);
    }
    return [...days].map(([day, plays]) => ({ day: new Date(day * DAY).toISOString().slice(0, 10), plays }));
  }
}
