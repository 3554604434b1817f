import { useQuery } from '../../hooks/use-query';
import { toCsv } from '../../lib/export';
import { listenedTime, plural } from '../../lib/format';
import { periodLabel, type Period } from '../../lib/period';
import { routes, type Route } from '../../lib/route';
import { rangeOf, timeZone } from './api-filters';
import { ExportButtons } from './export-buttons';
import { Heatmap } from './heatmap';
import { Link } from './links';
import { PeriodPicker } from './period-picker';
import { RankedList } from './ranked-list';

const SOURCE_NAMES = { roon: 'Roon only', lastfm: 'Last.fm only', both: 'Roon and Last.fm' } as const;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function ClockPage({ period, refresh, navigate }: { period: Period; refresh: number; navigate: (r: Route) => void }) {
  const range = { ...rangeOf(period), tz: timeZone() };
  const heat = useQuery('getHeatmap', range, refresh);
  const breakdown = useQuery('getBreakdown', range, refresh);
  const cells = heat.data?.cells ?? [];
  const title = `Listening clock · ${periodLabel(period)}`;
  const zones = breakdown.data?.zones ?? [];
  const sources = breakdown.data?.sources ?? [];

  return (
    <section class="panel" aria-labelledby="history-heading" aria-busy={heat.loading || breakdown.loading}>
      <div class="page-head">
        <h2 id="history-heading" tabIndex={-1}>
          {title}
        </h2>
        <ExportButtons
          view={{
            name: `listening-clock-${period.preset}`,
            csv: () =>
              toCsv(cells, [
                { header: 'weekday', value: (c) => WEEKDAYS[c.weekday] },
                { header: 'hour', value: (c) => c.hour },
                { header: 'plays', value: (c) => c.plays },
              ]),
            json: () => ({ period, tz: heat.data?.tz, cells, zones, sources }),
          }}
        />
      </div>
      <div class="filters">
        <PeriodPicker period={period} onChange={(p) => navigate(routes.clock(p))} />
      </div>
      {heat.error && <p class="error-text">Could not load the clock: {heat.error}</p>}
      {heat.data && <Heatmap cells={cells} title={`When you listen${heat.data.tz ? ` (${heat.data.tz} time)` : ''}`} />}
      {breakdown.error && <p class="error-text">Could not load the breakdown: {breakdown.error}</p>}
      {breakdown.data && (
        <div class="two-columns">
          <section aria-labelledby="zones-heading">
            <h3 id="zones-heading">Per zone</h3>
            <RankedList
              label="Plays per zone"
              testId="zone-breakdown"
              rows={zones.map((z) => ({
                key: z.zone ?? '(none)',
                name: z.zone ? <Link to={routes.plays({ zone: z.zone, period })}>{z.zone}</Link> : <span class="muted-text">No zone (Last.fm only)</span>,
                value: z.plays,
                valueText: `${plural(z.plays, 'play')} · ${listenedTime(z.seconds)}`,
              }))}
            />
          </section>
          <section aria-labelledby="sources-heading">
            <h3 id="sources-heading">Per source</h3>
            <RankedList
              label="Plays per source"
              testId="source-breakdown"
              rows={sources.map((s) => ({
                key: s.source,
                name: SOURCE_NAMES[s.source],
                value: s.plays,
                valueText: `${plural(s.plays, 'play')} · ${listenedTime(s.seconds)}`,
              }))}
            />
          </section>
        </div>
      )}
    </section>
  );
}
