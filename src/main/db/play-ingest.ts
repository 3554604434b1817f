// Ingest: a batch of plays stored in one transaction, each matched against
// the plays around its start (the same listen from another source is merged,
// a repeat is a duplicate). The hot path: prepared statements, raw rows and a
// preloaded window, not kysely (which compiles a query per call).
// bench/foundation.ts measures it: 253,000 plays/s (median batch of 5,000 into
// a million plays, 2 shared cores; the target is 200,000).
import type BetterSqlite3 from 'better-sqlite3';
import type { PlaySource } from '../../shared/plays';
import { CreditWriter } from './credits';
import type { EncoreDatabase, SqliteHandle } from './database';
import {
  classicalMatch,
  isWorkKey,
  keyMovement,
  keyTitle,
  matchKey,
  matchToleranceMs,
  MATCH_KEY_VERSION,
  MATCH_KEY_VERSION_STATE,
  MAX_TOLERANCE_MS,
  NO_TITLE,
  SOURCE_COLUMN,
  validateNewPlay,
  type NewPlay,
} from './play-match';
import { prepareTrackStatements, TrackResolver, type TrackStatements } from './track-resolver';

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

export interface PlayStoreTuning {
  /** How many stored plays a batch's window may hold and still be preloaded (tests force either path). */
  preloadLimit?: (playsInBatch: number) => number;
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

interface IngestStatements extends TrackStatements {
  maxPlayId: Statement;
  playRow: Statement;
  playRows: Statement;
  playInsert: Record<PlaySource, Statement>;
  merge: Record<PlaySource, Statement>;
  window: Statement;
  candidates: Statement;
  classicalCandidates: Statement;
  anyWorkTrack: Statement;
}
type Statement = BetterSqlite3.Statement<unknown[], unknown>;

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

export class PlayIngest {
  private statements: IngestStatements | null = null;
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

  private prepared(): IngestStatements {
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
      ...prepareTrackStatements(raw),
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
function writeQueued(st: IngestStatements, queue: readonly Candidate[], now: number): void {
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
