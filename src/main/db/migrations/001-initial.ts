import { sql, type Kysely, type Migration } from 'kysely';

export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE artists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_norm TEXT NOT NULL UNIQUE
      )`,
      `CREATE TABLE albums (
        id INTEGER PRIMARY KEY,
        artist_id INTEGER NOT NULL REFERENCES artists(id),
        title TEXT NOT NULL,
        title_norm TEXT NOT NULL,
        UNIQUE (artist_id, title_norm)
      )`,
      `CREATE TABLE tracks (
        id INTEGER PRIMARY KEY,
        artist_id INTEGER NOT NULL REFERENCES artists(id),
        album_id INTEGER REFERENCES albums(id),
        title TEXT NOT NULL,
        title_norm TEXT NOT NULL,
        album_norm TEXT NOT NULL DEFAULT '',
        match_key TEXT NOT NULL,
        length_s REAL,
        UNIQUE (artist_id, title_norm, album_norm)
      )`,
      `CREATE INDEX tracks_match_key ON tracks (match_key)`,
      `CREATE TABLE plays (
        id INTEGER PRIMARY KEY,
        track_id INTEGER NOT NULL REFERENCES tracks(id),
        started_at INTEGER NOT NULL CHECK (started_at > 0),
        seconds_listened REAL CHECK (seconds_listened IS NULL OR seconds_listened >= 0),
        zone TEXT,
        created_at INTEGER NOT NULL,
        -- Which sources saw this listen, and when each says it started (Roon and
        -- Last.fm differ by seconds). Columns rather than a play_sources table:
        -- one row write per play instead of two, at 200k plays/s. A new source
        -- is a new column (a migration).
        roon_started_at INTEGER,
        lastfm_started_at INTEGER,
        CHECK (roon_started_at IS NOT NULL OR lastfm_started_at IS NOT NULL),
        -- One play per track and start. In this order, the index also serves
        -- every time range query, and plays arriving in time order append to it
        -- (by track first, a batch would rewrite pages all over it).
        UNIQUE (started_at, track_id)
      )`,
      `CREATE TABLE play_hours (
        hour INTEGER PRIMARY KEY,
        plays INTEGER NOT NULL
      )`,
      `CREATE TRIGGER plays_hours_insert AFTER INSERT ON plays BEGIN
        INSERT INTO play_hours (hour, plays) VALUES (NEW.started_at / 3600000, 1)
          ON CONFLICT (hour) DO UPDATE SET plays = plays + 1;
      END`,
      `CREATE TRIGGER plays_hours_delete AFTER DELETE ON plays BEGIN
        UPDATE play_hours SET plays = plays - 1 WHERE hour = OLD.started_at / 3600000;
      END`,
      `CREATE TRIGGER plays_hours_update AFTER UPDATE OF started_at ON plays
        WHEN OLD.started_at / 3600000 != NEW.started_at / 3600000 BEGIN
        UPDATE play_hours SET plays = plays - 1 WHERE hour = OLD.started_at / 3600000;
        INSERT INTO play_hours (hour, plays) VALUES (NEW.started_at / 3600000, 1)
          ON CONFLICT (hour) DO UPDATE SET plays = plays + 1;
      END`,
      `CREATE TABLE service_state (
        service_id TEXT PRIMARY KEY,
        wanted INTEGER NOT NULL CHECK (wanted IN (0, 1)),
        updated_at INTEGER NOT NULL
      )`,
      `CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL,
        scheduled_for INTEGER,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'success', 'failed', 'timeout', 'missed', 'skipped')),
        error TEXT,
        missed INTEGER NOT NULL DEFAULT 0,
        coalesced INTEGER NOT NULL DEFAULT 0,
        manual INTEGER NOT NULL DEFAULT 0
      )`,
      // One run per job and slot: a slot can never run twice.
      `CREATE UNIQUE INDEX job_runs_slot ON job_runs (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL`,
      `CREATE INDEX job_runs_job ON job_runs (job_id, started_at)`,
      `CREATE TABLE power_journal (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        source TEXT,
        duration_ms REAL,
        outcome TEXT,
        summary TEXT,
        details TEXT
      )`,
      `CREATE INDEX power_journal_at ON power_journal (at)`,
      `CREATE TABLE app_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
