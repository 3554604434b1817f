// A Last.fm stand-in on 127.0.0.1 serving user.getRecentTracks the way the real
// one does (newest first, `from` inclusive / `to` exclusive, numbers as strings,
// now-playing on top of page 1, a single object when one track), plus scripted
// faults: per-request faults, entries Encore must skip (per scrobble or per
// page position), another user's page, latency on every answer, and a rate
// limit that answers error 29 above N requests a second. Late scrobbles are
// scrobbles added now with an older `uts`. Plain Node only, so the headless
// demo can run against it too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface FakeScrobble {
  artist: string;
  title: string;
  album?: string | null;
  /** UTC unix seconds: the start of the listen. */
  uts: number;
  mbid?: string;
  /**
   * Served differently: fields merged over the entry as the fake builds it (a
   * field set to undefined is left out), as real histories hold entries
   * without a date, with an empty artist, dated 1970…
   */
  override?: Record<string, unknown>;
}

/** An entry at a page position changed or replaced, on every answer for that page. */
export interface FakeQuirk {
  page: number;
  /** Position on the page as sent (0 = first, the now-playing entry when there is one). */
  index: number;
  /** Fields merged over the entry (undefined removes a field)… */
  change?: Record<string, unknown>;
  /** …or the whole entry replaced by this value (null, a string, anything). */
  replace?: unknown;
}

export interface FakeNowPlaying {
  artist: string;
  title: string;
  album?: string | null;
}

export type FakeFault =
  | { type: 'http'; status: number; body?: string }
  | { type: 'error'; code: number; message?: string; status?: number }
  | { type: 'hang' }
  | { type: 'malformed' }
  /** Valid JSON with a date Last.fm could never send. */
  | { type: 'absurd' }
  | { type: 'slow'; ms: number }
  /** Resets the connection without answering. */
  | { type: 'reset' }
  /** A good page, but `@attr.user` names someone else (Last.fm's "random results" bug). */
  | { type: 'wrong-user'; user: string };

export interface FakeRequest {
  n: number;
  method: string | null;
  page: number;
  limit: number;
  from: number | null;
  to: number | null;
  fault: FakeFault['type'] | null;
  userAgent: string | null;
}

export interface FakeLastfmOptions {
  user?: string;
  apiKey?: string;
  history?: FakeScrobble[];
  /** Every answer waits this long (a real API takes 0.3–1 s a page). */
  latencyMs?: number;
  /** Error 29 (HTTP 429) for any request above this many in the last second. */
  rateLimitPerSecond?: number | null;
  /** The clock the rate limit counts seconds on (ms); performance.now by default. */
  now?: () => number;
}

export interface GenerateOptions {
  /** The newest scrobble's uts; default: now minus an hour. */
  newestUts?: number;
  /** Seconds between scrobbles; default 200. */
  spacingSeconds?: number;
  artists?: number;
  tracksPerArtist?: number;
}

const TITLE_WORDS = ['Night', 'Blue', 'River', 'Glass', 'Echo', 'Summer', 'Paper', 'Gold', 'Silent', 'Neon', 'Velvet', 'Static', 'Wild', 'Heart', 'Ocean', 'Dust'];

/** N distinct scrobbles, newest first, from a realistic mix of repeating artists and titles. */
export function generateHistory(n: number, options: GenerateOptions = {}): FakeScrobble[] {
  const newest = options.newestUts ?? Math.floor(Date.now() / 1000) - 3600;
  const spacing = options.spacingSeconds ?? 200;
  const artists = options.artists ?? 700;
  const perArtist = options.tracksPerArtist ?? 40;
  const out: FakeScrobble[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = (i * 7919) % artists;
    const t = (i * 104_729) % perArtist;
    out[i] = {
      artist: `Artist ${a} ${TITLE_WORDS[a % TITLE_WORDS.length]}`,
      title: `${TITLE_WORDS[t % TITLE_WORDS.length]} ${TITLE_WORDS[(t + a) % TITLE_WORDS.length]} ${t}`,
      album: i % 11 === 0 ? null : `Album ${a}-${t % 5}`,
      uts: newest - i * spacing,
      mbid: i % 3 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : '',
    };
  }
  return out;
}

/** Fields merged over an entry; a field set to undefined is removed (JSON would drop it anyway). */
function applyChange<T extends Record<string, unknown>>(entry: T, change: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...entry };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out as T;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "01 Jan 2026, 12:00" (toLocaleString would cost more than the rest of a page). */
function formatDate(uts: number): string {
  const d = new Date(uts * 1000);
  const month = MONTHS[d.getUTCMonth()]!;
  return `${String(d.getUTCDate()).padStart(2, '0')} ${month} ${d.getUTCFullYear()}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export class FakeLastfmServer extends EventEmitter {
  readonly user: string;
  apiKey: string;
  nowPlaying: FakeNowPlaying | null = null;
  readonly requests: FakeRequest[] = [];
  /** Every answer waits this long, in ms. */
  latencyMs: number;
  /** Error 29 above this many requests in the last second (null: no limit). */
  rateLimitPerSecond: number | null;
  /** Requests answered with error 29 by the rate limit. */
  rateLimited = 0;
  private quirks: FakeQuirk[] = [];
  private readonly recent: number[] = [];
  private readonly now: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Scrobbles, newest first (kept sorted by uts descending). */
  private history: FakeScrobble[] = [];
  private faults: Array<{ fault: FakeFault; when: (r: FakeRequest) => boolean }> = [];
  private readonly server: http.Server;
  private readonly open = new Set<http.ServerResponse>();
  private port = 0;

  private constructor(options: FakeLastfmOptions) {
    super();
    this.user = options.user ?? 'alice';
    this.apiKey = options.apiKey ?? 'fake-api-key';
    if (options.history) this.setHistory(options.history);
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? null;
    this.now = options.now ?? (() => performance.now());
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(options: FakeLastfmOptions = {}): Promise<FakeLastfmServer> {
    const fake = new FakeLastfmServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The apiRoot to configure: http://127.0.0.1:<port>/2.0/ */
  get url(): string {
    return `http://127.0.0.1:${this.port}/2.0/`;
  }

  get requestCount(): number {
    return this.requests.length;
  }

  /** Requests being answered right now (a hung one stays here until the client gives up). */
  get openRequests(): number {
    return this.open.size;
  }

  get scrobbleCount(): number {
    return this.history.length;
  }

  setHistory(scrobbles: readonly FakeScrobble[]): void {
    this.history = [...scrobbles].sort((a, b) => b.uts - a.uts);
  }

  /** New scrobbles arriving (mid-import, between polls). */
  addScrobbles(...scrobbles: FakeScrobble[]): void {
    this.setHistory([...this.history, ...scrobbles]);
  }

  /**
   * Scrobbles submitted now for listens long past (a phone that was offline,
   * another scrobbler's queue): they land in the history at their real,
   * older times, behind scrobbles already read.
   */
  submitLate(...scrobbles: FakeScrobble[]): void {
    this.addScrobbles(...scrobbles);
  }

  /** Changes an entry at a page position on every answer for that page, until clearQuirks(). */
  quirk(quirk: FakeQuirk): void {
    this.quirks.push(quirk);
  }

  clearQuirks(): void {
    this.quirks = [];
  }

  /** The next `times` requests matching `when` (default: any) get this fault. */
  inject(fault: FakeFault, options: { times?: number; when?: (r: FakeRequest) => boolean } = {}): void {
    const when = options.when ?? (() => true);
    for (let i = 0; i < (options.times ?? 1); i++) this.faults.push({ fault, when });
  }

  clearFaults(): void {
    this.faults = [];
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const res of this.open) res.destroy();
    this.open.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    const num = (name: string): number | null => {
      const v = q.get(name);
      return v === null || v === '' || !/^\d+$/.test(v) ? null : Number(v);
    };
    const request: FakeRequest = {
      n: this.requests.length + 1,
      method: q.get('method')?.toLowerCase() ?? null,
      page: Math.max(1, num('page') ?? 1),
      limit: Math.min(200, Math.max(1, num('limit') ?? 50)),
      from: num('from'),
      to: num('to'),
      fault: null,
      userAgent: req.headers['user-agent'] ?? null,
    };
    const index = this.faults.findIndex((f) => f.when(request));
    let fault = index >= 0 ? this.faults.splice(index, 1)[0]!.fault : null;
    if (!fault && this.overRateLimit()) {
      this.rateLimited++;
      fault = { type: 'error', code: 29, message: 'Rate Limit Exceeded - Your IP has made too many requests in a short period', status: 429 };
    }
    request.fault = fault?.type ?? null;
    this.requests.push(request);
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    this.emit('request', request);
    if (this.latencyMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.respond(request, res, url, q, fault);
      }, this.latencyMs);
      this.timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        this.timers.delete(timer);
      });
      return;
    }
    this.respond(request, res, url, q, fault);
  }

  /** Counts this request; true when more than the limit arrived in the last second. */
  private overRateLimit(): boolean {
    if (this.rateLimitPerSecond === null) return false;
    const now = this.now();
    while (this.recent.length && this.recent[0]! <= now - 1000) this.recent.shift();
    this.recent.push(now);
    return this.recent.length > this.rateLimitPerSecond;
  }

  private respond(request: FakeRequest, res: http.ServerResponse, url: URL, q: URLSearchParams, fault: FakeFault | null): void {
    if (url.pathname !== '/2.0/' && url.pathname !== '/2.0') return this.send(res, 404, 'Not Found', 'text/plain');
    if (fault) {
      switch (fault.type) {
        case 'hang':
          return;
        case 'reset':
          res.socket?.destroy();
          return;
        case 'http':
          return this.send(res, fault.status, fault.body ?? `<html><body>${fault.status}</body></html>`, 'text/html');
        case 'error':
          return this.json(res, fault.status ?? (fault.code === 29 ? 429 : fault.code === 10 ? 403 : 500), { error: fault.code, message: fault.message ?? `Fake error ${fault.code}` });
        case 'malformed':
          return this.send(res, 200, '{"recenttracks":{"track":[{"artist":{"#text":"Tru', 'application/json');
        case 'absurd': {
          const body = this.recentTracks(request);
          const first = body.recenttracks.track;
          const t = Array.isArray(first) ? first.find((x) => x.date) : first;
          if (t?.date) t.date.uts = '99999999999';
          else body.recenttracks['@attr'].totalPages = '-3';
          return this.json(res, 200, body);
        }
        case 'slow': {
          const timer = setTimeout(() => this.answer(request, res, q), fault.ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'wrong-user': {
          const body = this.recentTracks(request);
          body.recenttracks['@attr'].user = fault.user;
          return this.json(res, 200, body);
        }
      }
    }
    this.answer(request, res, q);
  }

  private answer(request: FakeRequest, res: http.ServerResponse, q: URLSearchParams): void {
    if (q.get('format') !== 'json') return this.send(res, 200, '<lfm status="failed"/>', 'text/xml');
    if (q.get('api_key') !== this.apiKey) return this.json(res, 403, { error: 10, message: 'Invalid API key - You must be granted a valid key by last.fm' });
    if (request.method !== 'user.getrecenttracks') return this.json(res, 400, { error: 3, message: 'Invalid Method - No method with that name in this package' });
    if ((q.get('user') ?? '').toLowerCase() !== this.user.toLowerCase()) return this.json(res, 404, { error: 6, message: 'User not found' });
    this.json(res, 200, this.recentTracks(request, q.get('extended') === '1'));
  }

  /** Index of the first scrobble (newest-first order) with uts < bound. */
  private firstBelow(bound: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.uts < bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private recentTracks(r: FakeRequest, extended = false) {
    const start = r.to === null ? 0 : this.firstBelow(r.to);
    const end = r.from === null ? this.history.length : this.firstBelow(r.from);
    const total = Math.max(0, end - start);
    const totalPages = Math.ceil(total / r.limit);
    const slice = this.history.slice(start + (r.page - 1) * r.limit, Math.min(end, start + r.page * r.limit));
    const tracks: Array<Record<string, unknown> & { date?: { uts: string; '#text': string } }> = slice.map((s) => this.track(s, extended));
    if (r.page === 1 && this.nowPlaying) {
      const { date: _date, ...rest } = this.track({ ...this.nowPlaying, uts: 0 }, extended);
      tracks.unshift({ ...rest, '@attr': { nowplaying: 'true' } });
    }
    for (const q of this.quirks) {
      if (q.page !== r.page || q.index < 0 || q.index >= tracks.length) continue;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a quirk may put anything where an entry goes
      if ('replace' in q) (tracks as any[])[q.index] = q.replace;
      else if (q.change) tracks[q.index] = applyChange(tracks[q.index]!, q.change);
    }
    return {
      recenttracks: {
        track: tracks.length === 1 ? tracks[0]! : tracks,
        '@attr': { user: this.user, totalPages: String(totalPages), page: String(r.page), perPage: String(r.limit), total: String(total) },
      },
    };
  }

  private track(s: FakeScrobble, extended: boolean) {
    const image = ['small', 'medium', 'large', 'extralarge'].map((size) => ({ size, '#text': '' }));
    const artist = extended
      ? { url: `https://www.last.fm/music/${encodeURIComponent(s.artist)}`, name: s.artist, image, mbid: '' }
      : { mbid: '', '#text': s.artist };
    const track: Record<string, unknown> & { date?: { uts: string; '#text': string } } = {
      artist,
      streamable: '0',
      image,
      mbid: s.mbid ?? '',
      name: s.title,
      url: `https://www.last.fm/music/${encodeURIComponent(s.artist)}/_/${encodeURIComponent(s.title)}`,
      date: { uts: String(s.uts), '#text': formatDate(s.uts) },
    };
    // Last.fm leaves `album` out for some scrobbles and sends an empty name for others.
    if (s.album !== null && s.album !== undefined) track.album = { mbid: '', '#text': s.album };
    else if (s.uts % 2 === 0) track.album = { mbid: '', '#text': '' };
    if (extended) track.loved = '0';
    return s.override ? applyChange(track, s.override) : track;
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    this.send(res, status, JSON.stringify(body), 'application/json');
  }

  private send(res: http.ServerResponse, status: number, body: string, type: string): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
