import { useCallback, useEffect, useState } from 'preact/hooks';
import { formatRoute, parseRoute, type Route } from '../lib/route';

export interface NavigateOptions {
  /** Replace the current history entry (typing in a search box), rather than adding one. */
  replace?: boolean;
}

/** True for hashes the router owns ("#/…"); in-page anchors such as the skip link's "#main" are left alone. */
function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

/**
 * The page the hash names, kept current on Back and Forward. Navigation is
 * ordinary hash links, so every page works with a reload, a new tab and the
 * browser's history; `navigate` is for changes made by controls.
 */
export function useRoute(): [Route, (route: Route, options?: NavigateOptions) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      if (isRouteHash(location.hash)) setRoute(parseRoute(location.hash));
    };
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
  }, []);
  const navigate = useCallback((next: Route, options: NavigateOptions = {}) => {
    const hash = formatRoute(next);
    if (hash === location.hash) return;
    if (options.replace) {
      // replaceState fires no event: update our state directly.
      history.replaceState(history.state, '', hash);
      setRoute(parseRoute(hash));
    } else {
      location.hash = hash;
    }
  }, []);
  return [route, navigate];
}
