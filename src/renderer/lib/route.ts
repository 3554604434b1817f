// Every page of the window as a hash URL ("#/history/artists/12"), so a page
// can be linked, reloaded, and left with the browser's Back button. Parsing is
// total: a damaged or hand-edited hash falls back to defaults field by field,
// never to an error.
import { customPeriod, PERIOD_PRESETS, type Period, type PeriodPreset } from './period';

export const TOP_TABS = ['overview', 'history', 'import', 'settings', 'logs'] as const;
export type TopTab = (typeof TOP_TABS)[number];

export const CHART_KINDS = ['artist', 'album', 'track'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
export const RANK_BY = ['plays', 'time'] as const;
export type RankBy = (typeof RANK_BY)[number];
export const PLAY_SOURCE_FILTERS = ['roon', 'lastfm'] as const;
export const GRAINS = ['week', 'month'] as const;
export type Grain = (typeof GRAINS)[number];

export interface PlayFilters {
  q: string;
  period: Period;
  zone: string | null;
  source: (typeof PLAY_SOURCE_FILTERS)[number] | null;
  artist: string | null;
  album: string | null;
  track: string | null;
}

export type Route =
  | { page: 'overview' | 'import' | 'settings' | 'logs' | 'restores' }
  | { page: 'plays'; filters: PlayFilters }
  | { page: 'charts'; kind: ChartKind; by: RankBy; period: Period }
  | { page: 'clock'; period: Period }
  | { page: 'year'; year: number | null }
  | { page: 'artist' | 'album' | 'track'; id: string; grain: Grain };

export type HistoryRoute = Exclude<Route, { page: 'overview' | 'import' | 'settings' | 'logs' }>;

export const DEFAULT_PLAY_FILTERS: PlayFilters = { q: '', period: { preset: 'all' }, zone: null, source: null, artist: null, album: null, track: null };
const DEFAULT_CHART_PERIOD: Period = { preset: 'month' };
const DEFAULT_CLOCK_PERIOD: Period = { preset: 'year' };

const ENTITY_SEGMENTS = { artists: 'artist', albums: 'album', tracks: 'track' } as const;
const ENTITY_PATHS = { artist: 'artists', album: 'albums', track: 'tracks' } as const;

/** Which top-level tab a route belongs to. */
export function tabOf(route: Route): TopTab {
  switch (route.page) {
    case 'overview':
    case 'import':
    case 'settings':
    case 'logs':
      return route.page;
    default:
      return 'history';
  }
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

function readPeriod(params: URLSearchParams, fallback: Period): Period {
  const preset = params.get('period');
  if (preset === 'custom') return customPeriod(params.get('from') ?? '', params.get('to') ?? '') ?? fallback;
  const p = oneOf<PeriodPreset>(PERIOD_PRESETS, preset);
  return p ? { preset: p } : fallback;
}

function writePeriod(params: URLSearchParams, period: Period, fallback: Period) {
  if (samePeriod(period, fallback)) return;
  params.set('period', period.preset);
  if (period.preset === 'custom') {
    params.set('from', period.from);
    params.set('to', period.to);
  }
}

export function samePeriod(a: Period, b: Period): boolean {
  if (a.preset !== b.preset) return false;
  return a.preset !== 'custom' || (b.preset === 'custom' && a.from === b.from && a.to === b.to);
}

/** An entity id as it may appear in a URL: short, and nothing that needs explaining. */
function readId(value: string | null | undefined): string | null {
  return value && /^[\w.:-]{1,64}$/.test(value) ? value : null;
}

/** The route a hash ("#/…") names. Anything unknown is the overview. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  let segments: string[];
  try {
    segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: 'overview' };
  }
  const [first, second, third] = segments;
  if (first === 'import' || first === 'settings' || first === 'logs') return { page: first };
  if (first !== 'history') return { page: 'overview' };

  if (second === undefined) {
    return {
      page: 'plays',
      filters: {
        q: (params.get('q') ?? '').slice(0, 200),
        period: readPeriod(params, DEFAULT_PLAY_FILTERS.period),
        zone: params.get('zone')?.slice(0, 200) || null,
        source: oneOf(PLAY_SOURCE_FILTERS, params.get('source')),
        artist: readId(params.get('artist')),
        album: readId(params.get('album')),
        track: readId(params.get('track')),
      },
    };
  }
  if (second === 'charts') {
    return {
      page: 'charts',
      kind: oneOf(CHART_KINDS, params.get('kind')) ?? 'artist',
      by: oneOf(RANK_BY, params.get('by')) ?? 'plays',
      period: readPeriod(params, DEFAULT_CHART_PERIOD),
    };
  }
  if (second === 'clock') return { page: 'clock', period: readPeriod(params, DEFAULT_CLOCK_PERIOD) };
  if (second === 'restores') return { page: 'restores' };
  if (second === 'year') {
    const year = third !== undefined && /^\d{4}$/.test(third) ? Number(third) : null;
    return { page: 'year', year };
  }
  if (second in ENTITY_SEGMENTS) {
    const id = readId(third);
    if (id) return { page: ENTITY_SEGMENTS[second as keyof typeof ENTITY_SEGMENTS], id, grain: oneOf(GRAINS, params.get('grain')) ?? 'month' };
  }
  return { page: 'plays', filters: DEFAULT_PLAY_FILTERS };
}

/** The canonical hash for a route; defaults are left out so links stay short. */
export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  let path: string;
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'import':
    case 'settings':
    case 'logs':
      return `#/${route.page}`;
    case 'restores':
      return '#/history/restores';
    case 'plays': {
      const f = route.filters;
      path = '/history';
      if (f.q) params.set('q', f.q);
      writePeriod(params, f.period, DEFAULT_PLAY_FILTERS.period);
      if (f.zone) params.set('zone', f.zone);
      if (f.source) params.set('source', f.source);
      if (f.artist) params.set('artist', f.artist);
      if (f.album) params.set('album', f.album);
      if (f.track) params.set('track', f.track);
      break;
    }
    case 'charts':
      path = '/history/charts';
      if (route.kind !== 'artist') params.set('kind', route.kind);
      if (route.by !== 'plays') params.set('by', route.by);
      writePeriod(params, route.period, DEFAULT_CHART_PERIOD);
      break;
    case 'clock':
      path = '/history/clock';
      writePeriod(params, route.period, DEFAULT_CLOCK_PERIOD);
      break;
    case 'year':
      path = route.year === null ? '/history/year' : `/history/year/${route.year}`;
      break;
    case 'artist':
    case 'album':
    case 'track':
      path = `/history/${ENTITY_PATHS[route.page]}/${encodeURIComponent(route.id)}`;
      if (route.grain !== 'month') params.set('grain', route.grain);
      break;
  }
  const qs = params.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

/** Shorthands for links. */
export const routes = {
  plays: (filters: Partial<PlayFilters> = {}): Route => ({ page: 'plays', filters: { ...DEFAULT_PLAY_FILTERS, ...filters } }),
  artist: (id: string | number): Route => ({ page: 'artist', id: String(id), grain: 'month' }),
  album: (id: string | number): Route => ({ page: 'album', id: String(id), grain: 'month' }),
  track: (id: string | number): Route => ({ page: 'track', id: String(id), grain: 'month' }),
  charts: (kind: ChartKind = 'artist', period: Period = DEFAULT_CHART_PERIOD, by: RankBy = 'plays'): Route => ({ page: 'charts', kind, by, period }),
  clock: (period: Period = DEFAULT_CLOCK_PERIOD): Route => ({ page: 'clock', period }),
  year: (year: number | null = null): Route => ({ page: 'year', year }),
};

/** The page's name for the window title. */
export function routeTitle(route: Route): string {
  switch (route.page) {
    case 'overview':
      return 'Overview';
    case 'import':
      return 'Import & jobs';
    case 'settings':
      return 'Settings';
    case 'logs':
      return 'Logs';
    case 'restores':
      return 'Sleep and wake';
    case 'plays':
      return route.filters.q ? `Search “${route.filters.q}”` : 'History';
    case 'charts':
      return 'Top charts';
    case 'clock':
      return 'Listening clock';
    case 'year':
      return route.year === null ? 'Year in review' : `${route.year} in review`;
    case 'artist':
      return 'Artist';
    case 'album':
      return 'Album';
    case 'track':
      return 'Track';
  }
}
