import { SERVICE_LABELS, type RestoreSummary } from '../../shared/status';
import { describeReason } from '../lib/banner';
import { clockTime, formatDuration, fullDateTime } from '../lib/format';
import { RESTORE_OUTCOME_PRESENTATION, STEP_OUTCOME_PRESENTATION } from '../lib/states';
import { StateBadge } from './state-badge';

/** Restore runs, newest first, each with a bar per service scaled to the run's slowest step. */
export function RestoreTimeline({ restores, now }: { restores: RestoreSummary[]; now: number }) {
  if (restores.length === 0) return <p class="empty">No restores yet. They run at start-up, after every wake, and on “Restore all now”.</p>;
  return (
    <ol class="timeline" data-testid="restore-timeline">
      {restores.map((r) => {
        const longest = Math.max(1, ...r.steps.map((s) => s.durationMs));
        return (
          <li key={r.id} class="timeline-item">
            <div class="timeline-head">
              <time dateTime={r.startedAt} title={fullDateTime(r.startedAt)}>
                {clockTime(r.startedAt, now)}
              </time>
              <span class="timeline-reason">after {describeReason(r.reason)}</span>
              <StateBadge presentation={RESTORE_OUTCOME_PRESENTATION[r.outcome]} />
              <span class="small">{r.durationMs === null ? 'running' : formatDuration(r.durationMs)}</span>
            </div>
            <p class="small">{r.summary}</p>
            {r.steps.length > 0 && (
              <table class="steps">
                <caption class="visually-hidden">Per-service restore durations</caption>
                <tbody>
                  {r.steps.map((s) => {
                    const o = STEP_OUTCOME_PRESENTATION[s.outcome];
                    return (
                      <tr key={s.service}>
                        <th scope="row">{SERVICE_LABELS[s.service]}</th>
                        <td class="step-bar-cell">
                          <span class="step-bar" data-tone={o.tone} style={{ width: `${Math.max(2, (s.durationMs / longest) * 100)}%` }} />
                        </td>
                        <td class="nowrap">{formatDuration(s.durationMs)}</td>
                        <td class="nowrap" title={s.error ?? undefined}>
                          <span aria-hidden="true">{o.icon} </span>
                          {o.label}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </li>
        );
      })}
    </ol>
  );
}
