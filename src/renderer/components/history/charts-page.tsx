import type { TopItem } from '../../../shared/explore';
import { useQuery } from '../../hooks/use-query';
import { toCsv } from '../../lib/export';
import { listenedTime, plural } from '../../lib/format';
import { periodLabel, type Period } from '../../lib/period';
import { routes, type ChartKind, type RankBy, type Route } from '../../lib/route';
import { rangeOf } from './api-filters';
import { Choice } from './choice';
import { ExportButtons } from './export-buttons';
import { ArtistLinks, Link } from './links';
import { PeriodPicker } from './period-picker';
import { RankedList, type RankedRow } from './ranked-list';

const KIND_LABELS: Record<ChartKind, string> = { artist: 'Artists', album: 'Albums', track: 'Tracks' };
const LIMIT = 100;

export function linkTo(kind: ChartKind, id: number): Route {
  return kind === 'artist' ? routes.artist(id) : kind === 'album' ? routes.album(id) : routes.track(id);
}

/** Rows for a top list; `compare` shows the change of rank. */
export function topRows(kind: ChartKind, items: TopItem[], by: RankBy, compare: boolean): RankedRow[] {
  return items.map((it) => ({
    key: String(it.id),
    rank: it.rank,
    previousRank: compare ? it.previousRank : undefined,
    name: <Link to={linkTo(kind, it.id)}>{it.name}</Link>,
    detail: kind !== 'artist' && it.artists.length > 0 ? <ArtistLinks artists={it.artists} /> : undefined,
    value: by === 'time' ? it.seconds : it.plays,
    valueText: by === 'time' ? listenedTime(it.seconds) : plural(it.plays, 'play'),
  }));
}

export const topCsv = (items: TopItem[]) =>
  toCsv(items, [
    { header: 'rank', value: (i) => i.rank },
    { header: 'previous_rank', value: (i) => i.previousRank },
    { header: 'name', value: (i) => i.name },
    { header: 'artists', value: (i) => i.artists.map((a) => a.name).join(' / ') },
    { header: 'plays', value: (i) => i.plays },
    { header: 'seconds', value: (i) => Math.round(i.seconds) },
  ]);

export function ChartsPage({ kind, by, period, refresh, navigate }: { kind: ChartKind; by: RankBy; period: Period; refresh: number; navigate: (r: Route) => void }) {
  const top = useQuery('getTopItems', { kind, by, limit: LIMIT, ...rangeOf(period) }, refresh);
  const items = top.data?.items ?? [];
  const compare = top.data?.previous != null;
  const title = `Top ${KIND_LABELS[kind].toLowerCase()} · ${periodLabel(period)}`;
  return (
    <section class="panel" aria-labelledby="history-heading" aria-busy={top.loading}>
      <div class="page-head">
        <h2 id="history-heading" tabIndex={-1}>
          {title}
        </h2>
        <ExportButtons
          view={{ name: `top-${kind}s-${period.preset === 'custom' ? `${period.from}-${period.to}` : period.preset}-by-${by}`, csv: () => topCsv(items), json: () => ({ kind, by, period, ...top.data }) }}
        />
      </div>
      <div class="filters">
        <div class="row">
          <Choice label="Chart of" testId="chart-kind" options={(['artist', 'album', 'track'] as const).map((k) => ({ value: k, label: KIND_LABELS[k] }))} value={kind} onChange={(k) => navigate(routes.charts(k, period, by))} />
          <Choice
            label="Ranked by"
            testId="chart-by"
            options={[
              { value: 'plays', label: 'By plays' },
              { value: 'time', label: 'By time listened' },
            ]}
            value={by}
            onChange={(b) => navigate(routes.charts(kind, period, b))}
          />
        </div>
        <PeriodPicker period={period} onChange={(p) => navigate(routes.charts(kind, p, by))} />
      </div>
      {top.error && <p class="error-text">Could not load the chart: {top.error}</p>}
      {compare && top.data?.previous && <p class="small">Rank changes compare with the {periodLabel(period).toLowerCase().startsWith('last') ? 'same number of days' : 'same length of time'} just before.</p>}
      {top.data && <RankedList rows={topRows(kind, items, by, compare)} label={title} testId="top-list" />}
    </section>
  );
}
