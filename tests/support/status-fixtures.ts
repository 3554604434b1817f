// Status snapshots for tests: every service running unless a test says otherwise.
import { SERVICE_LABELS, StatusSnapshotSchema, type ServiceStatus, type StatusSnapshot } from '../../src/shared/status';

export function service(id: ServiceStatus['id'], patch: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    id,
    label: SERVICE_LABELS[id],
    state: 'running',
    since: '2026-03-10T11:00:00Z',
    lastSuccessAt: null,
    lastError: null,
    attempt: 0,
    nextRetryAt: null,
    detail: '',
    wanted: true,
    metrics: { restores: 0, successes: 0, timeouts: 0, failures: 0, p50Ms: null, p95Ms: null, effectiveTimeoutMs: 10_000 },
    ...patch,
  };
}

export function snapshot(patch: Partial<StatusSnapshot> = {}, services?: ServiceStatus[]): StatusSnapshot {
  return StatusSnapshotSchema.parse({
    version: 1,
    generatedAt: '2026-03-10T12:05:00Z',
    overall: 'ok',
    summary: 'All 4 services running',
    sleeping: false,
    trackingPaused: false,
    services: services ?? [service('database'), service('roon'), service('lastfm'), service('scheduler')],
    lastRestore: null,
    ...patch,
  });
}
