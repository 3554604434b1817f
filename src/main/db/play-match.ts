// What makes two reports one listen, and what a play must be to be stored:
// validation, match keys (the same listen across sources, classical titles
// included) and the time tolerance between sources.
import type { PlaySource } from '../../shared/plays';
import { MOVEMENT_SEPARATOR, normalizeArtist, titleKey } from '../core/normalize';

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
export const MAX_TOLERANCE_MS = 300_000;

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
export const MATCH_KEY_VERSION_STATE = 'plays.matchKeyVersion';

export function keyTitle(key: string): string {
  const at = key.indexOf('\u0001');
  return at < 0 ? key : key.slice(at + 1);
}

export function keyMovement(key: string): string {
  const at = key.indexOf(MOVEMENT_SEPARATOR);
  return at < 0 ? keyTitle(key) : key.slice(at + 1);
}

export const isWorkKey = (key: string) => key.indexOf(MOVEMENT_SEPARATOR) >= 0;
/** Matches no title part (a normalised title never holds it). */
export const NO_TITLE = '\u0003';

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
export const SOURCE_COLUMN = { roon: 'roon_started_at', lastfm: 'lastfm_started_at' } as const satisfies Record<PlaySource, string>;

/** A play's sources from its source columns, in a stable (alphabetical) order. */
export function playSources(roonStartedAt: number | null, lastfmStartedAt: number | null): PlaySource[] {
  const sources: PlaySource[] = [];
  if (lastfmStartedAt !== null) sources.push('lastfm');
  if (roonStartedAt !== null) sources.push('roon');
  return sources;
}
