// Two decisions shared by polling and the import: what a scrobble becomes in
// the history, and how long to wait after a failed request.
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import type { IngestResult, NewPlay } from '../../db/plays';
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
/**
 * A write that failed (disk full, the database locked or closed): tried again
 * by itself, soon enough that an import goes on within seconds of space coming back.
 */
export const STORE_RETRY_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };
export { RATE_LIMITED_BACKOFF } from './rate-limiter';

export function isRateLimited(error: unknown): boolean {
  return error instanceof LastfmError && error.kind === 'rate-limited';
}

/**
 * How long to wait before retrying a failed request. After error 29 the shared
 * limiter holds every caller for its backoff (`blockedMs`); waiting that out
 * is enough, a second backoff on top would only add delay.
 */
export function retryDelayMs(error: unknown, attempt: number, blockedMs = 0): number {
  if (isRateLimited(error)) return Math.max(blockedMs, RETRY_BACKOFF.initialMs);
  return backoffDelay(attempt, RETRY_BACKOFF);
}

export function isFatal(error: unknown): boolean {
  return error instanceof LastfmError && !error.retryable;
}

/** Lets timers and I/O run between pages so a long import never freezes the app. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Plays per transaction: small enough that one write never holds the event loop for long. */
export const INGEST_CHUNK = 50;

export interface IngestTotals {
  inserted: number;
  merged: number;
  duplicates: number;
  rejected: number;
  errors: string[];
}

/**
 * Writes a validated page in a few short transactions, yielding in between.
 * `write` gets each chunk and whether it is the last (the import saves its
 * progress with the last one). Stops at the first yield after `signal` aborts:
 * the page is then read again, and what was written turns into no-op duplicates.
 */
export async function ingestInChunks(
  plays: readonly NewPlay[],
  signal: AbortSignal,
  write: (chunk: readonly NewPlay[], last: boolean) => IngestResult,
): Promise<IngestTotals> {
  const totals: IngestTotals = { inserted: 0, merged: 0, duplicates: 0, rejected: 0, errors: [] };
  for (let i = 0; i < plays.length || i === 0; i += INGEST_CHUNK) {
    await yieldToEventLoop();
    signal.throwIfAborted();
    const chunk = plays.slice(i, i + INGEST_CHUNK);
    const r = write(chunk, i + INGEST_CHUNK >= plays.length);
    totals.inserted += r.inserted;
    totals.merged += r.merged;
    totals.duplicates += r.duplicates;
    totals.rejected += r.rejected;
    totals.errors.push(...r.errors.slice(0, Math.max(0, 20 - totals.errors.length)));
  }
  return totals;
}
