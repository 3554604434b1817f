// Table types for kysely. Times are UTC milliseconds since the epoch.
import type { Generated } from 'kysely';

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
  reason: string;
  detail: string;
  artist: string | null;
  title: string | null;
  album: string | null;
  uts: number | null;
  raw: string;
  origin: string;
  first_seen_at: number;
  last_seen_at: number;
  times_seen: number;
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

export interface Schema {
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
}
