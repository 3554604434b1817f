import { useState } from 'preact/hooks';
import { describeRejected, REJECT_REASON_TEXT, totalRejected } from '../../shared/lastfm-rejects';
import type { ImportProgress, LastfmRejectedList, ServiceStatus } from '../../shared/status';
import { useAction, useApp } from '../context';
import { useLoad } from '../hooks/use-load';
import { formatEta, fullDateTime, plural } from '../lib/format';
import { RelTime } from './rel-time';

const STATE_TEXT: Record<ImportProgress['state'], string> = {
  idle: 'Not started',
  running: 'Importing…',
  paused: 'Paused: it resumes where it stopped',
  done: 'Complete',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export function ImportPanel({ lastfm }: { lastfm: ServiceStatus | undefined }) {
  const { api } = useApp();
  const [busy, run] = useAction();
  const progress = lastfm?.import;
  const configured = lastfm && lastfm.state !== 'not-configured' && lastfm.state !== 'disabled';
  const active = progress?.state === 'running';
  const resumable = progress?.state === 'paused' || (progress?.state === 'cancelled' && progress.page > 0) || progress?.state === 'failed';
  const fraction = progress?.totalPages ? Math.min(1, progress.page / progress.totalPages) : null;
  const eta = formatEta(progress?.etaSeconds);
  const skipped = totalRejected(progress?.skipped);
  // Last.fm says 0 pages for an account with nothing scrobbled: "done", with nothing to show as pages.
  const nothingToImport = progress?.state === 'done' && !progress.totalPages && progress.plays === 0;

  return (
    <section class="panel" aria-labelledby="import-heading" data-testid="import-panel">
      <h2 id="import-heading">Last.fm history import</h2>
      <p class="small">Imports every scrobble of your Last.fm account once; plays Encore already has are not duplicated.</p>
      {!configured && <p class="empty">Set your Last.fm user and API key in Settings first.</p>}
      {progress && (
        <>
          <p>
            <strong data-testid="import-state">{STATE_TEXT[progress.state]}</strong>
            {progress.startedAt && (
              <span class="small">
                {' '}
                · started <RelTime when={progress.startedAt} />
              </span>
            )}
          </p>
          {nothingToImport && (
            <p class="small" data-testid="import-numbers">
              There were no scrobbles to import.
            </p>
          )}
          {!nothingToImport && (progress.page > 0 || active) && (
            <div class="import-progress">
              <div
                class="progress"
                role="progressbar"
                aria-label="Import progress"
                aria-valuemin={0}
                aria-valuemax={progress.totalPages ?? undefined}
                aria-valuenow={progress.totalPages ? progress.page : undefined}
                aria-valuetext={progress.totalPages ? `page ${progress.page} of ${progress.totalPages}` : `page ${progress.page}`}
              >
                <span class={`progress-fill${fraction === null ? ' indeterminate' : ''}`} style={fraction === null ? undefined : { width: `${fraction * 100}%` }} />
              </div>
              <p class="small" data-testid="import-numbers">
                {progress.page === 0 ? 'Reading the first page' : `Page ${progress.page.toLocaleString('en')}`}
                {progress.page > 0 && progress.totalPages ? ` of ${progress.totalPages.toLocaleString('en')}` : ''} · {plural(progress.plays, 'play')}
                {active && eta && ` · ${eta}`}
              </p>
              {skipped > 0 && (
                <p class="small" data-testid="import-skipped">
                  {describeRejected(progress.skipped!)}: listed below.
                </p>
              )}
            </div>
          )}
          {progress.error && (
            <p class="error-text">
              {progress.error}
              {active && progress.nextRetryAt && (
                <span class="small">
                  {' '}
                  · next try <RelTime when={progress.nextRetryAt} />
                </span>
              )}
            </p>
          )}
        </>
      )}
      <div class="card-actions">
        <button type="button" disabled={!configured || active || busy !== null} onClick={() => run('start', 'Starting the import', () => api.startImport({}))}>
          {resumable ? 'Resume import' : progress?.state === 'done' ? 'Import again' : 'Start import'}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!(active || progress?.state === 'paused') || busy !== null}
          onClick={() => run('cancel', 'Cancelling the import', () => api.cancelImport({}))}
        >
          Cancel import
        </button>
      </div>
      {configured && <RejectedEntries refreshKey={`${lastfm?.lastSuccessAt ?? ''}|${progress?.page ?? 0}|${progress?.state ?? ''}`} />}
    </section>
  );
}

const ROWS_SHOWN = 100;

/** The entries Encore skipped (GET /api/lastfm/rejected), reloaded when Last.fm reads something new. */
function RejectedEntries({ refreshKey }: { refreshKey: string }) {
  const { api } = useApp();
  const [reload, setReload] = useState(0);
  const list = useLoad<LastfmRejectedList>(() => api.getLastfmRejected({ limit: ROWS_SHOWN }), [api, refreshKey, reload]);
  const data = list.data;
  if (!data && list.error) return <p class="error-text">Skipped entries cannot be read right now: {list.error}</p>;
  if (!data || data.total === 0) return null;
  return (
    <details class="rejected" data-testid="lastfm-rejected">
      <summary>
        Skipped Last.fm entries: <span data-testid="lastfm-rejected-summary">{describeRejected(data.byReason)}</span>
      </summary>
      <p class="small">
        Last.fm sent these entries in a shape Encore cannot store as a listen (real histories hold 1970 placeholders from old imports, entries without a date, empty
        artists). Everything else on their pages was stored. Fix them on last.fm if they matter to you; Encore reads them again in its next sync.
      </p>
      <div class="table-scroll" tabIndex={0} aria-label="Skipped Last.fm entries, scrollable">
        <table>
          <thead>
            <tr>
              <th scope="col">Why</th>
              <th scope="col">Artist – title</th>
              <th scope="col">Dated</th>
              <th scope="col">Seen</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((e, i) => (
              <tr key={`${e.firstSeenAt}-${i}`}>
                <td title={e.detail}>{REJECT_REASON_TEXT[e.reason]}</td>
                <td>
                  <span title={e.raw}>
                    {e.artist ?? '(no artist)'} – {e.title ?? '(no name)'}
                  </span>
                </td>
                <td>{e.playedAt ? fullDateTime(e.playedAt) : '–'}</td>
                <td class="small">
                  {plural(e.timesSeen, 'time')}, by the {e.origin === 'import' ? 'import' : e.origin === 'sync' ? 'sync' : 'poll'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.total > data.entries.length && <p class="small">The {ROWS_SHOWN} seen most recently are shown.</p>}
      <button type="button" class="secondary" onClick={() => setReload((r) => r + 1)} disabled={list.loading}>
        {list.loading ? 'Loading…' : 'Refresh'}
      </button>
    </details>
  );
}
