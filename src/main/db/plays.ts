// Storing and reading plays. Hot paths use prepared statements directly
// (kysely compiles a query per call, too slow for 200k rows/s).
import type { PlaySource, PlayView, PlaysPerDay } from '../../shared/plays';
import { MOVEMENT_SEPARATOR, normalizeArtist, normalizeName, titleKey } from '../core/normalize';
import type BetterSqlite3 from 'better-sqlite3';
import { CreditWriter, type NewTrack } from './credits';
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

/**
 * What two sources' reports of one listen share: the first credited artist
 * (without "The") and the title without remaster/version tags; a classical
 * title keeps work and movement apart (see titleKey).
 */
export function matchKey(artist: string, title: string): string {
  return `${normalizeArtist(artist)}\u0001${titleKey(title)}`;
}

/**
 * Bumped whenever matchKey changes: stored tracks are re-keyed once, when a
 * database is first used, so old plays match new ones.
 */
export const MATCH_KEY_VERSION = 2;
const MATCH_KEY_VERSION_STATE = 'plays.matchKeyVersion';

function keyTitle(key: string): string {
  const at = key.indexOf('\u0001');
  return at < 0 ? key : key.slice(at + 1);
}

function keyMovement(key: string): string {
  const at = key.indexOf(MOVEMENT_SEPARATOR);
  return at < 0 ? keyTitle(key) : key.slice(at + 1);
}

const isWorkKey = (key: string) => key.indexOf(MOVEMENT_SEPARATOR) >= 0;
/** Matches no title part (a normalised title never holds it). */
const NO_TITLE = '\u0003';

/**
 * Two keys of one classical listen: the same movement, and the same work
 * when both name one; the artist is not compared (one source credits the
 * composer, the other the performers). Only when at least one title is a
 * work, so plain titles such as "Intro" never match across artists.
 */
export function classicalMatch(a: string, b: string): boolean {
  const aWork = isWorkKey(a);
  const bWork = isWorkKey(b);
  if (!aWork && !bWork) return false;
  if (keyMovement(a) !== keyMovement(b)) return false;
  if (aWork && bWork) return keyTitle(a) === keyTitle(b);
  return true;
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

/** The plays column holding each source's own start of the listen (see 001-initial). */
const SOURCE_COLUMN = { roon: 'roon_started_at', lastfm: 'lastfm_started_at' } as const satisfies Record<PlaySource, string>;

/** A play's sources from its source columns, in a stable (alphabetical) order. */
export function playSources(roonStartedAt: number | null, lastfmStartedAt: number | null): PlaySource[] {
  const sources: PlaySource[] = [];
  if (lastfmStartedAt !== null) sources.push('lastfm');
  if (roonStartedAt !== null) sources.push('roon');
  return sources;
}

/**
 * A batch preloads every stored play in its time window, unless the window
 * holds more than this many per play of the batch (plus a constant for small
 * batches): then a query per play is cheaper than reading the whole window
 * (a batch spanning years of a full library).
 */
const PRELOAD_ROWS_PER_PLAY = 4;
const PRELOAD_ROWS_MIN = 2_000;

/** New plays are written this many to an INSERT: one statement per row costs more than the row. */
const ROWS_PER_INSERT = 100;
const PLAY_COLUMNS = '(id, track_id, started_at, seconds_listened, zone, created_at, roon_started_at, lastfm_started_at)';
const PLAY_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The resolution cache is dropped past this many entries, some 300 bytes each:
 * memory stays bounded (a few MB), and a miss only costs a lookup.
 */
const RESOLVED_TRACKS_MAX = 50_000;

interface Statements {
  artistInsert: BetterSqlite3Statement;
  artistSelect: BetterSqlite3Statement;
  albumInsert: BetterSqlite3Statement;
  albumSelect: BetterSqlite3Statement;
  trackInsert: BetterSqlite3Statement;
  trackSelect: BetterSqlite3Statement;
  trackLength: BetterSqlite3Statement;
  maxPlayId: BetterSqlite3Statement;
  playRow: BetterSqlite3Statement;
  playRows: BetterSqlite3Statement;
  playInsert: Record<PlaySource, BetterSqlite3Statement>;
  merge: Record<PlaySource, BetterSqlite3Statement>;
  window: BetterSqlite3Statement;
  candidates: BetterSqlite3Statement;
  classicalCandidates: BetterSqlite3Statement;
  anyWorkTrack: BetterSqlite3Statement;
}
type BetterSqlite3Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** A play that might be the listen being ingested: stored, or queued by this batch. */
interface Candidate {
  id: number;
  trackId: number;
  /** The match key of its track (tracks.match_key). */
  matchKey: string;
  startedAt: number;
  roon: number | null;
  lastfm: number | null;
  /** Set while the play waits in the batch's queue (not written yet). */
  queued?: NewPlay;
}

/** Row shape of the `window` and `candidates` queries (raw arrays: no object per row). */
type CandidateRow = [id: number, trackId: number, startedAt: number, roon: number | null, lastfm: number | null, matchKey: string, lengthS: number | null];
type TrackRow = [id: number, lengthS: number | null, matchKey: string];

const CANDIDATE_COLUMNS = 'p.id, p.track_id, p.started_at, p.roon_started_at, p.lastfm_started_at, t.match_key, t.length_s';

/**
 * Finds the plays near a start with the same match key or the same track.
 * Either from memory (the batch's window preloaded, and kept up to date as the
 * batch inserts and merges), or by a query per play.
 */
interface CandidateFinder {
  near(key: string, trackId: number, startedAt: number): readonly Candidate[];
  /** A play the batch just added. */
  added(candidate: Candidate): void;
}

const NO_CANDIDATES: readonly Candidate[] = [];

class PreloadedCandidates implements CandidateFinder {
  private readonly byKey = new Map<string, Candidate[]>();
  private readonly byTrack = new Map<number, Candidate[]>();
  /** Classical plays by their movement (few: only work titles are indexed). */
  private readonly worksByMovement = new Map<string, Candidate[]>();
  /** Every play by its title part, built the first time a classical play asks (most batches never do). */
  private byTitle: Map<string, Candidate[]> | null = null;
  private readonly all: Candidate[] = [];

  near(key: string, trackId: number): readonly Candidate[] {
    const sameKey = this.byKey.get(key) ?? NO_CANDIDATES;
    // A track's plays almost always share the key; add the few that do not
    // (a track stored under another spelling's key).
    let others: Candidate[] | undefined;
    for (const c of this.byTrack.get(trackId) ?? NO_CANDIDATES) if (c.matchKey !== key) (others ??= []).push(c);
    // The same classical listen under another artist, or as the movement alone.
    if (isWorkKey(key)) {
      const movement = keyMovement(key);
      for (const c of this.titles().get(movement) ?? NO_CANDIDATES) if (c.matchKey !== key && c.trackId !== trackId) (others ??= []).push(c);
      for (const c of this.worksByMovement.get(movement) ?? NO_CANDIDATES) if (c.matchKey !== key && c.trackId !== trackId) (others ??= []).push(c);
    } else if (this.worksByMovement.size) {
      for (const c of this.worksByMovement.get(keyTitle(key)) ?? NO_CANDIDATES) if (c.trackId !== trackId) (others ??= []).push(c);
    }
    return others ? sameKey.concat(others) : sameKey;
  }

  added(c: Candidate): void {
    push(this.byKey, c.matchKey, c);
    push(this.byTrack, c.trackId, c);
    this.all.push(c);
    if (isWorkKey(c.matchKey)) push(this.worksByMovement, keyMovement(c.matchKey), c);
    else if (this.byTitle) push(this.byTitle, keyTitle(c.matchKey), c);
  }

  private titles(): Map<string, Candidate[]> {
    if (this.byTitle) return this.byTitle;
    this.byTitle = new Map();
    for (const c of this.all) if (!isWorkKey(c.matchKey)) push(this.byTitle, keyTitle(c.matchKey), c);
    return this.byTitle;
  }
}

function push<K>(map: Map<K, Candidate[]>, key: K, c: Candidate): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

/** What a play's artist, title and album resolve to. */
interface ResolvedTrack {
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
class TrackResolver {
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

  constructor(private readonly st: Statements) {}

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

export interface PlayStoreTuning {
  /** How many stored plays a batch's window may hold and still be preloaded (tests force either path). */
  preloadLimit?: (playsInBatch: number) => number;
}

export class PlayStore {
  private statements: Statements | null = null;
  private resolver: TrackResolver | null = null;
  private handle: SqliteHandle | null = null;
  private credits: CreditWriter | null = null;
  /** Whether any stored track has a classical (work: movement) key: only then do other keys need a second look. */
  private workTracks = false;

  constructor(
    private readonly database: EncoreDatabase,
    private readonly now: () => number = Date.now,
    private readonly tuning: PlayStoreTuning = {},
  ) {}

  private prepared(): Statements {
    const raw = this.database.raw;
    if (this.statements && this.handle === raw) return this.statements;
    rekeyTracks(raw);
    this.handle = raw;
    // Inserting one play (when candidates are queried per play): run() tells
    // a conflict (changes 0) and the new id (lastInsertRowid, which a
    // trigger's insert does not change); RETURNING would cost as much as the insert.
    const playInsert = (source: PlaySource) =>
      raw.prepare(
        `INSERT INTO plays (track_id, started_at, seconds_listened, zone, created_at, ${SOURCE_COLUMN[source]}) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (started_at, track_id) DO NOTHING`,
      );
    const merge = (source: PlaySource) => raw.prepare(`UPDATE plays SET ${SOURCE_COLUMN[source]} = ? WHERE id = ? AND ${SOURCE_COLUMN[source]} IS NULL`);
    this.statements = {
      artistInsert: raw.prepare('INSERT INTO artists (name, name_norm) VALUES (?, ?) ON CONFLICT (name_norm) DO NOTHING'),
      artistSelect: raw.prepare('SELECT id FROM artists WHERE name_norm = ?').pluck(),
      albumInsert: raw.prepare('INSERT INTO albums (artist_id, title, title_norm) VALUES (?, ?, ?) ON CONFLICT (artist_id, title_norm) DO NOTHING'),
      albumSelect: raw.prepare('SELECT id FROM albums WHERE artist_id = ? AND title_norm = ?').pluck(),
      trackInsert: raw.prepare(
        'INSERT INTO tracks (artist_id, album_id, title, title_norm, album_norm, match_key, length_s) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (artist_id, title_norm, album_norm) DO NOTHING',
      ),
      trackSelect: raw.prepare('SELECT id, length_s, match_key FROM tracks WHERE artist_id = ? AND title_norm = ? AND album_norm = ?').raw(),
      trackLength: raw.prepare('UPDATE tracks SET length_s = ? WHERE id = ? AND length_s IS NULL'),
      maxPlayId: raw.prepare('SELECT max(id) FROM plays').pluck(),
      // Queued plays, with the ids the batch gave them. No ON CONFLICT: the
      // batch ruled conflicts out, and one would abort it rather than store a wrong id.
      playRow: raw.prepare(`INSERT INTO plays ${PLAY_COLUMNS} VALUES ${PLAY_VALUES}`),
      playRows: raw.prepare(`INSERT INTO plays ${PLAY_COLUMNS} VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => PLAY_VALUES).join(', ')}`),
      playInsert: { roon: playInsert('roon'), lastfm: playInsert('lastfm') },
      merge: { roon: merge('roon'), lastfm: merge('lastfm') },
      // Every play in a batch's window; the LIMIT detects a window too full to preload.
      window: raw.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM plays p JOIN tracks t ON t.id = p.track_id WHERE p.started_at BETWEEN ? AND ? LIMIT ?`).raw(),
      // One play's candidates, when the batch's window was too full: the
      // plays of its own few minutes (a listener's plays, some dozens at most).
      candidates: raw
        .prepare(
          `SELECT ${CANDIDATE_COLUMNS} FROM plays p JOIN tracks t ON t.id = p.track_id
           WHERE p.started_at BETWEEN ? AND ? AND (t.match_key = ? OR p.track_id = ?)`,
        )
        .raw(),
      // …and those of them that may be the same classical listen under
      // another key (a work title; a plain title equal to this movement).
      // Asked only once the library holds classical titles at all.
      classicalCandidates: raw
        .prepare(
          `SELECT ${CANDIDATE_COLUMNS} FROM plays p JOIN tracks t ON t.id = p.track_id
           WHERE p.started_at BETWEEN ? AND ? AND (instr(t.match_key, char(2)) > 0 OR substr(t.match_key, instr(t.match_key, char(1)) + 1) = ?)`,
        )
        .raw(),
      anyWorkTrack: raw.prepare('SELECT EXISTS (SELECT 1 FROM tracks WHERE instr(match_key, char(2)) > 0)').pluck(),
    };
    this.resolver = new TrackResolver(this.statements);
    this.credits = new CreditWriter(raw);
    // Once per database; the batches keep it up to date (tracks are only ever added).
    this.workTracks = (this.statements.anyWorkTrack.get() as number) === 1;
    return this.statements;
  }

  /** Stores plays in one transaction: all of a batch or none of it. */
  ingest(plays: readonly NewPlay[]): IngestResult {
    const st = this.prepared();
    if (!this.resolver || this.resolver.full) this.resolver = new TrackResolver(st);
    const resolver = this.resolver;
    const result: IngestResult = { inserted: 0, merged: 0, duplicates: 0, rejected: 0, errors: [], insertedIds: [] };
    const now = this.now();

    const candidate = (row: CandidateRow): Candidate => {
      const [id, trackId, startedAt, roon, lastfm, matchKey, lengthS] = row;
      resolver.readLength(trackId, lengthS);
      return { id, trackId, matchKey, startedAt, roon, lastfm };
    };

    /** The batch's window in memory, or null when it holds too many plays to be worth reading. */
    const preload = (from: number, to: number, count: number): PreloadedCandidates | null => {
      const limit = this.tuning.preloadLimit?.(count) ?? PRELOAD_ROWS_MIN + PRELOAD_ROWS_PER_PLAY * count;
      const rows = st.window.all(from, to, limit + 1) as CandidateRow[];
      if (rows.length > limit) return null;
      const finder = new PreloadedCandidates();
      for (const row of rows) finder.added(candidate(row));
      return finder;
    };

    const perPlay: CandidateFinder = {
      near: (key, trackId, startedAt) => {
        const from = startedAt - MAX_TOLERANCE_MS;
        const to = startedAt + MAX_TOLERANCE_MS;
        const rows = st.candidates.all(from, to, key, trackId) as CandidateRow[];
        const work = isWorkKey(key);
        if (work || this.workTracks) {
          const seen = new Set(rows.map((r) => r[0]));
          for (const row of st.classicalCandidates.all(from, to, work ? keyMovement(key) : NO_TITLE) as CandidateRow[]) if (!seen.has(row[0])) rows.push(row);
        }
        return rows.map(candidate);
      },
      // The query sees the batch's own writes.
      added: () => undefined,
    };

    const run = this.database.raw.transaction((batch: readonly NewPlay[]) => {
      // Validate first: the valid plays' span is the window to preload.
      const valid: NewPlay[] = [];
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const play of batch) {
        const problem = validateNewPlay(play, now);
        if (problem) {
          result.rejected++;
          if (result.errors.length < 20) result.errors.push(`${play.artist} – ${play.title}: ${problem}`);
          continue;
        }
        valid.push(play);
        const startedAt = Math.round(play.startedAt);
        if (startedAt < first) first = startedAt;
        if (startedAt > last) last = startedAt;
      }
      if (valid.length === 0) return;
      const preloaded = preload(first - MAX_TOLERANCE_MS, last + MAX_TOLERANCE_MS, valid.length);
      const finder = preloaded ?? perPlay;
      // With the window in memory, new plays wait in a queue and are written
      // together at the end, with the ids SQLite would give them (max + 1, …:
      // this transaction is the only writer).
      const queue: Candidate[] | null = preloaded ? [] : null;
      let nextId = queue ? ((st.maxPlayId.get() as number | null) ?? 0) + 1 : 0;

      for (const play of valid) {
        const startedAt = Math.round(play.startedAt);
        const { trackId, key, trackKey } = resolver.resolve(play);
        resolver.learnLength(trackId, play.lengthSeconds);
        if (!this.workTracks && isWorkKey(trackKey)) this.workTracks = true;

        // One look at the plays around this start answers both questions:
        // did this source already record exactly this listen (a no-op), and did
        // another source record it (one play, both sources)? The source's own
        // start is what identifies a repeat: a merged play keeps the first source's start.
        let match: Candidate | undefined;
        let best = Number.POSITIVE_INFINITY;
        let duplicate = false;
        // A play of this track at this very start holds the slot (UNIQUE (started_at, track_id)).
        let slotTaken = false;
        for (const c of finder.near(key, trackId, startedAt)) {
          const distance = Math.abs(c.startedAt - startedAt);
          if (distance > MAX_TOLERANCE_MS) continue;
          // Another listen altogether (a classical candidate of another work or movement).
          if (c.matchKey !== key && c.trackId !== trackId && !classicalMatch(c.matchKey, key)) continue;
          const sourceStartedAt = c[play.source];
          if (sourceStartedAt === startedAt) {
            duplicate = true;
            break;
          }
          // That play already has its listen from this source: a replay, not this one.
          if (sourceStartedAt !== null) {
            if (distance === 0 && c.trackId === trackId) slotTaken = true;
            continue;
          }
          // Last.fm sends no length; the track Roon stored knows it.
          if (distance > matchToleranceMs(play.lengthSeconds ?? resolver.lengths.get(c.trackId) ?? null)) continue;
          // The nearest wins; at equal distance the earlier play, whatever order the candidates came in.
          if (distance < best || (distance === best && match !== undefined && c.startedAt < match.startedAt)) {
            best = distance;
            match = c;
          }
        }
        if (duplicate) {
          result.duplicates++;
          continue;
        }
        if (match !== undefined) {
          // A queued play is written with both sources; a stored one is updated.
          if (!match.queued) st.merge[play.source].run(startedAt, match.id);
          match[play.source] = startedAt;
          result.merged++;
          continue;
        }
        // Another source's report of this track at this start, stored at its own start: this listen is there.
        if (slotTaken) {
          result.duplicates++;
          continue;
        }
        const roon = play.source === 'roon' ? startedAt : null;
        const lastfm = play.source === 'lastfm' ? startedAt : null;
        let id: number;
        if (queue) {
          id = nextId++;
          const queued: Candidate = { id, trackId, matchKey: trackKey, startedAt, roon, lastfm, queued: play };
          queue.push(queued);
          finder.added(queued);
        } else {
          const info = st.playInsert[play.source].run(trackId, startedAt, play.secondsListened, play.zone, now, startedAt);
          // Safety net: the unique (started_at, track_id) says this listen is stored.
          if (info.changes === 0) {
            result.duplicates++;
            continue;
          }
          id = Number(info.lastInsertRowid);
        }
        result.inserted++;
        result.insertedIds.push(id);
      }
      if (queue) writeQueued(st, queue, now);
      if (resolver.added.length) {
        this.credits!.write(resolver.added);
        resolver.added.length = 0;
      }
    });
    try {
      run.immediate(plays);
    } catch (error) {
      // Rolled back: the cache may name tracks that were never stored.
      this.resolver = new TrackResolver(st);
      this.credits?.reset();
      // A lock or a full disk shows on the database, whoever wrote, and the error says what to do.
      throw this.database.noteWriteFailure(error);
    }
    return result;
  }

  /**
   * `ingest`, retried whole (asynchronously, never in SQLite's busy handler)
   * while another program holds the database or the disk is full: for a
   * caller that waits (an import page, a catch-up).
   */
  ingestWhenWritable(plays: readonly NewPlay[], signal?: AbortSignal): Promise<IngestResult> {
    return this.database.write(() => this.ingest(plays), signal);
  }

  /**
   * For plays nobody waits for (Roon's): queued in order and written as soon as
   * the database is open and writable, so a lock, a full disk or a reopen
   * loses none of them.
   */
  ingestQueued(plays: readonly NewPlay[]): Promise<IngestResult> {
    return this.database.enqueue(`${plays.length} play(s)`, () => this.ingest(plays));
  }

  /** Newest first; `beforeMs` pages back. */
  list(limit: number, beforeMs?: number): PlayView[] {
    return this.select('WHERE p.started_at < ? ORDER BY p.started_at DESC, p.id DESC LIMIT ?', [beforeMs ?? Number.MAX_SAFE_INTEGER, limit]);
  }

  /** Oldest first, started in [fromMs, toMs) (exports). */
  between(fromMs: number, toMs: number): PlayView[] {
    return this.select('WHERE p.started_at >= ? AND p.started_at < ? ORDER BY p.started_at, p.id', [fromMs, toMs]);
  }

  private select(tail: string, params: unknown[]): PlayView[] {
    const rows = this.database.raw
      .prepare(
        `SELECT p.id, p.started_at, p.seconds_listened, p.zone, t.title, ar.name AS artist, al.title AS album,
                p.roon_started_at, p.lastfm_started_at
         FROM plays p
         JOIN tracks t ON t.id = p.track_id
         JOIN artists ar ON ar.id = t.artist_id
         LEFT JOIN albums al ON al.id = t.album_id
         ${tail}`,
      )
      .all(...params) as Array<{
      id: number;
      started_at: number;
      seconds_listened: number | null;
      zone: string | null;
      title: string;
      artist: string;
      album: string | null;
      roon_started_at: number | null;
      lastfm_started_at: number | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      startedAt: new Date(r.started_at).toISOString(),
      artist: r.artist,
      title: r.title,
      album: r.album,
      secondsListened: r.seconds_listened,
      zone: r.zone,
      sources: playSources(r.roon_started_at, r.lastfm_started_at),
    }));
  }

  count(): number {
    return this.database.raw.prepare('SELECT count(*) FROM plays').pluck().get() as number;
  }

  /** Start of the newest play from a source, UTC ms (Last.fm catch-up starts there). */
  newestFrom(source: PlaySource): number | null {
    const column = SOURCE_COLUMN[source];
    // A source's start is within MAX_TOLERANCE_MS of its play's start, so its
    // newest start lies on a play at most twice that before the newest play it
    // is on: found from the started_at index, not by reading every play.
    const newest = this.database.raw
      .prepare(
        `SELECT max(${column}) FROM plays
         WHERE started_at >= (SELECT started_at FROM plays WHERE ${column} IS NOT NULL ORDER BY started_at DESC LIMIT 1) - ?`,
      )
      .pluck()
      .get(2 * MAX_TOLERANCE_MS) as number | null;
    return newest ?? null;
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

/**
 * Recomputes every track's match key when they were made by an older matchKey
 * (MATCH_KEY_VERSION), so stored plays keep matching. Once per database; a
 * library of 100,000 tracks takes a fraction of a second.
 */
function rekeyTracks(raw: SqliteHandle): void {
  const version = raw.prepare('SELECT value FROM app_state WHERE key = ?').pluck().get(MATCH_KEY_VERSION_STATE) as string | undefined;
  if (version !== undefined && Number(version) === MATCH_KEY_VERSION) return;
  raw
    .transaction(() => {
      const update = raw.prepare('UPDATE tracks SET match_key = ? WHERE id = ? AND match_key != ?');
      const rows = raw.prepare('SELECT t.id, t.title, a.name FROM tracks t JOIN artists a ON a.id = t.artist_id').raw().all() as Array<[number, string, string]>;
      for (const [id, title, artist] of rows) {
        const key = matchKey(artist, title);
        update.run(key, id, key);
      }
      raw
        .prepare('INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
        .run(MATCH_KEY_VERSION_STATE, JSON.stringify(MATCH_KEY_VERSION), Date.now());
    })
    .immediate();
}

/** Writes a batch's queued plays, ROWS_PER_INSERT to a statement. */
function writeQueued(st: Statements, queue: readonly Candidate[], now: number): void {
  const columns = 8;
  const values: unknown[] = new Array<unknown>(ROWS_PER_INSERT * columns);
  let i = 0;
  for (; i + ROWS_PER_INSERT <= queue.length; i += ROWS_PER_INSERT) {
    for (let k = 0; k < ROWS_PER_INSERT; k++) playValues(queue[i + k]!, now, values, k * columns);
    st.playRows.run(values);
  }
  const one: unknown[] = new Array<unknown>(columns);
  for (; i < queue.length; i++) {
    playValues(queue[i]!, now, one, 0);
    st.playRow.run(one);
  }
}

function playValues(c: Candidate, now: number, into: unknown[], at: number): void {
  const play = c.queued!;
  into[at] = c.id;
  into[at + 1] = c.trackId;
  into[at + 2] = c.startedAt;
  into[at + 3] = play.secondsListened;
  into[at + 4] = play.zone;
  into[at + 5] = now;
  into[at + 6] = c.roon;
  into[at + 7] = c.lastfm;
}
