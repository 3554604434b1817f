// The explore rollups (track_stats, track_plays, the per-artist and per-album
// totals and the per-day tables; see 003-explore) follow the
// plays table from behind: plays up to the watermark are counted, and every
// read first brings them up to the newest play. Ingest pays nothing per play;
// the read after a big import pays the catch-up, in chunks between which the
// event loop runs, so the app stays responsive while a million plays are counted.
//
// Play ids only grow (the ingest gives max + 1), so "plays with id > watermark"
// are exactly the ones not counted yet. Deleting or moving a counted play is
// handled by triggers (003-explore).
//
// A measured hot path, so prepared statements rather than typed kysely
// queries: bench/explore.ts counts 32,000 plays a second after an import of a
// million (2 shared cores).
import type BetterSqlite3 from 'better-sqlite3';
import type { EncoreDatabase, SqliteHandle } from './database';

/** Plays counted per step: about 40 ms on a million plays (50,000 plays/s measured, bench/explore.ts), short enough not to stall the window. */
const CHUNK = 2_000;

/**
 * A chunk's plays with their time listened, read once into a temporary table
 * (in memory) that the per-artist, per-album and per-day counts then share.
 */
const CHUNK_TABLE = `CREATE TEMP TABLE IF NOT EXISTS rollup_chunk (
  track_id INTEGER NOT NULL, day INTEGER NOT NULL, seconds REAL NOT NULL, album_id INTEGER, zone TEXT NOT NULL, roon INTEGER NOT NULL, lastfm INTEGER NOT NULL)`;
const FILL_CHUNK = `INSERT INTO temp.rollup_chunk (track_id, day, seconds, album_id, zone, roon, lastfm)
  SELECT p.track_id, p.started_at / 86400000, coalesce(p.seconds_listened, t.length_s, 0), t.album_id,
    coalesce(p.zone, ''), p.roon_started_at IS NOT NULL, p.lastfm_started_at IS NOT NULL
  FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.id > ? AND p.id <= ?`;
const ADD = (table: string) => `ON CONFLICT DO UPDATE SET plays = ${table}.plays + excluded.plays, seconds = ${table}.seconds + excluded.seconds`;
const GROUPED = [
  `INSERT INTO artist_stats (artist_id, plays, seconds) SELECT ta.artist_id, count(*), total(c.seconds) FROM temp.rollup_chunk c
   JOIN track_artists ta ON ta.track_id = c.track_id WHERE true GROUP BY ta.artist_id ${ADD('artist_stats')}`,
  `INSERT INTO album_stats (album_id, plays, seconds) SELECT c.album_id, count(*), total(c.seconds) FROM temp.rollup_chunk c
   WHERE c.album_id IS NOT NULL GROUP BY c.album_id ${ADD('album_stats')}`,
  `INSERT INTO track_days (day, track_id, plays, seconds) SELECT c.day, c.track_id, count(*), total(c.seconds) FROM temp.rollup_chunk c
   WHERE true GROUP BY c.day, c.track_id ${ADD('track_days')}`,
  `INSERT INTO album_days (day, album_id, plays, seconds) SELECT c.day, c.album_id, count(*), total(c.seconds) FROM temp.rollup_chunk c
   WHERE c.album_id IS NOT NULL GROUP BY c.day, c.album_id ${ADD('album_days')}`,
  `INSERT INTO artist_days (day, artist_id, plays, seconds) SELECT c.day, ta.artist_id, count(*), total(c.seconds) FROM temp.rollup_chunk c
   JOIN track_artists ta ON ta.track_id = c.track_id WHERE true GROUP BY c.day, ta.artist_id ${ADD('artist_days')}`,
  `INSERT INTO zone_days (day, zone, roon, lastfm, plays, seconds) SELECT day, zone, roon, lastfm, count(*), total(seconds) FROM temp.rollup_chunk
   WHERE true GROUP BY day, zone, roon, lastfm ${ADD('zone_days')}`,
];

interface Statements {
  watermark: BetterSqlite3.Statement<unknown[], unknown>;
  maxId: BetterSqlite3.Statement<unknown[], unknown>;
  stats: BetterSqlite3.Statement<unknown[], unknown>;
  plays: BetterSqlite3.Statement<unknown[], unknown>;
  fill: BetterSqlite3.Statement<unknown[], unknown>;
  clear: BetterSqlite3.Statement<unknown[], unknown>;
  grouped: Array<BetterSqlite3.Statement<unknown[], unknown>>;
  advance: BetterSqlite3.Statement<unknown[], unknown>;
}

export class Rollups {
  private statements: Statements | null = null;
  private handle: SqliteHandle | null = null;

  constructor(
    private readonly database: EncoreDatabase,
    private readonly yieldToLoop: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
  ) {}

  private prepared(): Statements {
    const raw = this.database.raw;
    if (this.statements && this.handle === raw) return this.statements;
    this.handle = raw;
    raw.exec(CHUNK_TABLE);
    this.statements = {
      watermark: raw.prepare('SELECT watermark FROM rollup_state WHERE id = 1').pluck(),
      maxId: raw.prepare('SELECT max(id) FROM plays').pluck(),
      stats: raw.prepare(
        `INSERT INTO track_stats (track_id, plays, seconds, unmeasured, first_at, last_at)
         SELECT track_id, count(*), total(seconds_listened), sum(seconds_listened IS NULL), min(started_at), max(started_at)
         FROM plays WHERE id > ? AND id <= ? GROUP BY track_id
         ON CONFLICT (track_id) DO UPDATE SET plays = plays + excluded.plays, seconds = seconds + excluded.seconds,
           unmeasured = unmeasured + excluded.unmeasured,
           first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`,
      ),
      plays: raw.prepare(
        `INSERT OR IGNORE INTO track_plays (track_id, started_at, play_id, seconds)
         SELECT p.track_id, p.started_at, p.id, coalesce(p.seconds_listened, t.length_s, 0) FROM plays p CROSS JOIN tracks t ON t.id = p.track_id WHERE p.id > ? AND p.id <= ?`,
      ),
      fill: raw.prepare(FILL_CHUNK),
      clear: raw.prepare('DELETE FROM temp.rollup_chunk'),
      grouped: GROUPED.map((sql) => raw.prepare(sql)),
      advance: raw.prepare('UPDATE rollup_state SET watermark = ? WHERE id = 1'),
    };
    return this.statements;
  }

  /** How many plays are not counted yet. */
  behind(): number {
    const st = this.prepared();
    return Math.max(0, ((st.maxId.get() as number | null) ?? 0) - (st.watermark.get() as number));
  }

  /** Counts one chunk; true when the rollups are now up to date. */
  step(chunk = CHUNK): boolean {
    // busy_timeout is 0 on Encore's connection (database.ts): another
    // program's lock fails this at once, never stalls the event loop.
    return this.countChunk(this.prepared(), chunk);
  }

  private countChunk(st: Statements, chunk: number): boolean {
    return this.database.raw
      .transaction(() => {
        const from = st.watermark.get() as number;
        const max = (st.maxId.get() as number | null) ?? 0;
        if (max <= from) return true;
        const to = Math.min(max, from + chunk);
        st.stats.run(from, to);
        st.plays.run(from, to);
        st.fill.run(from, to);
        for (const statement of st.grouped) statement.run();
        st.clear.run();
        st.advance.run(to);
        return to >= max;
      })
      .immediate();
  }

  /**
   * Up to date with the newest play, one chunk per turn of the event loop.
   * Concurrent callers share the work (each step reads the watermark in its
   * transaction). A caller that reads right after, in the same tick, sees
   * every stored play: ingest is synchronous, so none can slip in between.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    while (!this.step()) {
      await this.yieldToLoop();
      signal?.throwIfAborted();
    }
  }
}
