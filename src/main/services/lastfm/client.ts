// user.getRecentTracks over global fetch. Every response is validated before
// anything is stored, at two levels: the page's envelope (paging, the user it
// belongs to) is used whole or rejected whole, while each entry is checked on
// its own, so one entry Encore cannot use (real histories hold 1970
// placeholders, empty artists, entries without a date) is skipped and
// reported, and the rest of the page is kept.
import { z } from 'zod';
import { describeFieldErrors, fieldErrorsOf } from '../../../shared/field-errors';
import type { LastfmRejectReason } from '../../../shared/status';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { ServiceError, errorMessage, isNetworkError } from '../../core/service';

export interface LastfmClientOptions {
  apiRoot: string;
  apiKey: string;
  user: string;
  requestTimeoutMs: number;
  /** Goes into the User-Agent: Last.fm asks clients to identify themselves. */
  version: string;
  clock?: Clock;
  fetch?: typeof fetch;
  /**
   * Every request takes a slot here first and reports error 29 to it, so the
   * tracker, the import and the sync job share one rate and one backoff.
   */
  limiter?: RequestGate;
}

/** What the client needs of the shared rate limiter (rate-limiter.ts). */
export interface RequestGate {
  take(signal: AbortSignal): Promise<void>;
  rateLimited(): void;
  succeeded(): void;
}

export interface RecentTracksQuery {
  /** 1..200 (Last.fm's documented maximum). */
  limit?: number;
  /** 1-based. */
  page?: number;
  /** UTC unix seconds, inclusive. */
  from?: number;
  /** UTC unix seconds, exclusive. */
  to?: number;
  extended?: boolean;
}

export interface Scrobble {
  artist: string;
  title: string;
  album: string | null;
  /** The start of the listen, UTC ms (Last.fm's `date.uts` × 1000). */
  startedAt: number;
  mbid: string | null;
}

export interface NowPlayingTrack {
  artist: string;
  title: string;
  album: string | null;
}

/** An entry of a page that was skipped, and why. */
export interface RejectedEntry {
  reason: LastfmRejectReason;
  /** For a person: "has no date and is not playing now". */
  detail: string;
  /** Its position on the page (0 = first as sent). */
  index: number;
  artist: string | null;
  title: string | null;
  album: string | null;
  /** Its date, when it had a readable one (UTC unix seconds). */
  uts: number | null;
  /** The entry as Last.fm sent it, cut to a couple of KB: what the user sees in the table. */
  raw: string;
}

export interface RecentTracksPage {
  page: number;
  perPage: number;
  totalPages: number;
  total: number;
  /** Newest first, as Last.fm sends them. */
  scrobbles: Scrobble[];
  nowPlaying: NowPlayingTrack | null;
  /** Entries skipped (the rest of the page is good). */
  rejected: RejectedEntry[];
  /** Error 7 (libre.fm: an account with no scrobbles yet): an empty page, not a failure. */
  noScrobblesYet?: boolean;
}

export type LastfmErrorKind = 'network' | 'timeout' | 'server' | 'rate-limited' | 'malformed' | 'wrong-user' | 'fatal';

/** A failed call, classified: `retryable` and `kind` decide what the caller does next. */
export class LastfmError extends ServiceError {
  constructor(
    message: string,
    readonly kind: LastfmErrorKind,
    readonly code: number | null = null,
    cause?: unknown,
  ) {
    super(message, { retryable: kind !== 'fatal', network: kind === 'network', cause });
    this.name = 'LastfmError';
  }
}

const RETRYABLE_CODES = new Set([8, 11, 16, 29]);

function fatalMessage(code: number, user: string, apiMessage: string): string | null {
  switch (code) {
    case 6:
      return `Last.fm could not find the user "${user}" or refused the request (error 6: ${apiMessage}): check lastfm.user in Settings`;
    case 10:
      return 'Last.fm rejected the API key (error 10): check lastfm.apiKey in Settings';
    case 17:
      return `Last.fm says the profile of "${user}" is private (error 17): make your listening history public on last.fm (Settings → Privacy) or use another user`;
    case 26:
      return 'Last.fm suspended this API key (error 26): create a new key at https://www.last.fm/api/account/create and set lastfm.apiKey in Settings';
    default:
      return null;
  }
}

// Last.fm sends every number as a string; a number is accepted too so that a
// future fix on their side does not break us.
const intString = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative whole number, got ${JSON.stringify(v).slice(0, 40)}` });
    return z.NEVER;
  }
  return n;
});

export const MAX_TEXT = 1000;
/** What of a rejected entry is kept for the user to see. */
const RAW_EXCERPT = 2_000;

// The envelope only: entries are checked one by one (checkEntry).
const RecentTracksSchema = z.object({
  recenttracks: z.object({
    track: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
    '@attr': z
      .object({
        user: z.string().optional(),
        page: intString,
        perPage: intString,
        totalPages: intString,
        total: intString,
      })
      .loose(),
  }),
});

const ErrorSchema = z.object({ error: z.number().int(), message: z.string().optional() }).loose();

/** The earliest plausible scrobble (Audioscrobbler started in 2002); older dates are placeholders from old imports. */
export const MIN_UTS = Date.UTC(2000, 0, 1) / 1000;
const MAX_PAGES = 10_000_000;

export class LastfmClient {
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: LastfmClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get user(): string {
    return this.options.user;
  }

  async getRecentTracks(query: RecentTracksQuery, signal: AbortSignal): Promise<RecentTracksPage> {
    const limit = Math.max(1, Math.min(200, Math.floor(query.limit ?? 200)));
    const params: Record<string, string> = { method: 'user.getrecenttracks', user: this.options.user, limit: String(limit), page: String(Math.max(1, Math.floor(query.page ?? 1))) };
    if (query.from !== undefined) params.from = String(Math.floor(query.from));
    if (query.to !== undefined) params.to = String(Math.floor(query.to));
    if (query.extended) params.extended = '1';
    const gate = this.options.limiter;
    await gate?.take(signal);
    let body: unknown;
    try {
      body = await this.call(params, signal);
    } catch (error) {
      if (error instanceof LastfmError && error.kind === 'rate-limited') gate?.rateLimited();
      // libre.fm answers 7 for an account that has not scrobbled yet: nothing to read, not a fault.
      if (error instanceof LastfmError && error.code === 7) {
        gate?.succeeded();
        return { page: 1, perPage: limit, totalPages: 0, total: 0, scrobbles: [], nowPlaying: null, rejected: [], noScrobblesYet: true };
      }
      throw error;
    }
    gate?.succeeded();
    return this.parseRecentTracks(body, limit);
  }

  /** One GET; resolves with parsed JSON of a 2xx answer without an `error` field. */
  private async call(params: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    signal.throwIfAborted();
    const url = new URL(this.options.apiRoot);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('api_key', this.options.apiKey);
    url.searchParams.set('format', 'json');
    const what = params.method ?? 'request';

    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let status: number;
    let raw: string;
    try {
      const response = await this.fetchImpl(url, {
        signal: combined,
        headers: { 'User-Agent': `Encore/${this.options.version}`, Accept: 'application/json' },
      });
      status = response.status;
      // The body read is covered by the same signal: a server that stalls mid-body times out too.
      raw = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new LastfmError(`Last.fm did not answer ${what} within ${this.options.requestTimeoutMs} ms`, 'timeout', null, error);
      }
      // fetch reports DNS and connection failures as a TypeError whose cause holds the code.
      const detail = describeFetchFailure(error);
      throw new LastfmError(`Last.fm is not reachable (${detail})`, 'network', null, error);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      if (status >= 500) throw new LastfmError(`Last.fm answered HTTP ${status} (server trouble)`, 'server');
      throw new LastfmError(`Last.fm sent a response that is not valid JSON (HTTP ${status}, ${raw.length} bytes, starts ${JSON.stringify(raw.slice(0, 60))})`, 'malformed');
    }

    const apiError = ErrorSchema.safeParse(body);
    if (apiError.success) {
      const { error: code, message = '' } = apiError.data;
      const fatal = fatalMessage(code, this.options.user, message);
      if (fatal) throw new LastfmError(fatal, 'fatal', code);
      if (code === 29) throw new LastfmError(`Last.fm is rate limiting Encore (error 29: ${message})`, 'rate-limited', code);
      if (RETRYABLE_CODES.has(code)) throw new LastfmError(`Last.fm reported a temporary problem (error ${code}: ${message})`, 'server', code);
      // Codes not in the table: not worth stopping the tracker for, but worth a retry with backoff.
      throw new LastfmError(`Last.fm answered with error ${code}: ${message}`, 'server', code);
    }
    if (status === 429) throw new LastfmError('Last.fm is rate limiting Encore (HTTP 429)', 'rate-limited');
    if (status >= 500) throw new LastfmError(`Last.fm answered HTTP ${status} (server trouble)`, 'server');
    if (status < 200 || status >= 300) throw new LastfmError(`Last.fm answered HTTP ${status} without an error code`, 'server');
    return body;
  }

  private parseRecentTracks(body: unknown, limit: number): RecentTracksPage {
    const parsed = RecentTracksSchema.safeParse(body);
    if (!parsed.success) throw malformed(describeFieldErrors(fieldErrorsOf(parsed.error, 3).map((e) => ({ field: e.field || '(root)', message: e.message }))));
    const { track, '@attr': attr } = parsed.data.recenttracks;
    if (attr.totalPages > MAX_PAGES || attr.page < 1 || attr.perPage > 1000) {
      throw malformed(`paging out of range (page ${attr.page} of ${attr.totalPages}, ${attr.perPage} per page)`);
    }
    // Last.fm's documented "random results" bug answers with another user's
    // tracks: stored, they would pass for this user's listens.
    if (attr.user !== undefined && attr.user.trim().toLowerCase() !== this.options.user.trim().toLowerCase()) {
      throw new LastfmError(
        `Last.fm answered with the scrobbles of "${attr.user.slice(0, 64)}" instead of "${this.options.user}" (a known Last.fm fault); the page was rejected and will be read again`,
        'wrong-user',
      );
    }
    const tracks = track === undefined ? [] : Array.isArray(track) ? track : [track];
    // The now-playing entry comes on top of `limit`, hence the +1.
    if (tracks.length > limit + 1) throw malformed(`${tracks.length} tracks on a page of ${limit}`);

    const maxUts = Math.floor(this.clock.now() / 1000) + 86_400;
    const scrobbles: Scrobble[] = [];
    const rejected: RejectedEntry[] = [];
    let nowPlaying: NowPlayingTrack | null = null;
    for (const [i, entry] of tracks.entries()) {
      const checked = checkEntry(entry, i, maxUts);
      if (checked === null) continue;
      if ('reason' in checked) rejected.push(checked);
      else if ('uts' in checked) scrobbles.push({ artist: checked.artist, title: checked.title, album: checked.album, startedAt: checked.uts * 1000, mbid: checked.mbid });
      else nowPlaying ??= checked;
    }
    return { page: attr.page, perPage: attr.perPage, totalPages: attr.totalPages, total: attr.total, scrobbles, nowPlaying, rejected };
  }
}

interface CheckedScrobble {
  artist: string;
  title: string;
  album: string | null;
  uts: number;
  mbid: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** `{"#text": "..."}` normally, `{"name": "..."}` with extended=1; a bare string from some mirrors. */
function namedText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  const o = obj(v);
  if (!o) return null;
  return str(o.name) ?? str(o['#text']);
}

function excerpt(entry: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(entry) ?? String(entry);
  } catch {
    json = String(entry);
  }
  return json.length > RAW_EXCERPT ? `${json.slice(0, RAW_EXCERPT)}…` : json;
}

function readUts(date: Record<string, unknown> | null): number | null {
  const uts = date?.uts;
  const n = typeof uts === 'number' ? uts : typeof uts === 'string' && /^\s*-?\d+\s*$/.test(uts) ? Number(uts) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * One entry of a page: a scrobble, the now-playing track, a rejection saying
 * why, or null (a now-playing entry that cannot be shown). Never throws:
 * whatever an entry holds, the page goes on.
 */
export function checkEntry(entry: unknown, index: number, maxUts: number): CheckedScrobble | NowPlayingTrack | RejectedEntry | null {
  const o = obj(entry);
  const rawArtist = o ? namedText(o.artist) : null;
  const rawTitle = o ? str(o.name) : null;
  const rawAlbum = o ? namedText(o.album) : null;
  const date = o ? obj(o.date) : null;
  const uts = readUts(date);
  const clip = (v: string | null) => (v === null ? null : v.length > 200 ? `${v.slice(0, 200)}…` : v);
  const reject = (reason: LastfmRejectReason, detail: string): RejectedEntry => ({
    reason,
    detail,
    index,
    artist: clip(rawArtist?.trim() || null),
    title: clip(rawTitle?.trim() || null),
    album: clip(rawAlbum?.trim() || null),
    uts,
    raw: excerpt(entry),
  });
  if (!o) return reject('malformed', `is ${entry === null ? 'null' : Array.isArray(entry) ? 'a list' : `a ${typeof entry}`}, not a track`);
  if (o.artist !== undefined && rawArtist === null) return reject('malformed', 'has an artist Encore cannot read');
  if (o.name !== undefined && rawTitle === null) return reject('malformed', 'has a name that is not text');
  const artist = (rawArtist ?? '').trim();
  const title = (rawTitle ?? '').trim();
  const album = (rawAlbum ?? '').trim() || null;
  const attr = obj(o['@attr']);
  const playingNow = attr?.nowplaying === 'true' || attr?.nowplaying === true;
  const named = artist && title && artist.length <= MAX_TEXT && title.length <= MAX_TEXT && (album?.length ?? 0) <= MAX_TEXT;
  // Now playing is shown, never stored: one Encore cannot show is left out, not recorded.
  if (playingNow) return named ? { artist, title, album } : null;
  if (!artist) return reject('empty-artist', 'has an empty artist');
  if (!title) return reject('empty-title', 'has an empty name');
  if (!named) return reject('name-too-long', `has a name over ${MAX_TEXT.toLocaleString('en')} characters`);
  if (o.date === undefined || o.date === null) return reject('no-date', 'has no date and is not playing now');
  if (uts === null) return reject('bad-date', `has a date Encore cannot read (${excerpt(o.date).slice(0, 60)})`);
  if (uts < MIN_UTS) return reject('date-before-2000', `is dated ${uts <= 0 ? '1970 (a placeholder)' : new Date(uts * 1000).toISOString().slice(0, 10)}, before 2000`);
  if (uts > maxUts) return reject('date-in-future', `is dated ${new Date(Math.min(uts, 8.64e12 / 1000) * 1000).toISOString().slice(0, 10)}, in the future`);
  const mbid = str(o.mbid)?.trim() || null;
  return { artist, title, album, uts, mbid: mbid && mbid.length <= 64 ? mbid : null };
}

function malformed(detail: string): LastfmError {
  return new LastfmError(`Last.fm sent a response Encore cannot use (${detail}); it was rejected and will be retried`, 'malformed');
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  if (isNetworkError(error)) return errorMessage(error);
  return errorMessage(cause ?? error);
}
