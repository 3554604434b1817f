import type { ServiceStatus } from '../../shared/status';
import { useAction, useApp } from '../context';
import { clockTime, formatDuration, fullDateTime } from '../lib/format';
import { JOB_OUTCOME_PRESENTATION } from '../lib/states';
import { MISSED_POLICY_LABELS } from '../lib/settings-form';
import { RelTime } from './rel-time';
import { StateBadge } from './state-badge';

/** `now` only decides whether a time needs its date (useToday). */
export function JobsPanel({ scheduler, now }: { scheduler: ServiceStatus | undefined; now: number }) {
  const { api } = useApp();
  const [busy, run] = useAction();
  const jobs = scheduler?.jobs ?? [];
  return (
    <section class="panel" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Scheduled jobs</h2>
      {jobs.length === 0 ? (
        <p class="empty">{scheduler?.state === 'running' ? 'No jobs are defined.' : 'The scheduler is not running.'}</p>
      ) : (
        <div class="table-scroll">
          <table class="jobs" data-testid="jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => {
                const last = j.lastRun;
                const took = last?.finishedAt ? Date.parse(last.finishedAt) - Date.parse(last.startedAt) : null;
                return (
                  <tr key={j.id} data-testid={`job-${j.id}`}>
                    <th scope="row">
                      <span class="track-title">{j.label}</span>
                      <span class="track-meta">
                        <code>{j.schedule}</code> · {j.timezone} · {MISSED_POLICY_LABELS[j.missedPolicy].toLowerCase()}
                      </span>
                    </th>
                    <td>
                      {j.running ? (
                        'running now'
                      ) : j.armed && j.nextRunAt ? (
                        <>
                          <time dateTime={j.nextRunAt} title={fullDateTime(j.nextRunAt)}>
                            {clockTime(j.nextRunAt, now)}
                          </time>{' '}
                          <span class="small">
                            (<RelTime when={j.nextRunAt} />)
                          </span>
                        </>
                      ) : (
                        <span class="small">not armed</span>
                      )}
                      {j.waiting && !j.running && (
                        <span class="small block" data-testid={`job-${j.id}-waiting`}>
                          {j.waiting}
                        </span>
                      )}
                    </td>
                    <td>
                      {last ? (
                        <>
                          <StateBadge presentation={JOB_OUTCOME_PRESENTATION[last.outcome]} />{' '}
                          <span class="small">
                            <RelTime when={last.startedAt} />
                            {took !== null && took >= 0 && ` · ${formatDuration(took)}`}
                          </span>
                          {last.error && <span class="error-text block">{last.error}</span>}
                        </>
                      ) : (
                        <span class="small">never run</span>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        disabled={j.running || busy !== null}
                        aria-label={`Run ${j.label} now`}
                        onClick={() => run(j.id, `Running ${j.label}`, () => api.runJob({ id: j.id }))}
                      >
                        {busy === j.id ? 'Starting…' : 'Run now'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
