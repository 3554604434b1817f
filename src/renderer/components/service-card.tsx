import type { ServiceStatus } from '../../shared/status';
import { useAction, useApp } from '../context';
import { formatDuration, plural } from '../lib/format';
import { SERVICE_STATE_PRESENTATION } from '../lib/states';
import { Countdown, RelTime } from './rel-time';
import { StateBadge } from './state-badge';

export function ServiceCard({ service }: { service: ServiceStatus }) {
  const { api } = useApp();
  const [busy, run] = useAction();
  const p = SERVICE_STATE_PRESENTATION[service.state];
  const m = service.metrics;
  const headingId = `service-${service.id}-heading`;
  // The database is not something a person switches off; it only restarts.
  const canToggle = service.id !== 'database';

  return (
    <article class={`card service tone-border-${p.tone}`} aria-labelledby={headingId} data-testid={`service-${service.id}`} data-state={service.state} data-since={service.since}>
      <header class="card-header">
        <h3 id={headingId}>{service.label}</h3>
        <StateBadge presentation={p} testId={`service-${service.id}-state`} />
      </header>
      {service.detail && <p class="detail">{service.detail}</p>}
      <dl class="facts">
        <dt>Since</dt>
        <dd>
          <RelTime when={service.since} />
        </dd>
        <dt>Last success</dt>
        <dd>
          <RelTime when={service.lastSuccessAt} />
        </dd>
        {(service.attempt > 0 || service.nextRetryAt) && (
          <>
            <dt>Retry</dt>
            <dd data-testid={`service-${service.id}-retry`}>
              {service.attempt > 0 ? `attempt ${service.attempt}` : ''}
              {service.attempt > 0 && service.nextRetryAt ? ' · ' : ''}
              {service.nextRetryAt && <Countdown when={service.nextRetryAt} />}
            </dd>
          </>
        )}
        <dt>Restore time</dt>
        <dd title={`${plural(m.restores, 'restore')}: ${m.successes} ok, ${m.timeouts} timed out, ${m.failures} failed; timeout ${formatDuration(m.effectiveTimeoutMs)}`}>
          {m.p50Ms === null ? 'no restores yet' : `p50 ${formatDuration(m.p50Ms)} · p95 ${formatDuration(m.p95Ms)}`}
        </dd>
        {service.lastError && (
          <>
            <dt>Last error</dt>
            {/* Kept after recovery for the record; only alarming while it still applies. */}
            <dd class={service.state === 'running' ? 'muted-text' : 'error-text'}>{service.lastError}</dd>
          </>
        )}
      </dl>
      <div class="card-actions">
        <button
          type="button"
          disabled={busy !== null}
          aria-label={`Restart ${service.label}`}
          onClick={() => run('restart', `Restarting ${service.label}`, () => api.restartService({ id: service.id }))}
        >
          {busy === 'restart' ? 'Restarting…' : 'Restart'}
        </button>
        {canToggle &&
          (service.wanted ? (
            <button
              type="button"
              class="secondary"
              disabled={busy !== null}
              aria-label={`Stop ${service.label}`}
              onClick={() => run('toggle', `Stopping ${service.label}`, () => api.stopService({ id: service.id }))}
            >
              Stop
            </button>
          ) : (
            <button
              type="button"
              class="secondary"
              disabled={busy !== null}
              aria-label={`Start ${service.label}`}
              onClick={() => run('toggle', `Starting ${service.label}`, () => api.startService({ id: service.id }))}
            >
              Start
            </button>
          ))}
      </div>
    </article>
  );
}
