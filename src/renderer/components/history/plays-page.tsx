import { useEffect, useRef, useState } from 'preact/hooks';
import type { HistoryPlay } from '../../../shared/explore';
import { useDebounced } from '../../hooks/use-debounced';
import type { NavigateOptions } from '../../hooks/use-route';
import { useQuery } from '../../hooks/use-query';
import { clockTime, fullDateTime, plural, trackTime } from '../../lib/format';
import { matchRanges } from '../../lib/highlight';
import { periodLabel } from '../../lib/period';
import { PLAY_SOURCE_FILTERS, routes, type PlayFilters, type Route } from '../../lib/route';
import { SourceBadges } from '../source-badges';
import { apiFilters, rangeOf } from './api-filters';
import { ExportButtons } from './export-buttons';
import { ArtistLinks, Highlighted, Link } from './links';
import { PeriodPicker } from './period-picker';
import { useHistoryPages } from './use-history-pages';

const SEARCH_DEBOUNCE_MS = 180;
const SOURCE_LABELS = { roon: 'Roon', lastfm: 'Last.fm' } as const;

export function PlaysPage({ filters, navigate, refresh }: { filters: PlayFilters; navigate: (r: Route, o?: NavigateOptions) => void; refresh: number }) {
  const set = (change: Partial<PlayFilters>, options?: NavigateOptions) => navigate(routes.plays({ ...filters, ...change }), options);

  // The box answers every key; the URL (and so the request) follows once typing pauses.
  const [text, setText] = useState(filters.q);
  const settled = useDebounced(text, SEARCH_DEBOUNCE_MS);
  const lastSent = useRef(filters.q);
  useEffect(() => {
    if (settled === lastSent.current) return;
    lastSent.current = settled;
    // Replace, not push: Back leaves the search rather than stepping through its letters.
    set({ q: settled }, { replace: true });
  }, [settled]);
  useEffect(() => {
    // Back, Forward or a link changed the search: show it.
    if (filters.q !== lastSent.current) {
      lastSent.current = filters.q;
      setText(filters.q);
    }
  }, [filters.q]);

  const request = apiFilters(filters);
  const pages = useHistoryPages(request, refresh);
  const breakdown = useQuery('getBreakdown', rangeOf(filters.period), refresh);
  const catalog = useQuery('searchCatalog', request.q ? { q: request.q, limit: 5 } : null);

  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    // Loads the next page a screen before the end, so scrolling rarely waits.
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && pages.loadMore(), { rootMargin: '600px 0px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [pages.loadMore, pages.plays.length, pages.done]);

  const first = pages.plays[0];
  const chips: { key: keyof PlayFilters; label: string }[] = [];
  if (filters.artist) chips.push({ key: 'artist', label: `Artist: ${first?.artists.find((a) => String(a.id) === filters.artist)?.name ?? `#${filters.artist}`}` });
  if (filters.album) chips.push({ key: 'album', label: `Album: ${(first && String(first.albumId) === filters.album && first.album) || `#${filters.album}`}` });
  if (filters.track) chips.push({ key: 'track', label: `Track: ${(first && String(first.trackId) === filters.track && first.title) || `#${filters.track}`}` });

  const zones = breakdown.data?.zones.filter((z) => z.zone !== null).map((z) => z.zone!) ?? [];
  if (filters.zone && !zones.includes(filters.zone)) zones.unshift(filters.zone);
  const now = Date.now();
  const cat = catalog.data;
  const hasCatalog = !!cat && (cat.artists.length > 0 || cat.albums.length > 0 || cat.tracks.length > 0);

  return (
    <section class="panel" aria-labelledby="history-heading" aria-busy={pages.loading}>
      <div class="page-head">
        <h2 id="history-heading" tabIndex={-1}>
          {filters.q ? `Plays matching “${filters.q}”` : 'Every play'}
        </h2>
        <ExportButtons filters={request} />
      </div>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <input
          type="search"
          class="search"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="Search artist, title or album"
          aria-label="Search plays"
          data-testid="search"
          autocomplete="off"
          spellcheck={false}
        />
        <PeriodPicker period={filters.period} onChange={(period) => set({ period })} />
        <div class="row filter-selects">
          <label class="inline-field">
            Zone
            <select value={filters.zone ?? ''} onChange={(e) => set({ zone: e.currentTarget.value || null })}>
              <option value="">Any zone</option>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </label>
          <label class="inline-field">
            Source
            <select value={filters.source ?? ''} onChange={(e) => set({ source: (e.currentTarget.value || null) as PlayFilters['source'] })}>
              <option value="">Any source</option>
              {PLAY_SOURCE_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {SOURCE_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          {chips.map((c) => (
            <span key={c.key} class="chip">
              {c.label}
              <button type="button" class="icon-button" aria-label={`Remove filter ${c.label}`} onClick={() => set({ [c.key]: null })}>
                ×
              </button>
            </span>
          ))}
        </div>
      </form>

      {hasCatalog && (
        <div class="catalog" data-testid="catalog-matches" aria-label="Matching artists, albums and tracks">
          {cat.artists.length > 0 && (
            <p>
              <span class="small">Artists </span>
              {cat.artists.map((a, i) => (
                <span key={a.id}>
                  {i > 0 && ' · '}
                  <Link to={routes.artist(a.id)}>
                    <Highlighted text={a.name} ranges={matchRanges(a.name, filters.q)} />
                  </Link>
                </span>
              ))}
            </p>
          )}
          {cat.albums.length > 0 && (
            <p>
              <span class="small">Albums </span>
              {cat.albums.map((a, i) => (
                <span key={a.id}>
                  {i > 0 && ' · '}
                  <Link to={routes.album(a.id)}>
                    <Highlighted text={a.name} ranges={matchRanges(a.name, filters.q)} />
                  </Link>
                </span>
              ))}
            </p>
          )}
          {cat.tracks.length > 0 && (
            <p>
              <span class="small">Tracks </span>
              {cat.tracks.map((t, i) => (
                <span key={t.id}>
                  {i > 0 && ' · '}
                  <Link to={routes.track(t.id)}>
                    <Highlighted text={t.name} ranges={matchRanges(t.name, filters.q)} />
                  </Link>
                </span>
              ))}
            </p>
          )}
        </div>
      )}

      <p class="small" aria-live="polite" data-testid="plays-count">
        {pages.error
          ? ''
          : pages.plays.length === 0 && !pages.loading
            ? ''
            : `${pages.done ? plural(pages.plays.length, 'play') : `${plural(pages.plays.length, 'play')} so far`} · ${periodLabel(filters.period)}`}
      </p>
      {pages.error && <p class="error-text">Could not load plays: {pages.error}</p>}
      {!pages.error && !pages.loading && pages.plays.length === 0 && (
        <p class="empty" data-testid="plays-empty">
          {filters.q ? `No plays match “${filters.q}”.` : 'No plays with these filters.'}
        </p>
      )}
      {pages.plays.length > 0 && (
        <ol class="play-list" data-testid="history-list">
          {pages.plays.map((p) => (
            <PlayRow key={p.id} play={p} q={filters.q} now={now} />
          ))}
        </ol>
      )}
      {pages.plays.length > 0 && (
        <div ref={sentinel} class="play-list-end">
          {pages.done ? (
            <span class="small">That is every play.</span>
          ) : (
            // aria-disabled, not disabled: a disabled button drops the keyboard focus mid-list.
            <button type="button" class="secondary" onClick={pages.loadMore} aria-disabled={pages.loading}>
              {pages.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function PlayRow({ play: p, q, now }: { play: HistoryPlay; q: string; now: number }) {
  // The host marks its matches; without them (an older host) the same rule is applied here.
  const h = p.highlight ?? (q ? { artist: ranges(p.artist, q), title: ranges(p.title, q), album: p.album ? ranges(p.album, q) : [] } : undefined);
  return (
    <li class="play-item" data-testid="history-row">
      <time class="play-time" dateTime={p.startedAt} title={fullDateTime(p.startedAt)}>
        {clockTime(p.startedAt, now)}
      </time>
      <span class="play-main">
        <Link to={routes.track(p.trackId)} class="track-title">
          <Highlighted text={p.title} ranges={h?.title} />
        </Link>
        <span class="track-meta">
          <ArtistLinks artists={p.artists} display={p.artist} ranges={h?.artist} />
          {p.album && (
            <>
              {' · '}
              {p.albumId !== null ? (
                <Link to={routes.album(p.albumId)}>
                  <Highlighted text={p.album} ranges={h?.album} />
                </Link>
              ) : (
                <Highlighted text={p.album} ranges={h?.album} />
              )}
            </>
          )}
        </span>
      </span>
      <span class="play-zone">{p.zone ?? ''}</span>
      <span class="play-extra">
        <SourceBadges sources={p.sources} />
        {p.secondsListened !== null && <span class="small"> {trackTime(p.secondsListened)}</span>}
      </span>
    </li>
  );
}

function ranges(text: string, q: string): [number, number][] {
  return matchRanges(text, q).map((r) => [r.start, r.end]);
}
