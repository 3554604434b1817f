import type { YearReview } from '../../../shared/explore';
import { useQuery } from '../../hooks/use-query';
import { axisNumber } from '../../lib/chart';
import { toCsv } from '../../lib/export';
import { listenedTime, plural } from '../../lib/format';
import { parseDay } from '../../lib/period';
import { routes } from '../../lib/route';
import { BarChart } from '../bar-chart';
import { timeZone } from './api-filters';
import { topRows } from './charts-page';
import { ExportButtons } from './export-buttons';
import { Link } from './links';
import { RankedList } from './ranked-list';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function yearCsv(r: YearReview): string {
  const rows = [
    ...r.topArtists.map((i) => ({ list: 'top artists', ...i })),
    ...r.topAlbums.map((i) => ({ list: 'top albums', ...i })),
    ...r.topTracks.map((i) => ({ list: 'top tracks', ...i })),
  ];
  return toCsv(rows, [
    { header: 'list', value: (i) => i.list },
    { header: 'rank', value: (i) => i.rank },
    { header: 'name', value: (i) => i.name },
    { header: 'artists', value: (i) => i.artists.map((a) => a.name).join(' / ') },
    { header: 'plays', value: (i) => i.plays },
    { header: 'seconds', value: (i) => Math.round(i.seconds) },
  ]);
}

export function YearPage({ year: wanted, refresh }: { year: number | null; refresh: number }) {
  const thisYear = new Date().getFullYear();
  const year = wanted ?? thisYear;
  const review = useQuery('getYearReview', { year, tz: timeZone() }, refresh);
  const r = review.data;
  const busiest = r?.busiestDay ? parseDay(r.busiestDay.day) : null;

  return (
    <section class="panel" aria-labelledby="history-heading" aria-busy={review.loading}>
      <div class="page-head">
        <h2 id="history-heading" tabIndex={-1}>
          {year} in review
        </h2>
        {r && <ExportButtons view={{ name: `year-in-review-${year}`, csv: () => yearCsv(r), json: () => r }} />}
      </div>
      <nav class="toolbar" aria-label="Other years">
        <Link to={routes.year(year - 1)}>← {year - 1}</Link>
        {year < thisYear && <Link to={routes.year(year + 1)}>{year + 1} →</Link>}
      </nav>
      {review.error && <p class="error-text">Could not load {year}: {review.error}</p>}
      {r && r.totals.plays === 0 && <p class="empty">No plays in {year}.</p>}
      {r && r.totals.plays > 0 && (
        <>
          <dl class="totals" data-testid="year-totals">
            <div>
              <dt>Plays</dt>
              <dd>{r.totals.plays.toLocaleString('en')}</dd>
            </div>
            <div>
              <dt>Time listened</dt>
              <dd>{listenedTime(r.totals.seconds)}</dd>
            </div>
            <div>
              <dt>Artists</dt>
              <dd>{r.totals.artists.toLocaleString('en')}</dd>
            </div>
            <div>
              <dt>Albums</dt>
              <dd>{r.totals.albums.toLocaleString('en')}</dd>
            </div>
            <div>
              <dt>Tracks</dt>
              <dd>{r.totals.tracks.toLocaleString('en')}</dd>
            </div>
            <div>
              <dt>Days with music</dt>
              <dd>{r.totals.days.toLocaleString('en')}</dd>
            </div>
          </dl>
          {r.busiestDay && busiest && (
            <p data-testid="busiest-day">
              Busiest day:{' '}
              <Link to={routes.plays({ period: { preset: 'custom', from: r.busiestDay.day, to: r.busiestDay.day } })}>
                {busiest.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })}
              </Link>{' '}
              with {plural(r.busiestDay.plays, 'play')} ({listenedTime(r.busiestDay.seconds)}).
            </p>
          )}
          <BarChart
            testId="year-months"
            title={`Plays per month in ${year}`}
            summary={`${plural(r.totals.plays, 'play')} in ${year}.`}
            bars={r.months.map((m) => ({ key: m.month, value: m.plays, tone: 'busy', label: `${MONTHS[Number(m.month.slice(5, 7)) - 1]}: ${plural(m.plays, 'play')}` }))}
            formatValue={axisNumber}
            ticks={r.months.map((m, i) => ({ index: i, label: MONTHS[Number(m.month.slice(5, 7)) - 1] ?? m.month }))}
          />
          <div class="three-columns">
            <section aria-labelledby="year-artists">
              <h3 id="year-artists">Top artists</h3>
              <RankedList label={`Top artists of ${year}`} rows={topRows('artist', r.topArtists, 'plays', false)} />
            </section>
            <section aria-labelledby="year-albums">
              <h3 id="year-albums">Top albums</h3>
              <RankedList label={`Top albums of ${year}`} rows={topRows('album', r.topAlbums, 'plays', false)} />
            </section>
            <section aria-labelledby="year-tracks">
              <h3 id="year-tracks">Top tracks</h3>
              <RankedList label={`Top tracks of ${year}`} rows={topRows('track', r.topTracks, 'plays', false)} />
            </section>
          </div>
          <section aria-labelledby="year-new">
            <h3 id="year-new">
              Heard for the first time: {plural(r.newArtistCount, 'artist')}
            </h3>
            {r.newArtists.length > 0 && (
              <ul class="new-artists" data-testid="new-artists">
                {r.newArtists.map((a) => (
                  <li key={a.id}>
                    <Link to={routes.artist(a.id)}>{a.name}</Link> <span class="small">{plural(a.plays, 'play')}, from {new Date(a.firstPlayedAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}</span>
                  </li>
                ))}
              </ul>
            )}
            {r.newArtistCount > r.newArtists.length && <p class="small">The {r.newArtists.length} most played of them.</p>}
          </section>
        </>
      )}
    </section>
  );
}
