import { sql, type Kysely, type Migration } from 'kysely';

// Last.fm entries Encore skipped (no date, dated before 2000, an empty artist,
// …), kept so the user can see what was left out of the history and why. One
// row per distinct entry: the same bad entry read again by the next poll or
// sync only bumps `times_seen`.
export const lastfmRejected: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE lastfm_rejected (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        artist TEXT,
        title TEXT,
        album TEXT,
        uts INTEGER,
        raw TEXT NOT NULL,
        -- 'poll', 'sync' or 'import': which reader met it first.
        origin TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        times_seen INTEGER NOT NULL DEFAULT 1
      )`,
      `CREATE INDEX lastfm_rejected_seen ON lastfm_rejected (last_seen_at)`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
