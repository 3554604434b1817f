// Two decisions shared by polling and the import: what a scrobble becomes in
// the history, and how long to wait after a failed request.
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import type { NewPlay } from '../../db/plays';
import { LastfmError, type Scrobble } from './client';

/** Oldest first: the order the listens happened, so a partial catch-up never skips a gap. */
export function scrobblesToPlays(scrobbles: readonly Scrobble[]): NewPlay[] {
  const out: NewPlay[] = new Array(scrobbles.length);
  for (let i = 0; i < scrobbles.length; i++) {
    const s = scrobbles[scrobbles.length - 1 - i]!;
    out[i] = {
      artist: s.artist,
      title: s.title,
      album: s.album,
      // Last.fm's recent tracks carry no duration; the match falls back to the stored track's.
      lengthSeconds: null,
      startedAt: s.startedAt,
      secondsListened: null,
      zone: null,
      source: 'lastfm',
    };
  }
  return out;
}

export const RETRY_BACKOFF: BackoffOptions = { initialMs: 2_000, maxMs: 5 * 60_000 };
/** Error 29: Last.fm suspends keys that keep pushing, so wait much longer. */
export const RATE_LIMITED_BACKOFF: BackoffOptions = { initialMs: 60_000, maxMs: 15 * 60_000 };

export function retryDelayMs(error: unknown, attempt: number): number {
  const rateLimited = error instanceof LastfmError && error.kind === 'rate-limited';
  return backoffDelay(attempt, rateLimited ? RATE_LIMITED_BACKOFF : RETRY_BACKOFF);
}

export function isFatal(error: unknown): boolean {
  return error instanceof LastfmError && !error.retryable;
}

/** Lets timers and I/O run between pages so a long import never freezes the app. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
