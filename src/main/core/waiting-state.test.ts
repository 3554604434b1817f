// The 'waiting' state: a running service whose work waits on something outside
// Encore (the database locked by another program, a full disk) says so, makes
// the overall state degraded with the reason in the summary, and is running
// again once it reports so; services that failed meanwhile retry as soon as
// the database takes writes again.
import { describe, expect, it } from 'vitest';
import { FakeService } from '../../../tests/support/fake-service';
import type { ServiceId } from '../../shared/status';
import { ManualClock } from './clock';
import { MemoryLogger } from './logger';
import { Supervisor } from './supervisor';

function setup() {
  const clock = new ManualClock();
  const database = new FakeService('database', { kind: 'instant' }, clock);
  const lastfm = new FakeService('lastfm', { kind: 'instant' }, clock);
  const supervisor = new Supervisor({
    clock,
    logger: new MemoryLogger(),
    database,
    services: [lastfm],
    wanted: { isWanted: () => true, setWanted: () => undefined, trackingPaused: () => false, setTrackingPaused: () => undefined },
    timeouts: () => 10_000,
    backoff: { initialMs: 1000, maxMs: 60_000, random: () => 0.5 },
    heartbeatMs: 30_000,
    journal: () => undefined,
  });
  const state = (id: ServiceId) => supervisor.runners.get(id)!.state;
  return { clock, supervisor, database, lastfm, state };
}

describe("the 'waiting' state", () => {
  it('is reported by a running service, degrades the overall state with its detail, and clears when it runs again', async () => {
    const { supervisor, database, state } = setup();
    await supervisor.restore('test');
    expect(state('database')).toBe('running');
    database.host!.report({ condition: 'waiting', detail: 'Waiting: locked by another program (SQLITE_BUSY). Close the other copy of Encore.' });
    expect(state('database')).toBe('waiting');
    const snapshot = supervisor.snapshot();
    expect(snapshot.overall).toBe('degraded');
    // (The fake's label is its id.)
    expect(snapshot.summary).toBe('database: Waiting: locked by another program (SQLITE_BUSY). Close the other copy of Encore.');
    database.host!.report({ condition: 'running', detail: 'Running' });
    expect(state('database')).toBe('running');
    expect(supervisor.snapshot().overall).toBe('ok');
  });

  it('services reconnecting after a failed write retry at once when the database takes writes again', async () => {
    const { clock, supervisor, lastfm, state } = setup();
    await supervisor.restore('test');
    lastfm.host!.fail(new Error('database is locked'));
    await supervisor.settle();
    expect(state('lastfm')).toBe('reconnecting');
    const starts = lastfm.starts;
    supervisor.databaseWritable();
    await supervisor.settle();
    expect(lastfm.starts).toBe(starts + 1);
    expect(state('lastfm')).toBe('running');
    // Not by waiting out the backoff: no time passed.
    expect(clock.monotonic()).toBe(0);
  });
});
