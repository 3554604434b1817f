// Table types for kysely. Times are UTC milliseconds since the epoch.
import type { Generated } from 'kysely';
import type { LastfmRejectedEntry, LastfmRejectReason } from '../../shared/status';

export interface ArtistsTable {
  id: Generated<number>;
  name: string;
  name_norm: string;
}

export interface AlbumsTable {
  id: Generated<number>;
  artist_id: number;
  title: string;
  title_norm: string;
}

export interface TracksTable {
  id: Generated<number>;
  artist_id: number;
  album_id: number | null;
  title: string;
  title_norm: string;
  /** '' when the album is unknown, so the unique key works (NULLs never collide). */
  album_norm: string;
  /** matchKey(artist, title) in plays.ts: the same listen across sources. */
  match_key: string;
  length_s: number | null;
}

export interface PlaysTable {
  id: Generated<number>;
  track_id: number;
  /** The real start of the listen, UTC ms. */
  started_at: number;
  seconds_listened: number | null;
  zone: string | null;
  /** When the first source's report of this play was stored. */
  created_at: number;
  /** When Roon says the play started, if Roon saw it (Roon and Last.fm differ by seconds). */
  roon_started_at: number | null;
  /** When Last.fm says the play started, if it was scrobbled. At least one of the two is set. */
  lastfm_started_at: number | null;
}

export interface PlayHoursTable {
  /** floor(started_at / 3600000): a rollup kept by triggers, for fast per-day charts. */
  hour: number;
  plays: number;
}

export interface ServiceStateTable {
  service_id: string;
  wanted: number;
  updated_at: number;
}

export interface JobRunsTable {
  id: Generated<number>;
  job_id: string;
  scheduled_for: number | null;
  started_at: number;
  finished_at: number | null;
  outcome: 'running' | 'success' | 'failed' | 'timeout' | 'missed' | 'skipped';
  error: string | null;
  missed: number;
  coalesced: number;
  manual: number;
}

export interface PowerJournalTable {
  id: Generated<number>;
  at: number;
  kind: 'startup' | 'suspend' | 'resume' | 'restore' | 'heartbeat' | 'shutdown' | 'lock-screen' | 'unlock-screen' | 'online' | 'offline' | 'manual';
  source: string | null;
  duration_ms: number | null;
  outcome: string | null;
  summary: string | null;
  /** JSON: per-step timings and outcomes. */
  details: string | null;
}

export interface AppStateTable {
  key: string;
  /** JSON */
  value: string;
  updated_at: number;
}

export interface LastfmRejectedTable {
  id: Generated<number>;
  fingerprint: string;
  reason: LastfmRejectReason;
  detail: string;
  artist: string | null;
  title: string | null;
  album: string | null;
  uts: number | null;
  raw: string;
  /** Which reader met it first. */
  origin: LastfmRejectedEntry['origin'];
  first_seen_at: number;
  last_seen_at: number;
  times_seen: Generated<number>;
}

/** An artist a track credits (003-explore): what charts and artist pages count. */
export interface CreditedArtistsTable {
  id: Generated<number>;
  name: string;
  name_norm: string;
}

export interface TrackArtistsTable {
  track_id: number;
  artist_id: number;
  /** Credit order, 0 first. */
  position: number;
  /** 1: from the artist field's main part; 0: a guest. */
  main: number;
}

/** Which plays the rollups have counted (003-explore, rollups.ts): one row, id 1. */
export interface RollupStateTable {
  id: number;
  /** Plays with an id up to this are counted. */
  watermark: number;
}

/** All-time totals per track. */
export interface TrackStatsTable {
  track_id: number;
  plays: number;
  seconds: number;
  /** Plays without a measured time (scrobbles): their track's length is added at read time. */
  unmeasured: number;
  first_at: number | null;
  last_at: number | null;
}

/** All-time totals per credited artist. */
export interface ArtistStatsTable {
  artist_id: number;
  plays: number;
  seconds: number;
}

/** All-time totals per album. */
export interface AlbumStatsTable {
  album_id: number;
  plays: number;
  seconds: number;
}

/** Per UTC day (started_at / 86400000). */
export interface TrackDaysTable {
  day: number;
  track_id: number;
  plays: number;
  seconds: number;
}

export interface AlbumDaysTable {
  day: number;
  album_id: number;
  plays: number;
  seconds: number;
}

export interface ArtistDaysTable {
  day: number;
  artist_id: number;
  plays: number;
  seconds: number;
}

/** Per UTC day, zone ('' for none) and the sources that saw the play. */
export interface ZoneDaysTable {
  day: number;
  zone: string;
  /** 1 when Roon saw the plays of this row. */
  roon: number;
  lastfm: number;
  plays: number;
  seconds: number;
}

/** A track's plays in time order with their time listened. */
export interface TrackPlaysTable {
  track_id: number;
  started_at: number;
  play_id: number;
  seconds: number;
}

/** FTS5, contentless (rowid = track id): written by credits.ts, read by search.ts. */
export interface TrackSearchTable {
  rowid: number;
  artist: string;
  title: string;
  album: string;
}

/** Every table of the database (kysely's own migration tables aside), as the migrations leave it. */
export interface Database {
  artists: ArtistsTable;
  albums: AlbumsTable;
  tracks: TracksTable;
  plays: PlaysTable;
  play_hours: PlayHoursTable;
  service_state: ServiceStateTable;
  job_runs: JobRunsTable;
  power_journal: PowerJournalTable;
  app_state: AppStateTable;
  lastfm_rejected: LastfmRejectedTable;
  credited_artists: CreditedArtistsTable;
  track_artists: TrackArtistsTable;
  rollup_state: RollupStateTable;
  track_stats: TrackStatsTable;
  artist_stats: ArtistStatsTable;
  album_stats: AlbumStatsTable;
  track_days: TrackDaysTable;
  album_days: AlbumDaysTable;
  artist_days: ArtistDaysTable;
  zone_days: ZoneDaysTable;
  track_plays: TrackPlaysTable;
  track_search: TrackSearchTable;
}

/**
 * The tables and columns of `Database` at run time: a test compares them with
 * what the migrations create, so the interface cannot drift from the file.
 */
export const DATABASE_COLUMNS = {
  artists: ['id', 'name', 'name_norm'],
  albums: ['id', 'artist_id', 'title', 'title_norm'],
  tracks: ['id', 'artist_id', 'album_id', 'title', 'title_norm', 'album_norm', 'match_key', 'length_s'],
  plays: ['id', 'track_id', 'started_at', 'seconds_listened', 'zone', 'created_at', 'roon_started_at', 'lastfm_started_at'],
  play_hours: ['hour', 'plays'],
  service_state: ['service_id', 'wanted', 'updated_at'],
  job_runs: ['id', 'job_id', 'scheduled_for', 'started_at', 'finished_at', 'outcome', 'error', 'missed', 'coalesced', 'manual'],
  power_journal: ['id', 'at', 'kind', 'source', 'duration_ms', 'outcome', 'summary', 'details'],
  app_state: ['key', 'value', 'updated_at'],
  lastfm_rejected: ['id', 'fingerprint', 'reason', 'detail', 'artist', 'title', 'album', 'uts', 'raw', 'origin', 'first_seen_at', 'last_seen_at', 'times_seen'],
  credited_artists: ['id', 'name', 'name_norm'],
  track_artists: ['track_id', 'artist_id', 'position', 'main'],
  rollup_state: ['id', 'watermark'],
  track_stats: ['track_id', 'plays', 'seconds', 'unmeasured', 'first_at', 'last_at'],
  artist_stats: ['artist_id', 'plays', 'seconds'],
  album_stats: ['album_id', 'plays', 'seconds'],
  track_days: ['day', 'track_id', 'plays', 'seconds'],
  album_days: ['day', 'album_id', 'plays', 'seconds'],
  artist_days: ['day', 'artist_id', 'plays', 'seconds'],
  zone_days: ['day', 'zone', 'roon', 'lastfm', 'plays', 'seconds'],
  track_plays: ['track_id', 'started_at', 'play_id', 'seconds'],
  // rowid is FTS5's, not a declared column.
  track_search: ['artist', 'title', 'album'],
} as const satisfies { [T in keyof Database]: ReadonlyArray<Exclude<keyof Database[T], 'rowid'>> };
