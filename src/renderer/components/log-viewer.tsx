import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../context';
import { useLoad } from '../hooks/use-load';

const LINE_CHOICES = [100, 200, 500, 2000] as const;

export function LogViewer() {
  const { api } = useApp();
  const [lines, setLines] = useState<number>(200);
  const [reload, setReload] = useState(0);
  const log = useLoad(() => api.getLogTail({ lines }), [api, lines, reload]);
  const pre = useRef<HTMLPreElement>(null);

  // Newest lines are at the bottom: show them after each load.
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data]);

  return (
    <section class="panel" aria-labelledby="log-heading">
      <h2 id="log-heading">Log</h2>
      <div class="toolbar">
        <label>
          Lines{' '}
          <select value={String(lines)} onChange={(e) => setLines(Number(e.currentTarget.value))}>
            {LINE_CHOICES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setReload((r) => r + 1)} disabled={log.loading}>
          {log.loading ? 'Loading…' : 'Refresh'}
        </button>
        {log.data?.file && (
          <span class="small path" title={log.data.file}>
            {log.data.file}
          </span>
        )}
      </div>
      {log.error && <p class="error-text">Could not read the log: {log.error}</p>}
      <pre class="log" ref={pre} tabIndex={0} aria-label="Log lines, newest last" data-testid="log-lines">
        {log.data ? (log.data.lines.length ? log.data.lines.join('\n') : 'The log is empty.') : ''}
      </pre>
    </section>
  );
}
