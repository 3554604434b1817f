import type { PlayFilters } from '../../../shared/explore';
import { useAction, useApp } from '../../context';
import { downloadText, exportFileName } from '../../lib/export';
import { plural } from '../../lib/format';
import { timeZone } from './api-filters';

export interface ViewExport {
  /** The file name's stem: "top-artists-last-30-days". */
  name: string;
  csv: () => string;
  json: () => unknown;
}

/**
 * Export what is on screen. A list of plays is exported by the host with the
 * same filters (every matching play, streamed, not just the loaded pages);
 * a chart, the clock or a year is written from the figures shown. The whole
 * history for ListenBrainz is always offered.
 */
export function ExportButtons({ filters, view }: { filters?: PlayFilters; view?: ViewExport }) {
  const { api, transport, notify } = useApp();
  const [busy, run] = useAction();

  const hostExport = (format: 'csv' | 'json' | 'listenbrainz', f: PlayFilters) =>
    run(format, 'Export', async () => {
      const request = { ...f, format, tz: timeZone() };
      if (transport.downloadUrl) {
        // The browser streams the file to disk itself; the session cookie authenticates the link.
        const a = document.createElement('a');
        a.href = transport.downloadUrl('exportPlays', request);
        a.download = '';
        a.hidden = true;
        document.body.append(a);
        a.click();
        a.remove();
        notify('ok', 'Export started: your browser saves the file.');
        return;
      }
      const result = await api.exportPlays(request);
      notify('ok', result.savedTo ? `Saved ${result.plays === null ? 'the export' : plural(result.plays, 'play')} to ${result.savedTo}` : 'Export started.');
    });

  return (
    <div class="export toolbar" role="group" aria-label="Export">
      <span class="small">Export</span>
      {filters && (
        <>
          <button type="button" class="secondary" disabled={busy !== null} onClick={() => void hostExport('csv', filters)} aria-label="Export these plays as CSV">
            CSV
          </button>
          <button type="button" class="secondary" disabled={busy !== null} onClick={() => void hostExport('json', filters)} aria-label="Export these plays as JSON">
            JSON
          </button>
        </>
      )}
      {view && (
        <>
          <button type="button" class="secondary" onClick={() => downloadText(exportFileName(view.name, 'csv'), 'text/csv', view.csv())} aria-label="Export this view as CSV">
            CSV
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => downloadText(exportFileName(view.name, 'json'), 'application/json', `${JSON.stringify(view.json(), null, 2)}\n`)}
            aria-label="Export this view as JSON"
          >
            JSON
          </button>
        </>
      )}
      <button type="button" class="secondary" disabled={busy !== null} onClick={() => void hostExport('listenbrainz', {})} aria-label="Export the whole history for ListenBrainz (JSON lines)">
        Everything for ListenBrainz
      </button>
    </div>
  );
}
