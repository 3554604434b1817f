// Small stand-ins for the Electron objects the adapters touch. Each records
// what was done to it, so a test reads like "the tray got this menu".
import { EventEmitter } from 'node:events';
import { SERVICE_LABELS, StatusSnapshotSchema, type ServiceStatus, type StatusSnapshot } from '../../src/shared/status';

/** An Electron-style event: preventDefault flips a flag the test can read. */
export function fakeEvent<T extends object>(params: T = {} as T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = {
    ...params,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeEmitter extends EventEmitter {
  count(event: string): number {
    return this.listenerCount(event);
  }
}

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
