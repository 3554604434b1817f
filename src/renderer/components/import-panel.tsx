import type { ImportProgress, ServiceStatus } from '../../shared/status';
import { useAction, useApp } from '../context';
import { formatEta, plural } from '../lib/format';
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
          {(progress.page > 0 || active) && (
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
                Page {progress.page.toLocaleString('en')}
                {progress.totalPages !== null && ` of ${progress.totalPages.toLocaleString('en')}`} · {plural(progress.plays, 'play')}
                {active && eta && ` · ${eta}`}
              </p>
            </div>
          )}
          {progress.error && <p class="error-text">{progress.error}</p>}
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
    </section>
  );
}
