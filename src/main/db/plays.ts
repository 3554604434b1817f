// Storing and reading plays: the store the services use. Ingest lives in
// play-ingest.ts (the hot path, prepared statements), matching and validation
// in play-match.ts; the reads here are typed kysely queries.
import type { PlaySource, PlayView, PlaysPerDay } from '../../shared/plays';
import type { Kysely } from 'kysely';
import type { EncoreDatabase } from './database';
import { PlayIngest, type IngestResult, type PlayStoreTuning } from './play-ingest';
import { MAX_TOLERANCE_MS, playSources, SOURCE_COLUMN, type NewPlay } from './play-match';
import type { Database } from './schema';

export type { IngestResult, PlayStoreTuning } from './play-ingest';
export type { NewPlay } from './play-match';

/** A play with its track, artist and album: what list() and between() read. */
function playViewQuery(db: Kysely<Database>) {
  return db
    .selectFrom('plays as p')
    .innerJoin('tracks as t', 't.id', 'p.track_id')
    .innerJoin('artists as ar', 'ar.id', 't.artist_id')
    .leftJoin('albums as al', 'al.id', 't.album_id')
    .select(['p.id', 'p.started_at', 'p.seconds_listened', 'p.zone', 't.title', 'ar.name as artist', 'al.title as album', 'p.roon_started_at', 'p.lastfm_started_at']);
}
type PlayViewQuery = ReturnType<typeof playViewQuery>;

/** A play's columns as read from plays ⋈ tracks ⋈ artists ⋈ albums. */
export interface PlayViewRow {
  id: number;
  started_at: number;
  artist: string;
  title: string;
  album: string | null;
  seconds_listened: number | null;
  zone: string | null;
  roon_started_at: number | null;
  lastfm_started_at: number | null;
}

/** The one mapping of a play row to what the API shows (the recent list, History, exports). */
export function toPlayView(r: PlayViewRow): PlayView {
  return {
    id: r.id,
    startedAt: new Date(r.started_at).toISOString(),
    artist: r.artist,
    title: r.title,
    album: r.album,
    secondsListened: r.seconds_listened,
    zone: r.zone,
    sources: playSources(r.roon_started_at, r.lastfm_started_at),
  };
}

export class PlayStore {
  private readonly ingester: PlayIngest;

  constructor(
    private readonly database: EncoreDatabase,
    now: () => number = Date.now,
    tuning: PlayStoreTuning = {},
  ) {
    this.ingester = new PlayIngest(database, now, tuning);
  }

  /** Stores plays in one transaction: all of a batch or none of it. */
  ingest(plays: readonly NewPlay[]): IngestResult {
    return this.ingester.ingest(plays);
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
    return this.select((q) =>
      q
        .where('p.started_at', '<', beforeMs ?? Number.MAX_SAFE_INTEGER)
        .orderBy('p.started_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(limit),
    );
  }

  /** Oldest first, started in [fromMs, toMs) (exports). */
  between(fromMs: number, toMs: number): PlayView[] {
    return this.select((q) => q.where('p.started_at', '>=', fromMs).where('p.started_at', '<', toMs).orderBy('p.started_at').orderBy('p.id'));
  }

  private select(refine: (query: PlayViewQuery) => PlayViewQuery): PlayView[] {
    const db = this.database;
    const rows = db.all(refine(playViewQuery(db.db)));
    return rows.map(toPlayView);
  }

  count(): number {
    const db = this.database;
    return db.first(db.db.selectFrom('plays').select((eb) => eb.fn.countAll<number>().as('n')))!.n;
  }

  /** Start of the newest play from a source, UTC ms (Last.fm catch-up starts there). */
  newestFrom(source: PlaySource): number | null {
    const column = SOURCE_COLUMN[source];
    const db = this.database;
    // A source's start is within MAX_TOLERANCE_MS of its play's start, so its
    // newest start lies on a play at most twice that before the newest play it
    // is on: found from the started_at index, not by reading every play.
    const newestPlay = db.db.selectFrom('plays').select('started_at').where(column, 'is not', null).orderBy('started_at', 'desc').limit(1);
    const row = db.first(
      db.db
        .selectFrom('plays')
        .select((eb) => eb.fn.max(column).as('newest'))
        .where((eb) => eb('started_at', '>=', eb(newestPlay, '-', 2 * MAX_TOLERANCE_MS))),
    );
    return row?.newest ?? null;
  }

  /**
   * Plays per day between two instants, from the hourly rollup. Days are cut
   * at local midnight using `utcOffsetMinutesAt` (pass the zone's offset function).
   */
  perDay(fromMs: number, toMs: number, utcOffsetMinutesAt: (ms: number) => number = () => 0): PlaysPerDay {
    const db = this.database;
    const rows = db.all(
      db.db
        .selectFrom('play_hours')
        .select(['hour', 'plays'])
        .where('hour', '>=', Math.floor(fromMs / 3600_000))
        .where('hour', '<', Math.ceil(toMs / 3600_000))
        .where('plays', '>', 0)
        .orderBy('hour'),
    );
    const DAY = 86_400_000;
    const days = new Map<number, number>();
    // The offset is asked once per UTC day, and per hour only on the days it
    // changes (daylight saving): a year is 8,760 rows, and asking a time zone
    // is the slow part.
    let utcDay = Number.NaN;
    let dayOffset: number | null = null;
    for (const { hour, plays } of rows) {
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
