// user.getRecentTracks over global fetch. Every response is validated before
// anything is stored: a page is either used whole or rejected whole, so a
// malformed or absurd answer never half-writes the history.
import { z } from 'zod';
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

export interface RecentTracksPage {
  page: number;
  perPage: number;
  totalPages: number;
  total: number;
  /** Newest first, as Last.fm sends them. */
  scrobbles: Scrobble[];
  nowPlaying: NowPlayingTrack | null;
}

export type LastfmErrorKind = 'network' | 'timeout' | 'server' | 'rate-limited' | 'malformed' | 'fatal';

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

const MAX_TEXT = 1000;
const text = z.string().max(MAX_TEXT);
const optionalText = z
  .union([text, z.null()])
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : null));

// `{"#text": "..."}` normally, `{"name": "..."}` with extended=1.
const named = z.object({ '#text': text.optional(), name: text.optional(), mbid: optionalText }).loose();

const TrackSchema = z
  .object({
    name: text,
    artist: named,
    album: named.optional(),
    mbid: optionalText,
    date: z.object({ uts: intString }).loose().optional(),
    '@attr': z.object({ nowplaying: z.string().optional() }).loose().optional(),
  })
  .loose();

const RecentTracksSchema = z.object({
  recenttracks: z.object({
    track: z.union([z.array(TrackSchema), TrackSchema]).optional(),
    '@attr': z
      .object({
        page: intString,
        perPage: intString,
        totalPages: intString,
        total: intString,
      })
      .loose(),
  }),
});

const ErrorSchema = z.object({ error: z.number().int(), message: z.string().optional() }).loose();

/** The earliest plausible scrobble (Audioscrobbler started in 2002). */
const MIN_UTS = Date.UTC(2000, 0, 1) / 1000;
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
    const body = await this.call(params, signal);
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
    if (!parsed.success) throw malformed(describeIssues(parsed.error));
    const { track, '@attr': attr } = parsed.data.recenttracks;
    if (attr.totalPages > MAX_PAGES || attr.page < 1 || attr.perPage > 1000) {
      throw malformed(`paging out of range (page ${attr.page} of ${attr.totalPages}, ${attr.perPage} per page)`);
    }
    const tracks = track === undefined ? [] : Array.isArray(track) ? track : [track];
    // The now-playing entry comes on top of `limit`, hence the +1.
    if (tracks.length > limit + 1) throw malformed(`${tracks.length} tracks on a page of ${limit}`);

    const maxUts = Math.floor(this.clock.now() / 1000) + 86_400;
    const scrobbles: Scrobble[] = [];
    let nowPlaying: NowPlayingTrack | null = null;
    for (const [i, t] of tracks.entries()) {
      const artist = (t.artist.name ?? t.artist['#text'] ?? '').trim();
      const title = t.name.trim();
      const album = (t.album?.['#text'] ?? t.album?.name ?? '').trim() || null;
      if (!artist || !title) throw malformed(`track ${i} has an empty ${artist ? 'name' : 'artist'}`);
      if (t['@attr']?.nowplaying === 'true') {
        nowPlaying = { artist, title, album };
        continue;
      }
      const uts = t.date?.uts;
      if (uts === undefined) throw malformed(`track ${i} (${artist} – ${title}) has no date and is not playing now`);
      if (uts < MIN_UTS || uts > maxUts) throw malformed(`track ${i} (${artist} – ${title}) has an absurd date (uts ${uts})`);
      scrobbles.push({ artist, title, album, startedAt: uts * 1000, mbid: t.mbid });
    }
    return { page: attr.page, perPage: attr.perPage, totalPages: attr.totalPages, total: attr.total, scrobbles, nowPlaying };
  }
}

function malformed(detail: string): LastfmError {
  return new LastfmError(`Last.fm sent a response Encore cannot use (${detail}); it was rejected and will be retried`, 'malformed');
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  if (isNetworkError(error)) return errorMessage(error);
  return errorMessage(cause ?? error);
}
