import { describe, expect, it } from 'vitest';
import { describeReason, restoreToast, selectBanners } from '../../src/renderer/lib/banner';
import type { RestoreSummary, ServiceState, StatusSnapshot } from '../../src/shared/status';

function snapshot(roonState: ServiceState, patch: Partial<StatusSnapshot> = {}): StatusSnapshot {
  const metrics = { restores: 0, successes: 0, timeouts: 0, failures: 0, p50Ms: null, p95Ms: null, effectiveTimeoutMs: 10_000 };
  const svc = (id: 'database' | 'roon', label: string, state: ServiceState) => ({
    id,
    label,
    state,
    since: '2025-03-03T12:00:00.000Z',
    lastSuccessAt: null,
    lastError: state === 'reconnecting' ? 'connect ECONNREFUSED' : null,
    attempt: state === 'reconnecting' ? 3 : 0,
    nextRetryAt: null,
    detail: '',
    wanted: true,
    metrics,
  });
  return {
    version: 1,
    generatedAt: '2025-03-03T12:00:00.000Z',
    overall: 'ok',
    summary: '',
    sleeping: false,
    trackingPaused: false,
    services: [svc('database', 'Database', 'running'), svc('roon', 'Roon', roonState)],
    lastRestore: null,
    ...patch,
  };
}

const ids = (s: StatusSnapshot | null) => selectBanners(s).map((b) => b.id);

describe('selectBanners', () => {
  it('shows nothing when all is well or before the first snapshot', () => {
    expect(ids(null)).toEqual([]);
    expect(ids(snapshot('running'))).toEqual([]);
  });
  it('says "Reconnecting Roon…" with the attempt and the error while Roon reconnects', () => {
    const [banner] = selectBanners(snapshot('reconnecting'));
    expect(banner).toMatchObject({ id: 'roon-reconnecting', text: 'Reconnecting Roon…', detail: 'attempt 3 · connect ECONNREFUSED' });
  });
  it('tells the person how to authorise Encore in Roon', () => {
    const [banner] = selectBanners(snapshot('waiting-authorisation'));
    expect(banner?.text).toBe('Roon needs authorisation: open Roon → Settings → Extensions and click Enable next to Encore');
  });
  it('shows only "Paused for sleep" while sleeping, not the reconnects that sleep causes', () => {
    expect(ids(snapshot('reconnecting', { sleeping: true, trackingPaused: true }))).toEqual(['sleeping']);
  });
  it('offers to resume paused tracking, and names failed services', () => {
    const s = snapshot('running', { trackingPaused: true });
    s.services[0]!.state = 'error';
    s.services[0]!.lastError = 'database is locked';
    const banners = selectBanners(s);
    expect(banners.map((b) => b.id)).toEqual(['tracking-paused', 'service-error']);
    expect(banners[0]!.action).toBe('resume-tracking');
    expect(banners[1]!.text).toBe('Database: database is locked');
  });
});

describe('restoreToast', () => {
  const run = (id: number, outcome: RestoreSummary['outcome']): RestoreSummary => ({
    id,
    reason: 'resume',
    startedAt: '2025-03-03T12:00:00.000Z',
    finishedAt: outcome === 'running' ? null : '2025-03-03T12:00:01.000Z',
    durationMs: outcome === 'running' ? null : 1_234,
    outcome,
    summary: '3 restored, 1 reconnecting',
    steps: [],
  });
  it('stays quiet on the first snapshot: that restore happened before the window opened', () => {
    expect(restoreToast(undefined, run(1, 'ok'))).toBeNull();
  });
  it('announces a restore that finishes, once', () => {
    expect(restoreToast(null, run(1, 'partial'))).toMatchObject({ key: 'restore-1', tone: 'warn', text: 'Restore after wake in 1.2 s: 3 restored, 1 reconnecting' });
    expect(restoreToast(run(1, 'running'), run(1, 'ok'))?.tone).toBe('ok');
    expect(restoreToast(run(1, 'ok'), run(1, 'ok'))).toBeNull();
    expect(restoreToast(run(1, 'ok'), run(2, 'failed'))?.tone).toBe('error');
  });
  it('ignores running, superseded and older runs', () => {
    expect(restoreToast(run(1, 'ok'), run(2, 'running'))).toBeNull();
    expect(restoreToast(run(1, 'ok'), run(2, 'superseded'))).toBeNull();
    expect(restoreToast(run(3, 'ok'), run(2, 'ok'))).toBeNull();
  });
  it('describes reasons in words', () => {
    expect(describeReason('resume')).toBe('wake');
    expect(describeReason('startup')).toBe('startup');
    expect(describeReason('restart')).toBe('restart');
    expect(describeReason('manual')).toBe('“Restore all now”');
  });
});
