import { sql, type Kysely, type Migration } from 'kysely';
import { creditKey, searchArtistText, splitCredits } from '../credits';

/**
 * Explore: credited artists, the search index, per-track totals and a
 * per-track index of plays. Credits and the search index are backfilled here;
 * the rollups start at watermark 0 and fill in on first read (rollups.ts).
 *
 * Ingest cost was the constraint (≥ 200,000 plays/s): the search index is over
 * tracks (written once per new track, by trigger), not plays, and nothing is
 * added per play.
 */
/** A trigger statement that adds one play (NEW, +1) to zone_days or takes it out (OLD, -1). */
function zoneDays(row: 'OLD' | 'NEW', sign: 1 | -1): string {
  const seconds = `coalesce(${row}.seconds_listened, (SELECT length_s FROM tracks WHERE id = ${row}.track_id), 0)`;
  const key = `${row}.started_at / 86400000, coalesce(${row}.zone, ''), ${row}.roon_started_at IS NOT NULL, ${row}.lastfm_started_at IS NOT NULL`;
  return sign === 1
    ? `INSERT INTO zone_days (day, zone, roon, lastfm, plays, seconds) VALUES (${key}, 1, ${seconds})
          ON CONFLICT DO UPDATE SET plays = zone_days.plays + 1, seconds = zone_days.seconds + excluded.seconds;`
    : `UPDATE zone_days SET plays = plays - 1, seconds = seconds - ${seconds} WHERE (day, zone, roon, lastfm) = (${key});
        DELETE FROM zone_days WHERE (day, zone, roon, lastfm) = (${key}) AND plays <= 0;`;
}

/** Trigger statements that take one counted play (OLD) out of every rollup. */
function removePlay(row: 'OLD'): string {
  const seconds = `coalesce(${row}.seconds_listened, (SELECT length_s FROM tracks WHERE id = ${row}.track_id), 0)`;
  const day = `${row}.started_at / 86400000`;
  const album = `(SELECT album_id FROM tracks WHERE id = ${row}.track_id)`;
  const credits = `(SELECT artist_id FROM track_artists WHERE track_id = ${row}.track_id)`;
  return `
        DELETE FROM track_plays WHERE track_id = ${row}.track_id AND started_at = ${row}.started_at AND play_id = ${row}.id;
        UPDATE track_stats SET plays = plays - 1, seconds = seconds - coalesce(${row}.seconds_listened, 0),
            unmeasured = unmeasured - (${row}.seconds_listened IS NULL),
            first_at = (SELECT min(started_at) FROM track_plays WHERE track_id = ${row}.track_id),
            last_at = (SELECT max(started_at) FROM track_plays WHERE track_id = ${row}.track_id)
          WHERE track_id = ${row}.track_id;
        UPDATE artist_stats SET plays = plays - 1, seconds = seconds - ${seconds} WHERE artist_id IN ${credits};
        UPDATE album_stats SET plays = plays - 1, seconds = seconds - ${seconds} WHERE album_id = ${album};
        UPDATE track_days SET plays = plays - 1, seconds = seconds - ${seconds} WHERE day = ${day} AND track_id = ${row}.track_id;
        UPDATE album_days SET plays = plays - 1, seconds = seconds - ${seconds} WHERE day = ${day} AND album_id = ${album};
        UPDATE artist_days SET plays = plays - 1, seconds = seconds - ${seconds} WHERE day = ${day} AND artist_id IN ${credits};
        DELETE FROM track_days WHERE day = ${day} AND plays <= 0;
        DELETE FROM album_days WHERE day = ${day} AND plays <= 0;
        DELETE FROM artist_days WHERE day = ${day} AND plays <= 0;
        DELETE FROM artist_stats WHERE plays <= 0 AND artist_id IN ${credits};
        DELETE FROM album_stats WHERE plays <= 0 AND album_id = ${album};
        ${zoneDays(row, -1)}`;
}

/** Trigger statements that count one play (NEW) in every rollup. */
function addPlay(row: 'NEW'): string {
  const seconds = `coalesce(${row}.seconds_listened, (SELECT length_s FROM tracks WHERE id = ${row}.track_id), 0)`;
  const day = `${row}.started_at / 86400000`;
  const upsert = (table: string, key: string) => `ON CONFLICT (${key}) DO UPDATE SET plays = ${table}.plays + 1, seconds = ${table}.seconds + excluded.seconds`;
  return `
        INSERT INTO track_plays (track_id, started_at, play_id, seconds) VALUES (${row}.track_id, ${row}.started_at, ${row}.id, ${seconds});
        INSERT INTO track_stats (track_id, plays, seconds, unmeasured, first_at, last_at)
          VALUES (${row}.track_id, 1, coalesce(${row}.seconds_listened, 0), ${row}.seconds_listened IS NULL, ${row}.started_at, ${row}.started_at)
          ON CONFLICT (track_id) DO UPDATE SET plays = plays + 1, seconds = seconds + excluded.seconds,
            unmeasured = unmeasured + excluded.unmeasured,
            first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
        INSERT INTO artist_stats (artist_id, plays, seconds) SELECT artist_id, 1, ${seconds} FROM track_artists WHERE track_id = ${row}.track_id
          ${upsert('artist_stats', 'artist_id')};
        INSERT INTO album_stats (album_id, plays, seconds) SELECT album_id, 1, ${seconds} FROM tracks WHERE id = ${row}.track_id AND album_id IS NOT NULL
          ${upsert('album_stats', 'album_id')};
        INSERT INTO track_days (day, track_id, plays, seconds) VALUES (${day}, ${row}.track_id, 1, ${seconds})
          ${upsert('track_days', 'day, track_id')};
        INSERT INTO album_days (day, album_id, plays, seconds) SELECT ${day}, album_id, 1, ${seconds} FROM tracks WHERE id = ${row}.track_id AND album_id IS NOT NULL
          ${upsert('album_days', 'day, album_id')};
        INSERT INTO artist_days (day, artist_id, plays, seconds) SELECT ${day}, artist_id, 1, ${seconds} FROM track_artists WHERE track_id = ${row}.track_id
          ${upsert('artist_days', 'day, artist_id')};
        ${zoneDays(row, 1)}`;
}

export const explore: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      // The artists a track credits ("A / B", "A feat. B", "Title (feat. C)"):
      // what charts and artist pages count. Separate from `artists`, which holds
      // the artist field as it arrived (the ingest's matching key).
      `CREATE TABLE credited_artists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_norm TEXT NOT NULL UNIQUE
      )`,
      `CREATE TABLE track_artists (
        track_id INTEGER NOT NULL REFERENCES tracks(id),
        artist_id INTEGER NOT NULL REFERENCES credited_artists(id),
        position INTEGER NOT NULL,
        main INTEGER NOT NULL,
        PRIMARY KEY (track_id, artist_id)
      ) WITHOUT ROWID`,
      `CREATE INDEX track_artists_artist ON track_artists (artist_id, track_id)`,
      // An album page lists its tracks (written once per new track).
      `CREATE INDEX tracks_album ON tracks (album_id)`,
      // Derived from plays, kept up to date by the read side (rollups.ts), not
      // by triggers: a per-play trigger or index cost more than the whole
      // ingest did (measured 4 µs and 8 µs per play, against 4 µs for the
      // rest). Plays up to `watermark` (a play id) are counted; reads first
      // bring them up to the newest play, in chunks that yield to the event loop.
      `CREATE TABLE rollup_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        watermark INTEGER NOT NULL
      )`,
      `INSERT INTO rollup_state (id, watermark) VALUES (1, 0)`,
      // Per-track totals: all-time charts and pages read these rather than a
      // million plays. Seconds of plays without a measured time (scrobbles)
      // are added at read time from the track's length (it may be learnt later).
      `CREATE TABLE track_stats (
        track_id INTEGER PRIMARY KEY,
        plays INTEGER NOT NULL,
        seconds REAL NOT NULL,
        unmeasured INTEGER NOT NULL,
        first_at INTEGER,
        last_at INTEGER
      )`,
      // All-time totals per credited artist and per album (8,000 rows, not 50,000
      // tracks joined to their credits). Here, and in the per-day tables, a
      // scrobble counts its track's length as known when it was counted.
      `CREATE TABLE artist_stats (artist_id INTEGER PRIMARY KEY, plays INTEGER NOT NULL, seconds REAL NOT NULL)`,
      `CREATE TABLE album_stats (album_id INTEGER PRIMARY KEY, plays INTEGER NOT NULL, seconds REAL NOT NULL)`,
      // Per UTC day (started_at / 86400000): a period's chart reads its days
      // (a month: some thousands of rows, without joins) and only the partial
      // days at its edges from plays. Day first: a catch-up appends.
      ...(['track', 'album', 'artist'] as const).map(
        (kind) => `CREATE TABLE ${kind}_days (
        day INTEGER NOT NULL,
        ${kind}_id INTEGER NOT NULL,
        plays INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (day, ${kind}_id)
      ) WITHOUT ROWID`,
      ),
      // Per UTC day, zone ('' for none: Roon never names a zone '') and the
      // sources that saw the play: the breakdown reads days, not plays.
      `CREATE TABLE zone_days (
        day INTEGER NOT NULL,
        zone TEXT NOT NULL,
        roon INTEGER NOT NULL,
        lastfm INTEGER NOT NULL,
        plays INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (day, zone, roon, lastfm)
      ) WITHOUT ROWID`,
      // A second source merging into a counted play moves it to "both".
      `CREATE TRIGGER plays_rollup_sources AFTER UPDATE OF roon_started_at, lastfm_started_at ON plays
        WHEN OLD.id <= (SELECT watermark FROM rollup_state)
          AND ((OLD.roon_started_at IS NULL) != (NEW.roon_started_at IS NULL) OR (OLD.lastfm_started_at IS NULL) != (NEW.lastfm_started_at IS NULL)) BEGIN
        ${zoneDays('OLD', -1)}
        ${zoneDays('NEW', 1)}
      END`,
      // A track's plays in time order, with their time listened: pages,
      // timelines and narrow filters read only their own plays, and a timeline
      // reads nothing else (no lookup of each play in a million-row table).
      `CREATE TABLE track_plays (
        track_id INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        play_id INTEGER NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (track_id, started_at, play_id)
      ) WITHOUT ROWID`,
      // Plays change after ingest only by merges (a source column: no effect
      // here) or by hand; a counted play that is deleted or moved is taken
      // back out (and the moved one counted again).
      `CREATE TRIGGER plays_rollup_delete AFTER DELETE ON plays
        WHEN OLD.id <= (SELECT watermark FROM rollup_state) BEGIN
        ${removePlay('OLD')}
        -- The newest play gone: SQLite gives its id to the next play, which
        -- must not look counted already.
        UPDATE rollup_state SET watermark = (SELECT coalesce(max(id), 0) FROM plays) WHERE watermark > (SELECT coalesce(max(id), 0) FROM plays);
      END`,
      `CREATE TRIGGER plays_rollup_update AFTER UPDATE OF track_id, started_at, seconds_listened ON plays
        WHEN OLD.id <= (SELECT watermark FROM rollup_state) BEGIN
        ${removePlay('OLD')}
        ${addPlay('NEW')}
      END`,
      // Search over artist, title and album, one row per track (rowid = track
      // id), written with the track's credits by the ingest path (credits.ts).
      // Contentless: the text lives in tracks/artists/albums already.
      `CREATE VIRTUAL TABLE track_search USING fts5(
        artist, title, album,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
      )`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);

    // Credits of the tracks already stored. The split rule is code, so this
    // runs in JS; rows go in chunks to keep statements few.
    // (Written by the ingest path from here on: credits.ts.)
    const tracks = await sql<{ id: number; artist: string; title: string; album: string | null }>`
      SELECT t.id, ar.name AS artist, t.title, al.title AS album FROM tracks t JOIN artists ar ON ar.id = t.artist_id
      LEFT JOIN albums al ON al.id = t.album_id ORDER BY t.id`.execute(db);
    const artistIds = new Map<string, number>();
    const links: Array<[number, number, number, number]> = [];
    const search: Array<[number, string, string, string]> = [];
    const newArtists: Array<[number, string, string]> = [];
    for (const track of tracks.rows) {
      const credits = splitCredits(track.artist, track.title);
      search.push([track.id, searchArtistText(track.artist, credits), track.title, track.album ?? '']);
      credits.forEach((credit, position) => {
        const key = creditKey(credit.name);
        let id = artistIds.get(key);
        if (id === undefined) {
          id = artistIds.size + 1;
          artistIds.set(key, id);
          newArtists.push([id, credit.name, key]);
        }
        links.push([track.id, id, position, credit.main ? 1 : 0]);
      });
    }
    const CHUNK = 200;
    for (let i = 0; i < newArtists.length; i += CHUNK) {
      const rows = newArtists.slice(i, i + CHUNK).map(([id, name, key]) => sql`(${id}, ${name}, ${key})`);
      await sql`INSERT INTO credited_artists (id, name, name_norm) VALUES ${sql.join(rows)}`.execute(db);
    }
    for (let i = 0; i < links.length; i += CHUNK) {
      const rows = links.slice(i, i + CHUNK).map(([t, a, p, m]) => sql`(${t}, ${a}, ${p}, ${m})`);
      await sql`INSERT OR IGNORE INTO track_artists (track_id, artist_id, position, main) VALUES ${sql.join(rows)}`.execute(db);
    }
    for (let i = 0; i < search.length; i += CHUNK) {
      const rows = search.slice(i, i + CHUNK).map(([id, artist, title, album]) => sql`(${id}, ${artist}, ${title}, ${album})`);
      await sql`INSERT INTO track_search (rowid, artist, title, album) VALUES ${sql.join(rows)}`.execute(db);
    }
  },
};
