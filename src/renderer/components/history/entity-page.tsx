import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { AlbumPage, ArtistPage, TrackPage } from '../../../shared/explore';
import { useQuery } from '../../hooks/use-query';
import { clockTime, fullDateTime, listenedTime, plural } from '../../lib/format';
import { routes, type Grain, type Route } from '../../lib/route';
import { SourceBadges } from '../source-badges';
import { timeZone } from './api-filters';
import { Choice } from './choice';
import { ExportButtons } from './export-buttons';
import { ArtistLinks, Link } from './links';
import { RankedList } from './ranked-list';
import { TimelineChart } from './timeline-chart';

type Kind = 'artist' | 'album' | 'track';
const CALLS = { artist: 'getArtist', album: 'getAlbum', track: 'getTrack' } as const;
const KIND_NAMES = { artist: 'Artist', album: 'Album', track: 'Track' } as const;

type Summary = Pick<ArtistPage, 'plays' | 'seconds' | 'firstPlayedAt' | 'lastPlayedAt' | 'timeline'>;

function Facts({ s }: { s: Summary }) {
  const when = (t: string | null) =>
    t ? (
      <time dateTime={t} title={fullDateTime(t)}>
        {new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })}
      </time>
    ) : (
      '–'
    );
  return (
    <dl class="facts stat-facts" data-testid="entity-facts">
      <dt>Plays</dt>
      <dd>{s.plays.toLocaleString('en')}</dd>
      <dt>Time listened</dt>
      <dd>{listenedTime(s.seconds)}</dd>
      <dt>First listen</dt>
      <dd>{when(s.firstPlayedAt)}</dd>
      <dt>Last listen</dt>
      <dd>{when(s.lastPlayedAt)}</dd>
    </dl>
  );
}

const counted = (plays: number, seconds: number) => `${plural(plays, 'play')} · ${listenedTime(seconds)}`;

export function EntityPage({ kind, id, grain, refresh, navigate }: { kind: Kind; id: string; grain: Grain; refresh: number; navigate: (r: Route) => void }) {
  const numeric = /^\d+$/.test(id) ? Number(id) : null;
  const page = useQuery(CALLS[kind], numeric === null ? null : { id: numeric, bucket: grain, tz: timeZone() }, refresh);
  const data = page.data as ArtistPage | AlbumPage | TrackPage | null;

  let name = '';
  let byline: ComponentChildren = null;
  let lists: ComponentChildren = null;
  if (data && 'artist' in data) {
    name = data.artist.name;
    lists = (
      <div class="two-columns">
        <section aria-labelledby="top-tracks-heading">
          <h3 id="top-tracks-heading">Top tracks</h3>
          <RankedList
            label={`Top tracks of ${name}`}
            testId="artist-top-tracks"
            empty="No tracks yet."
            rows={data.topTracks.map((t, i) => ({ key: String(t.id), rank: i + 1, name: <Link to={routes.track(t.id)}>{t.name}</Link>, value: t.plays, valueText: counted(t.plays, t.seconds) }))}
          />
        </section>
        <section aria-labelledby="top-albums-heading">
          <h3 id="top-albums-heading">Top albums</h3>
          <RankedList
            label={`Top albums of ${name}`}
            testId="artist-top-albums"
            empty="No albums yet."
            rows={data.topAlbums.map((a, i) => ({ key: String(a.id), rank: i + 1, name: <Link to={routes.album(a.id)}>{a.name}</Link>, value: a.plays, valueText: counted(a.plays, a.seconds) }))}
          />
        </section>
      </div>
    );
  } else if (data && 'album' in data) {
    name = data.album.name;
    byline = <ArtistLinks artists={data.album.artists} display={data.album.artist} />;
    lists = (
      <section aria-labelledby="album-tracks-heading">
        <h3 id="album-tracks-heading">Tracks heard</h3>
        <RankedList
          label={`Tracks of ${name}`}
          testId="album-tracks"
          rows={data.tracks.map((t, i) => ({ key: String(t.id), rank: i + 1, name: <Link to={routes.track(t.id)}>{t.name}</Link>, value: t.plays, valueText: counted(t.plays, t.seconds) }))}
        />
      </section>
    );
  } else if (data && 'track' in data) {
    name = data.track.name;
    byline = (
      <>
        <ArtistLinks artists={data.track.artists} display={data.track.artist} />
        {data.track.album && (
          <>
            {' · '}
            <Link to={routes.album(data.track.album.id)}>{data.track.album.name}</Link>
          </>
        )}
      </>
    );
    const now = Date.now();
    lists = (
      <section aria-labelledby="recent-heading">
        <h3 id="recent-heading">Latest plays</h3>
        <ul class="plain-list" data-testid="track-recent">
          {data.recent.map((p) => (
            <li key={p.id}>
              <time dateTime={p.startedAt} title={fullDateTime(p.startedAt)}>
                {clockTime(p.startedAt, now)}
              </time>
              {p.zone && <span class="small"> · {p.zone}</span>} <SourceBadges sources={p.sources} />
            </li>
          ))}
        </ul>
      </section>
    );
  }

  useEffect(() => {
    // The window's title (and so the browser's history menu) names the page once its name is known.
    if (name) document.title = `${name} · ${KIND_NAMES[kind]} · Encore`;
  }, [name, kind]);

  const filter = numeric === null ? {} : { [kind]: numeric };
  return (
    <section class="panel" aria-labelledby="history-heading" aria-busy={page.loading}>
      <div class="page-head">
        <div>
          <p class="small">{KIND_NAMES[kind]}</p>
          <h2 id="history-heading" tabIndex={-1} data-testid="entity-name">
            {name || (page.error ? `${KIND_NAMES[kind]} not found` : '…')}
          </h2>
          {byline && <p class="track-meta">{byline}</p>}
        </div>
        {data && <ExportButtons filters={filter} />}
      </div>
      {numeric === null && <p class="error-text">This link does not name a {kind}.</p>}
      {page.error && <p class="error-text">Could not load this {kind}: {page.error}</p>}
      {data && (
        <>
          <Facts s={data} />
          <p>
            <Link to={routes.plays({ [kind]: id })}>Every play of this {kind} →</Link>
          </p>
          <div class="row">
            <Choice
              label="Timeline per"
              testId="grain"
              options={[
                { value: 'month', label: 'Per month' },
                { value: 'week', label: 'Per week' },
              ]}
              value={grain}
              onChange={(g) => navigate({ page: kind, id, grain: g })}
            />
          </div>
          <TimelineChart timeline={data.timeline} title={`Plays per ${data.timeline.bucket} of ${name}`} />
          {lists}
        </>
      )}
    </section>
  );
}
