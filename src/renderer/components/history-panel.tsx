import { useApp } from '../context';
import { useLoad } from '../hooks/use-load';
import { fillDays, shortDay } from '../lib/chart';
import { clockTime, formatDuration, plural } from '../lib/format';
import { RESTORE_OUTCOME_PRESENTATION } from '../lib/states';
import { BarChart, type Bar } from './bar-chart';
import { RestoreTimeline } from './restore-timeline';

const DAYS = 30;

export function HistoryPanel({ refresh, now }: { refresh: number; now: number }) {
  const { api } = useApp();
  const restores = useLoad(() => api.getRestores({ limit: 20 }), [api, refresh]);
  const perDay = useLoad(() => api.getPlaysPerDay({ days: DAYS }), [api, refresh]);

  const days = fillDays(perDay.data?.days ?? [], DAYS, now);
  const total = days.reduce((n, d) => n + d.plays, 0);
  const busiest = days.reduce((a, b) => (b.plays > a.plays ? b : a), days[0] ?? { day: '', plays: 0 });
  const dayBars: Bar[] = days.map((d) => ({ key: d.day, value: d.plays, tone: 'busy', label: `${shortDay(d.day)}: ${plural(d.plays, 'play')}` }));

  const runs = [...(restores.data?.restores ?? [])].filter((r) => r.durationMs !== null).reverse();
  const restoreBars: Bar[] = runs.map((r) => ({
    key: String(r.id),
    value: r.durationMs ?? 0,
    tone: RESTORE_OUTCOME_PRESENTATION[r.outcome].tone,
    label: `${clockTime(r.startedAt, now)}: ${formatDuration(r.durationMs)}, ${r.summary}`,
  }));
  const slowest = runs.reduce((m, r) => Math.max(m, r.durationMs ?? 0), 0);

  return (
    <div class="history">
      <section class="panel" aria-labelledby="charts-heading">
        <h2 id="charts-heading">Charts</h2>
        {perDay.error && <p class="error-text">Could not load plays per day: {perDay.error}</p>}
        <BarChart
          testId="chart-plays-per-day"
          title={`Plays per day, last ${DAYS} days`}
          summary={total ? `${plural(total, 'play')} in total; busiest day ${shortDay(busiest.day)} with ${plural(busiest.plays, 'play')}.` : 'No plays in this period.'}
          bars={dayBars}
          formatValue={(v) => String(Math.round(v))}
          axisLabels={days.length ? [shortDay(days[0]!.day), shortDay(days[days.length - 1]!.day)] : undefined}
        />
        {restores.error && <p class="error-text">Could not load restores: {restores.error}</p>}
        <BarChart
          testId="chart-restore-durations"
          title="Restore durations, oldest to newest"
          summary={runs.length ? `${plural(runs.length, 'restore')}; slowest ${formatDuration(slowest)}.` : 'No restores yet.'}
          bars={restoreBars}
          formatValue={(v) => formatDuration(v)}
          axisLabels={runs.length ? [clockTime(runs[0]!.startedAt, now), clockTime(runs[runs.length - 1]!.startedAt, now)] : undefined}
        />
      </section>
      <section class="panel" aria-labelledby="timeline-heading" aria-busy={restores.loading}>
        <h2 id="timeline-heading">Sleep and wake timeline</h2>
        {restores.data && <RestoreTimeline restores={restores.data.restores} now={now} />}
      </section>
    </div>
  );
}
