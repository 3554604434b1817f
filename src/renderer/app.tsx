import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { EncoreApi } from '../shared/api';
import { ipcTransport, type Transport } from './bridge';
import type { RestoreSummary } from '../shared/status';
import { AppHeader } from './components/app-header';
import { Banners } from './components/banners';
import { HistoryArea } from './components/history/history-area';
import { ImportPanel } from './components/import-panel';
import { JobsPanel } from './components/jobs-panel';
import { LogViewer } from './components/log-viewer';
import { NowPlaying } from './components/now-playing';
import { RecentPlays } from './components/recent-plays';
import { ServiceCard } from './components/service-card';
import { SettingsPanel } from './components/settings-panel';
import { TabPanel, Tabs, type TabDef } from './components/tabs';
import { Toasts } from './components/toasts';
import { AppContext, type AppContextValue } from './context';
import { useToday } from './hooks/use-now';
import { useRoute } from './hooks/use-route';
import { useStatus } from './hooks/use-status';
import { useThrottledTick } from './hooks/use-throttled-tick';
import { restoreToast, type Toast } from './lib/banner';
import type { ConnectionState } from './lib/connection';
import { routes, routeTitle, tabOf, type HistoryRoute, type Route, type TopTab } from './lib/route';

const TABS: TabDef<TopTab>[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'history', label: 'History' },
  { id: 'import', label: 'Import & jobs' },
  { id: 'settings', label: 'Settings' },
  { id: 'logs', label: 'Logs' },
];

/** Lists reload at most this often while snapshots stream in… */
const REFRESH_THROTTLE_MS = 3_000;
/** …and at least this often when nothing changes. */
const REFRESH_IDLE_MS = 30_000;
const TOAST_MS = 8_000;

/** `value` while `active`; frozen at its last active value while not, so hidden tabs do not reload. */
function useWhileActive<T>(value: T, active: boolean): T {
  const last = useRef(value);
  if (active) last.current = value;
  return last.current;
}

function useConnected(connection: ConnectionState | undefined): boolean {
  const [connected, setConnected] = useState(connection?.connected ?? true);
  useEffect(() => connection?.subscribe(setConnected), [connection]);
  return connected;
}

/** The History tab reopens the page it was left on. */
function useLastHistoryRoute(route: Route): HistoryRoute {
  const last = useRef<HistoryRoute>(routes.plays() as HistoryRoute);
  if (tabOf(route) === 'history') last.current = route as HistoryRoute;
  return last.current;
}

export function App({ api, transport, connection }: { api: EncoreApi; transport?: Transport; connection?: ConnectionState }) {
  const { snapshot, error } = useStatus(api);
  const connected = useConnected(connection);
  // Only which day it is: what ticks each second (relative times, countdowns,
  // seek positions) ticks inside its own small component.
  const now = useToday();
  const [route, navigate] = useRoute();
  const tab = tabOf(route);
  const historyRoute = useLastHistoryRoute(route);
  // Mounted on first visit, then kept (like every tab) so a scrolled list survives a look elsewhere.
  const historyVisited = useRef(false);
  if (tab === 'history') historyVisited.current = true;
  const selectTab = useCallback((id: TopTab) => navigate(id === 'history' ? historyRoute : ({ page: id } as Route)), [navigate, historyRoute]);
  useEffect(() => {
    document.title = `${routeTitle(route)} · Encore`;
  }, [route]);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const refresh = useThrottledTick(snapshot, REFRESH_THROTTLE_MS, REFRESH_IDLE_MS);
  const historyRefresh = useWhileActive(refresh, tab === 'history');

  const dismiss = useCallback((key: string) => setToasts((ts) => ts.filter((t) => t.key !== key)), []);
  const push = useCallback(
    (toast: Toast) => {
      setToasts((ts) => [...ts.filter((t) => t.key !== toast.key), toast].slice(-4));
      setTimeout(() => dismiss(toast.key), TOAST_MS);
    },
    [dismiss],
  );
  const context = useMemo<AppContextValue>(
    () => ({ api, transport: transport ?? ipcTransport(api), notify: (tone, text) => push({ key: `${Date.now()}-${Math.random()}`, tone, text }) }),
    [api, transport, push],
  );

  // A toast when a restore finishes; `undefined` until the first snapshot so
  // the restore that ran before the window opened is not announced.
  const lastRestore = useRef<RestoreSummary | null | undefined>(undefined);
  useEffect(() => {
    if (!snapshot) return;
    const toast = restoreToast(lastRestore.current, snapshot.lastRestore);
    lastRestore.current = snapshot.lastRestore;
    if (toast) push(toast);
  }, [snapshot, push]);

  const service = (id: string) => snapshot?.services.find((s) => s.id === id);

  return (
    <AppContext.Provider value={context}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader snapshot={snapshot} />
      {!connected && snapshot && (
        <p class="banner tone-error" role="alert" data-testid="banner-disconnected">
          <span class="banner-icon" aria-hidden="true">
            ✕
          </span>
          <strong>Lost the connection to Encore; reconnecting… What you see may be out of date.</strong>
        </p>
      )}
      <Banners snapshot={snapshot} />
      {!snapshot && (
        <p class={error ? 'banner tone-error' : 'empty'} role="status">
          {error ? `Cannot reach Encore: ${error}` : 'Connecting to Encore…'}
        </p>
      )}
      <Tabs tabs={TABS} selected={tab} onSelect={selectTab} label="Sections" />
      <main id="main">
        <TabPanel id="overview" selected={tab === 'overview'}>
          <section aria-labelledby="services-heading">
            <h2 id="services-heading" class="visually-hidden">
              Services
            </h2>
            <div class="cards" data-testid="services">
              {snapshot?.services.map((s) => <ServiceCard key={s.id} service={s} />)}
            </div>
          </section>
          <div class="columns">
            <NowPlaying roon={service('roon')} lastfm={service('lastfm')} />
            <RecentPlays refresh={useWhileActive(refresh, tab === 'overview')} now={now} />
          </div>
        </TabPanel>
        <TabPanel id="history" selected={tab === 'history'}>
          {historyVisited.current && <HistoryArea route={historyRoute} navigate={navigate} refresh={historyRefresh} />}
        </TabPanel>
        <TabPanel id="import" selected={tab === 'import'}>
          <ImportPanel lastfm={service('lastfm')} />
          <JobsPanel scheduler={service('scheduler')} now={now} />
        </TabPanel>
        <TabPanel id="settings" selected={tab === 'settings'}>
          <SettingsPanel />
        </TabPanel>
        <TabPanel id="logs" selected={tab === 'logs'}>
          {tab === 'logs' && <LogViewer />}
        </TabPanel>
      </main>
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </AppContext.Provider>
  );
}
