// Artist, album and track ids for the names plays arrive with: the ingest's
// hot path, so prepared statements and caches rather than a query builder
// (see play-ingest.ts for the figure).
import type BetterSqlite3 from 'better-sqlite3';
import { normalizeArtist, normalizeName, titleKey } from '../core/normalize';
import type { NewTrack } from './credits';
import type { SqliteHandle } from './database';
import type { NewPlay } from './play-match';

/**
 * The resolution cache is dropped past this many entries, some 300 bytes each:
 * memory stays bounded (a few MB), and a miss only costs a lookup.
 */
const RESOLVED_TRACKS_MAX = 50_000;

type Statement = BetterSqlite3.Statement<unknown[], unknown>;
type TrackRow = [id: number, lengthS: number | null, matchKey: string];

/** The statements the resolver runs, prepared once per handle. */
export interface TrackStatements {
  artistInsert: Statement;
  artistSelect: Statement;
  albumInsert: Statement;
  albumSelect: Statement;
  trackInsert: Statement;
  trackSelect: Statement;
  trackLength: Statement;
}

export function prepareTrackStatements(raw: SqliteHandle): TrackStatements {
  return {
    artistInsert: raw.prepare('INSERT INTO artists (name, name_norm) VALUES (?, ?) ON CONFLICT (name_norm) DO NOTHING'),
    artistSelect: raw.prepare('SELECT id FROM artists WHERE name_norm = ?').pluck(),
    albumInsert: raw.prepare('INSERT INTO albums (artist_id, title, title_norm) VALUES (?, ?, ?) ON CONFLICT (artist_id, title_norm) DO NOTHING'),
    albumSelect: raw.prepare('SELECT id FROM albums WHERE artist_id = ? AND title_norm = ?').pluck(),
    trackInsert: raw.prepare(
      'INSERT INTO tracks (artist_id, album_id, title, title_norm, album_norm, match_key, length_s) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (artist_id, title_norm, album_norm) DO NOTHING',
    ),
    trackSelect: raw.prepare('SELECT id, length_s, match_key FROM tracks WHERE artist_id = ? AND title_norm = ? AND album_norm = ?').raw(),
    trackLength: raw.prepare('UPDATE tracks SET length_s = ? WHERE id = ? AND length_s IS NULL'),
  };
}

/** What a play's artist, title and album resolve to. */
export interface ResolvedTrack {
  trackId: number;
  /** The play's own match key: matchKey(artist, title). */
  key: string;
  /** The key stored on the track (that of the spelling that created it; usually `key`). */
  trackKey: string;
}

/**
 * Artist, album and track ids for the names plays arrive with, cached across
 * ingests: the same strings always resolve to the same track, since tracks and
 * artists are only ever added (by this class alone). The cache is dropped when
 * a batch rolls back (it may hold ids that were never committed) and with the
 * handle (a reopened or restored file).
 */
export class TrackResolver {
  private readonly resolved = new Map<string, ResolvedTrack>();
  /** Each track's stored length (null: unknown). A known length never changes. */
  readonly lengths = new Map<number, number | null>();
  private readonly artistIds = new Map<string, number>();
  // Normalising is the slow part of a miss; a batch repeats artists and albums.
  private readonly names = new Map<string, string>();
  private readonly titleKeys = new Map<string, string>();
  private readonly firstArtists = new Map<string, string>();
  /** Tracks this batch created: their credits are written before it commits. */
  readonly added: NewTrack[] = [];

  constructor(private readonly st: TrackStatements) {}

  get full(): boolean {
    return this.resolved.size > RESOLVED_TRACKS_MAX || this.lengths.size > RESOLVED_TRACKS_MAX;
  }

  resolve(play: NewPlay): ResolvedTrack {
    // Lengths make the key unambiguous whatever characters the names hold; no album and '' are the same.
    const album = play.album ?? '';
    const raw = `${play.artist.length}:${play.artist}${play.title.length}:${play.title}${album}`;
    let track = this.resolved.get(raw);
    if (track === undefined) {
      track = this.lookUp(play);
      this.resolved.set(raw, track);
    }
    return track;
  }

  /** A stored play's track length, as a query just read it. */
  readLength(trackId: number, lengthS: number | null): void {
    if (lengthS !== null || !this.lengths.has(trackId)) this.lengths.set(trackId, lengthS);
  }

  /** Stores the track's length if it has none yet: the first length heard sticks (Last.fm sends none; Roon's fills it in). */
  learnLength(trackId: number, lengthSeconds: number | null): void {
    if (!lengthSeconds || this.lengths.get(trackId) != null) return;
    this.st.trackLength.run(lengthSeconds, trackId);
    this.lengths.set(trackId, lengthSeconds);
  }

  private lookUp(play: NewPlay): ResolvedTrack {
    const st = this.st;
    const titleNorm = this.norm(play.title) || play.title.trim().toLowerCase();
    const albumNorm = play.album ? this.norm(play.album) : '';
    // Same as matchKey(artist, title), from the cached pieces.
    const key = `${this.firstArtist(play.artist)}\u0001${this.titleKey(play.title)}`;
    const aId = this.artistId(play.artist);
    let row = st.trackSelect.get(aId, titleNorm, albumNorm) as TrackRow | undefined;
    if (row === undefined) {
      let albumId: number | null = null;
      if (play.album && albumNorm) {
        st.albumInsert.run(aId, play.album.trim(), albumNorm);
        albumId = st.albumSelect.get(aId, albumNorm) as number;
      }
      st.trackInsert.run(aId, albumId, play.title.trim(), titleNorm, albumNorm, key, play.lengthSeconds);
      row = st.trackSelect.get(aId, titleNorm, albumNorm) as TrackRow;
      this.added.push({ id: row[0], artist: play.artist.trim(), title: play.title.trim(), album: play.album?.trim() || null });
    }
    this.readLength(row[0], row[1]);
    return { trackId: row[0], key, trackKey: row[2] === key ? key : row[2] };
  }

  private artistId(name: string): number {
    const normalized = this.norm(name) || name.trim().toLowerCase();
    let id = this.artistIds.get(normalized);
    if (id === undefined) {
      // Look first: most artists are known, and a no-op insert costs more than a lookup.
      id = this.st.artistSelect.get(normalized) as number | undefined;
      if (id === undefined) {
        this.st.artistInsert.run(name.trim(), normalized);
        id = this.st.artistSelect.get(normalized) as number;
      }
      this.artistIds.set(normalized, id);
    }
    return id;
  }

  private norm(value: string): string {
    let n = this.names.get(value);
    if (n === undefined) this.names.set(value, (n = normalizeName(value)));
    return n;
  }

  private titleKey(value: string): string {
    let n = this.titleKeys.get(value);
    if (n === undefined) this.titleKeys.set(value, (n = titleKey(value)));
    return n;
  }

  private firstArtist(value: string): string {
    let n = this.firstArtists.get(value);
    if (n === undefined) this.firstArtists.set(value, (n = normalizeArtist(value)));
    return n;
  }
}
