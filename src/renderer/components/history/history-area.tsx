import { memo } from 'preact/compat';
import { useEffect, useRef } from 'preact/hooks';
import { useNow } from '../../hooks/use-now';
import type { NavigateOptions } from '../../hooks/use-route';
import { formatRoute, routes, type HistoryRoute, type Route } from '../../lib/route';
import { HistoryPanel } from '../history-panel';
import { ChartsPage } from './charts-page';
import { ClockPage } from './clock-page';
import { EntityPage } from './entity-page';
import { PlaysPage } from './plays-page';
import { YearPage } from './year-page';

const SECTIONS: { label: string; route: Route; pages: HistoryRoute['page'][] }[] = [
  { label: 'Plays', route: routes.plays(), pages: ['plays'] },
  { label: 'Top charts', route: routes.charts(), pages: ['charts'] },
  { label: 'Listening clock', route: routes.clock(), pages: ['clock'] },
  { label: 'Year in review', route: routes.year(), pages: ['year'] },
  { label: 'Sleep and wake', route: { page: 'restores' }, pages: ['restores'] },
];

/** The sleep and wake charts tick once a minute on their own, not with the whole window. */
function RestoresPage({ refresh }: { refresh: number }) {
  const now = useNow(60_000);
  return <HistoryPanel refresh={refresh} now={now} />;
}

/** Which page this is, for moving focus only when the page itself changes (not a filter on it). */
function pageKey(route: HistoryRoute): string {
  return route.page === 'artist' || route.page === 'album' || route.page === 'track' ? `${route.page}:${route.id}` : route.page === 'year' ? `year:${route.year}` : route.page;
}

/**
 * The History tab: its own pages, each with a URL. Memoised on its props so
 * the window's once-a-second clock does not re-render long lists.
 */
export const HistoryArea = memo(function HistoryArea({ route, navigate, refresh }: { route: HistoryRoute; navigate: (r: Route, o?: NavigateOptions) => void; refresh: number }) {
  const key = pageKey(route);
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    // After following a link the new page's heading takes focus (and is
    // announced), as a page load would; not on first render.
    if (lastKey.current !== null && lastKey.current !== key) {
      document.getElementById('history-heading')?.focus({ preventScroll: true });
      window.scrollTo({ top: 0 });
    }
    lastKey.current = key;
  }, [key]);

  return (
    <div class="history-area">
      <nav class="subnav" aria-label="History pages">
        {SECTIONS.map((s) => (
          <a key={s.label} href={formatRoute(s.route)} aria-current={s.pages.includes(route.page) ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
      </nav>
      {route.page === 'plays' && <PlaysPage filters={route.filters} navigate={navigate} refresh={refresh} />}
      {route.page === 'charts' && <ChartsPage kind={route.kind} by={route.by} period={route.period} refresh={refresh} navigate={navigate} />}
      {route.page === 'clock' && <ClockPage period={route.period} refresh={refresh} navigate={navigate} />}
      {route.page === 'year' && <YearPage year={route.year} refresh={refresh} />}
      {(route.page === 'artist' || route.page === 'album' || route.page === 'track') && (
        <EntityPage key={key} kind={route.page} id={route.id} grain={route.grain} refresh={refresh} navigate={navigate} />
      )}
      {route.page === 'restores' && <RestoresPage refresh={refresh} />}
    </div>
  );
});
