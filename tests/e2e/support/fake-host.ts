// A scripted stand-in for the headless host: serves the built window the same
// way (CSP header, token cookie, Origin check, SSE) and answers the API table
// from an in-memory snapshot the test controls. It lets the window be tested
// in a real browser for states that are hard to reach with the real services
// (authorisation, import progress, validation errors).
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { API, type ApiName, type ApiResponse, type FieldError, type Settings } from '../../../src/shared/api';
import type { PlaysPerDay, PlayView } from '../../../src/shared/plays';
import type { LastfmRejectedList, NowPlayingProgress, RestoreSummary, ServiceId, ServiceState, ServiceStatus, StatusSnapshot } from '../../../src/shared/status';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const iso = (ms: number) => new Date(ms).toISOString();

function service(id: ServiceId, label: string, state: ServiceState, detail: string, now: number): ServiceStatus {
  return {
    id,
    label,
    state,
    since: iso(now - 5 * 60_000),
    lastSuccessAt: state === 'running' ? iso(now - 20_000) : null,
    lastError: null,
    attempt: 0,
    nextRetryAt: null,
    detail,
    wanted: true,
    metrics: { restores: 4, successes: 4, timeouts: 0, failures: 0, p50Ms: 120, p95Ms: 480, effectiveTimeoutMs: 10_000 },
  };
}

export function demoSnapshot(now = Date.now()): StatusSnapshot {
  const roon = service('roon', 'Roon', 'running', 'Connected to Living Room Core, 2 zones', now);
  roon.nowPlaying = [
    { zoneId: 'z1', zoneName: 'Living Room', state: 'playing', title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', seekSeconds: 95, lengthSeconds: 562 },
    { zoneId: 'z2', zoneName: 'Kitchen', state: 'stopped', title: null, artist: null, album: null, seekSeconds: null, lengthSeconds: null },
  ];
  const lastfm = service('lastfm', 'Last.fm', 'running', 'Polling every 60 s as encore-user', now);
  lastfm.import = { state: 'idle', page: 0, totalPages: null, plays: 0, etaSeconds: null, startedAt: null, error: null };
  const scheduler = service('scheduler', 'Scheduler', 'running', '4 jobs armed', now);
  scheduler.jobs = [
    {
      id: 'db-backup',
      label: 'Database backup',
      schedule: '0 3 * * *',
      timezone: 'Europe/London',
      missedPolicy: 'coalesce',
      armed: true,
      running: false,
      nextRunAt: iso(now + 6 * 3600_000),
      lastRun: { scheduledFor: iso(now - 18 * 3600_000), startedAt: iso(now - 18 * 3600_000), finishedAt: iso(now - 18 * 3600_000 + 850), outcome: 'success', error: null },
    },
    {
      id: 'lastfm-sync',
      label: 'Last.fm sync',
      schedule: '*/15 * * * *',
      timezone: 'UTC',
      missedPolicy: 'coalesce',
      armed: true,
      running: false,
      nextRunAt: iso(now + 7 * 60_000),
      lastRun: null,
    },
  ];
  return {
    version: 1,
    generatedAt: iso(now),
    overall: 'ok',
    summary: 'All services running',
    sleeping: false,
    trackingPaused: false,
    services: [service('database', 'Database', 'running', 'encore.db, 1,204 plays', now), roon, lastfm, scheduler],
    lastRestore: null,
  };
}

export function demoSettings(): Settings {
  return {
    roon: { mode: 'discovery', host: null, port: null },
    lastfm: { user: 'encore-user', apiKeySet: true, pollSeconds: 60 },
    restore: { timeoutsMs: { roon: 10_000, lastfm: 10_000, scheduler: 'auto' } },
    jobs: {
      'db-backup': { schedule: '0 3 * * *', timezone: 'Europe/London', missedPolicy: 'coalesce', enabled: true },
      'lastfm-sync': { schedule: '*/15 * * * *', timezone: 'UTC', missedPolicy: 'skip', enabled: true },
    },
    notifications: { enabled: true },
  };
}

type ExploreCall = 'getTopItems' | 'getHeatmap' | 'getBreakdown' | 'getYearReview' | 'getArtist' | 'getAlbum' | 'getTrack' | 'searchCatalog';

export interface FakeHost {
  url: string;
  token: string;
  state: {
    snapshot: StatusSnapshot;
    plays: PlayView[];
    perDay: PlaysPerDay;
    restores: RestoreSummary[];
    settings: Settings;
    logLines: string[];
    /** What GET /api/lastfm/rejected answers. */
    rejected: LastfmRejectedList;
    /** Errors saveSettings answers with, once; empty means it saves. */
    saveErrors: FieldError[];
    /** Every API call received, in order. */
    calls: { name: ApiName; request: Record<string, unknown> }[];
    /** Answers for the History area's calls; a page left unset is a 404. */
    explore: { [K in ExploreCall]?: ApiResponse<K> };
  };
  /**
   * Holds back the answer to calls named `name` whose request matches, until
   * the returned `release` is called; `aborted` resolves true if the window
   * gave up on the request first (a cancelled fetch), false once answered.
   */
  hold(name: ApiName, matches: (request: Record<string, unknown>) => boolean): { release(): void; aborted: Promise<boolean> };
  /** Resolves with the request of the first call named `name` (already made or still to come). */
  waitForCall(name: ApiName, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Changes the snapshot and pushes it to every open event stream. */
  update(change: (s: StatusSnapshot) => void): void;
  /** Sends seek positions as the `progress` event, without a new snapshot. */
  progress(progress: NowPlayingProgress): void;
  close(): Promise<void>;
}

export async function startFakeHost(options: { rendererDir?: string; token?: string; port?: number } = {}): Promise<FakeHost> {
  const root = resolve(options.rendererDir ?? 'dist/renderer');
  const token = options.token ?? 'test-token-0123456789';
  const streams = new Set<ServerResponse>();
  const now = Date.now();
  const state: FakeHost['state'] = {
    snapshot: demoSnapshot(now),
    plays: [],
    perDay: [],
    restores: [],
    settings: demoSettings(),
    logLines: ['2025-01-01T10:00:00.000Z info  encore started'],
    rejected: { total: 0, byReason: {}, entries: [] },
    saveErrors: [],
    calls: [],
    explore: {},
  };
  let origin = '';
  const callWaiters = new Set<{ name: ApiName; resolve: (request: Record<string, unknown>) => void }>();
  const holds: { name: ApiName; matches: (request: Record<string, unknown>) => boolean; released: Promise<void>; onResponse: (res: ServerResponse) => void }[] = [];
  const hold: FakeHost['hold'] = (name, matches) => {
    let release!: () => void;
    const released = new Promise<void>((ok) => (release = ok));
    let settle!: (aborted: boolean) => void;
    const aborted = new Promise<boolean>((ok) => (settle = ok));
    const onResponse = (res: ServerResponse) => res.on('close', () => settle(!res.writableFinished));
    holds.push({ name, matches, released, onResponse });
    return { release, aborted };
  };

  const push = () => {
    const data = `data: ${JSON.stringify(state.snapshot)}\n\n`;
    for (const res of streams) res.write(data);
  };
  const update = (change: (s: StatusSnapshot) => void) => {
    change(state.snapshot);
    state.snapshot.version += 1;
    state.snapshot.generatedAt = new Date().toISOString();
    push();
  };

  const handlers: { [K in ApiName]: (req: Record<string, unknown>) => unknown } = {
    getStatus: () => state.snapshot,
    restartService: () => ({ ok: true }),
    startService: (r) => (update((s) => (s.services.find((x) => x.id === r.id)!.wanted = true)), { ok: true }),
    stopService: (r) => (update((s) => (s.services.find((x) => x.id === r.id)!.wanted = false)), { ok: true }),
    restoreAll: () => ({ ok: true }),
    pauseTracking: () => (update((s) => (s.trackingPaused = true)), { ok: true }),
    resumeTracking: () => (update((s) => (s.trackingPaused = false)), { ok: true }),
    simulateSuspend: () => ({ ok: true }),
    simulateResume: () => ({ ok: true }),
    getPlays: (r) => {
      // Enough of the real filter for the window's own behaviour: a search over artist, title and album, and paging.
      const q = typeof r.q === 'string' ? r.q.toLowerCase() : '';
      const matching = state.plays.filter((p) => !q || `${p.artist} ${p.title} ${p.album ?? ''}`.toLowerCase().includes(q));
      const offset = typeof r.cursor === 'string' ? Number(r.cursor.split('.')[0]) : 0;
      const limit = Number(r.limit ?? 50);
      const page = matching.slice(offset, offset + limit);
      return { plays: page, nextCursor: offset + limit < matching.length ? `${offset + limit}.0` : null };
    },
    getPlaysPerDay: () => ({ days: state.perDay }),
    getRestores: () => ({ restores: state.restores }),
    getSettings: () => state.settings,
    saveSettings: () => {
      if (state.saveErrors.length) {
        const errors = state.saveErrors;
        state.saveErrors = [];
        return { ok: false, errors };
      }
      return { ok: true, settings: state.settings };
    },
    startImport: () => ({ ok: true }),
    cancelImport: () => ({ ok: true }),
    runJob: () => ({ ok: true }),
    getLogTail: () => ({ lines: state.logLines, file: '/tmp/encore/logs/encore.log' }),
    // The History area's figures, as a test sets them; without, empty (and 404 for a page).
    getTopItems: () => state.explore.getTopItems ?? { items: [], previous: null },
    getHeatmap: () => state.explore.getHeatmap ?? { cells: [], tz: 'UTC' },
    getBreakdown: () => state.explore.getBreakdown ?? { zones: [], sources: [] },
    getYearReview: () => state.explore.getYearReview,
    getArtist: () => state.explore.getArtist,
    getAlbum: () => state.explore.getAlbum,
    getTrack: () => state.explore.getTrack,
    searchCatalog: () => state.explore.searchCatalog ?? { artists: [], albums: [], tracks: [] },
    exportPlays: () => ({ savedTo: null, plays: null }),
    getLastfmRejected: () => state.rejected,
  };

  const routes = (Object.keys(API) as ApiName[]).map((name) => {
    const [method, path] = API[name].http;
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_m, p: string) => (names.push(p), '([^/]+)'))}$`);
    return { name, method, pattern, names };
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      res.setHeader('content-security-policy', CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      if (url.pathname === '/' && url.searchParams.get('token') === token) {
        res.writeHead(302, { location: '/', 'set-cookie': `encore_session=${token}; HttpOnly; SameSite=Strict; Path=/` });
        res.end();
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        if (req.headers.cookie?.includes(`encore_session=${token}`) !== true) return send(res, 401, { error: 'not signed in' });
        if (req.method !== 'GET' && req.headers.origin !== origin) return send(res, 403, { error: 'bad origin' });
        if (url.pathname === '/api/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          // A scripted host restarts in the same instant: the browser may retry at once (the real host asks for 2 s).
          res.write(`retry: 100\n\n`);
          res.write(`data: ${JSON.stringify(state.snapshot)}\n\n`);
          streams.add(res);
          req.on('close', () => streams.delete(res));
          return;
        }
        for (const route of routes) {
          const m = route.pattern.exec(url.pathname);
          if (!m || route.method !== req.method) continue;
          const request: Record<string, unknown> = req.method === 'GET' ? Object.fromEntries(url.searchParams) : await readBody(req);
          route.names.forEach((n, i) => (request[n] = decodeURIComponent(m[i + 1]!)));
          state.calls.push({ name: route.name, request });
          for (const w of [...callWaiters]) {
            if (w.name !== route.name) continue;
            callWaiters.delete(w);
            w.resolve(request);
          }
          const held = holds.find((h) => h.name === route.name && h.matches(request));
          if (held) {
            held.onResponse(res);
            await held.released;
            if (res.destroyed) return;
          }
          const answer = handlers[route.name](request);
          return answer === undefined ? send(res, 404, { error: `no such ${route.name.replace(/^get/, '').toLowerCase()}` }) : send(res, 200, answer);
        }
        return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      }
      const file = normalize(join(root, url.pathname === '/' ? 'index.html' : url.pathname));
      if (!file.startsWith(root)) return send(res, 404, { error: 'not found' });
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        send(res, 404, { error: 'not found' });
      }
    })().catch((e: unknown) => send(res, 500, { error: String(e) }));
  });

  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  const waitForCall = (name: ApiName, timeoutMs = 5_000) =>
    new Promise<Record<string, unknown>>((resolveCall, reject) => {
      const made = state.calls.find((c) => c.name === name);
      if (made) return resolveCall(made.request);
      const timer = setTimeout(() => (callWaiters.delete(waiter), reject(new Error(`no ${name} call within ${timeoutMs} ms`))), timeoutMs);
      const waiter = { name, resolve: (r: Record<string, unknown>) => (clearTimeout(timer), resolveCall(r)) };
      callWaiters.add(waiter);
    });

  return {
    url: origin,
    token,
    state,
    waitForCall,
    hold,
    update,
    progress: (progress) => {
      for (const res of streams) res.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`);
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const res of streams) res.end();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
