// From the window's route to the API's request fields.
import type { PlayFilters } from '../../../shared/explore';
import { periodRange, type Period } from '../../lib/period';
import type { PlayFilters as RouteFilters } from '../../lib/route';

/** The zone the window shows times in; the host groups hours and days in it too. */
export function timeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

const idOf = (value: string | null) => (value !== null && /^\d+$/.test(value) ? Number(value) : undefined);

/** Undefined fields are dropped so the request (and the key that says when to reload) stays minimal. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function rangeOf(period: Period): { from?: string; to?: string } {
  return compact(periodRange(period, Date.now()));
}

export function apiFilters(f: RouteFilters): PlayFilters {
  return compact({
    q: f.q.trim() || undefined,
    ...rangeOf(f.period),
    zone: f.zone ?? undefined,
    source: f.source ?? undefined,
    artist: idOf(f.artist),
    album: idOf(f.album),
    track: idOf(f.track),
  });
}
