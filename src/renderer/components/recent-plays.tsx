import type { HistoryPlay } from '../../shared/explore';
import { useApp } from '../context';
import { useLoad } from '../hooks/use-load';
import { clockTime, fullDateTime, trackTime } from '../lib/format';
import { routes } from '../lib/route';
import { ArtistLinks, Link } from './history/links';
import { SourceBadges } from './source-badges';

export function RecentPlays({ refresh, now }: { refresh: number; now: number }) {
  const { api } = useApp();
  const { data, error, loading } = useLoad(() => api.getPlays({ limit: 50 }), [api, refresh]);
  const plays: HistoryPlay[] = data?.plays ?? [];
  return (
    <section class="panel" aria-labelledby="recent-plays-heading" aria-busy={loading}>
      <h2 id="recent-plays-heading">Recent plays</h2>
      {error && <p class="error-text">Could not load plays: {error}</p>}
      {!error && data && plays.length === 0 && <p class="empty">No plays yet. Play something in Roon, or import your Last.fm history.</p>}
      {plays.length > 0 && (
        <div class="table-scroll" tabIndex={0} aria-label="Recent plays, scrollable">
          <table class="plays" data-testid="recent-plays">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Track</th>
                <th scope="col">Zone</th>
                <th scope="col">Sources</th>
              </tr>
            </thead>
            <tbody>
              {plays.map((p) => (
                <tr key={p.id} data-testid="play-row">
                  <td class="nowrap">
                    <time dateTime={p.startedAt} title={fullDateTime(p.startedAt)}>
                      {clockTime(p.startedAt, now)}
                    </time>
                  </td>
                  <td>
                    {/* Linked to the History area's pages; a host without ids (0) shows plain names. */}
                    {p.trackId > 0 ? (
                      <Link to={routes.track(p.trackId)} class="track-title">
                        {p.title}
                      </Link>
                    ) : (
                      <span class="track-title">{p.title}</span>
                    )}
                    <span class="track-meta">
                      <ArtistLinks artists={p.artists ?? []} display={p.artist} />
                      {p.album && (
                        <>
                          {' · '}
                          {p.albumId ? <Link to={routes.album(p.albumId)}>{p.album}</Link> : p.album}
                        </>
                      )}
                      {p.secondsListened !== null && ` · ${trackTime(p.secondsListened)} listened`}
                    </span>
                  </td>
                  <td>{p.zone ?? '–'}</td>
                  <td>
                    <SourceBadges sources={p.sources} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
