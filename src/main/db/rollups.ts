// The explore rollups (track_stats, track_plays; see 002-explore) follow the
// plays table from behind: plays up to the watermark are counted, and every
// read first brings them up to the newest play. Ingest pays nothing per play;
// the read after a big import pays the catch-up, in chunks between which the
// event loop runs, so the app stays responsive while a million plays are counted.
//
// Play ids only grow (the ingest gives max + 1), so "plays with id > watermark"
// are exactly the ones not counted yet. Deleting or moving a counted play is
// handled by triggers (002-explore).
import type BetterSqlite3 from 'better-sqlite3';
import type { EncoreDatabase, SqliteHandle } from './database';

/** Plays counted per step: some 30 ms of work, short enough not to stall the window. */
const CHUNK = 25_000;

interface Statements {
  watermark: BetterSqlite3.Statement<unknown[], unknown>;
  maxId: BetterSqlite3.Statement<unknown[], unknown>;
  stats: BetterSqlite3.Statement<unknown[], unknown>;
  plays: BetterSqlite3.Statement<unknown[], unknown>;
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
      plays: raw.prepare('INSERT OR IGNORE INTO track_plays (track_id, started_at, play_id) SELECT track_id, started_at, id FROM plays WHERE id > ? AND id <= ?'),
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
    const st = this.prepared();
    const raw = this.database.raw;
    return raw
      .transaction(() => {
        const from = st.watermark.get() as number;
        const max = (st.maxId.get() as number | null) ?? 0;
        if (max <= from) return true;
        const to = Math.min(max, from + chunk);
        st.stats.run(from, to);
        st.plays.run(from, to);
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
    while (!this.step()) {
      signal?.throwIfAborted();
      await this.yieldToLoop();
    }
  }
}
