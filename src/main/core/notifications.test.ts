import { describe, expect, it } from 'vitest';
import { service, snapshot } from '../../../tests/electron/stand-ins';
import type { ServiceStatus, StatusSnapshot } from '../../shared/status';
import { caughtUpMessage, decideNotifications, INITIAL_NOTIFICATION_MEMORY, type NotificationIntent, type NotificationMemory } from './notifications';

function at(time: string, patch: Partial<StatusSnapshot>, roon: Partial<ServiceStatus>, lastfm: Partial<ServiceStatus> = {}): StatusSnapshot {
  return snapshot({ generatedAt: `2026-03-10T${time}Z`, ...patch }, [service('database'), service('roon', roon), service('lastfm', lastfm), service('scheduler')]);
}

/** Feeds snapshots in order, as the notifier does, and collects every intent. */
function run(snapshots: StatusSnapshot[]): NotificationIntent[] {
  let prev: StatusSnapshot | null = null;
  let memory: NotificationMemory = INITIAL_NOTIFICATION_MEMORY;
  const all: NotificationIntent[] = [];
  for (const next of snapshots) {
    const result = decideNotifications(prev, next, memory);
    all.push(...result.intents);
    memory = result.memory;
    prev = next;
  }
  return all;
}

const kinds = (intents: NotificationIntent[]) => intents.map((i) => i.kind);

describe('decideNotifications', () => {
  it('says nothing while all is well, nor at an ordinary startup', () => {
    expect(run([at('10:00:00', {}, { state: 'starting' }), at('10:00:01', {}, {}), at('10:00:02', {}, {})])).toEqual([]);
  });

  it('announces Roon reconnected once it runs again after reconnecting', () => {
    const intents = run([
      at('10:00:00', {}, {}),
      at('10:01:00', {}, { state: 'reconnecting', attempt: 1 }),
      at('10:01:05', {}, { state: 'reconnecting', attempt: 2 }),
      at('10:01:20', {}, { state: 'running', detail: 'Connected to Living Room Core, 3 zones' }),
      at('10:01:21', {}, { state: 'running' }),
    ]);
    expect(intents).toEqual([{ kind: 'roon-reconnected', title: 'Roon reconnected', body: 'Connected to Living Room Core, 3 zones' }]);
  });

  it('asks for authorisation once per episode, including at startup', () => {
    const intents = run([
      at('10:00:00', {}, { state: 'waiting-authorisation' }),
      at('10:00:05', {}, { state: 'waiting-authorisation' }),
      at('10:00:10', {}, { state: 'running' }),
      at('10:05:00', {}, { state: 'waiting-authorisation' }),
    ]);
    expect(kinds(intents)).toEqual(['roon-needs-authorisation', 'roon-needs-authorisation']);
    expect(intents[0]).toMatchObject({ title: 'Roon needs authorisation', body: expect.stringContaining('Settings → Extensions') });
  });

  it('after a wake, asks for the catch-up count once Last.fm has polled since waking', () => {
    const intents = run([
      at('10:00:00', {}, {}, { lastSuccessAt: '2026-03-10T09:59:00Z' }),
      at('10:00:10', { sleeping: true, overall: 'paused' }, { state: 'paused' }, { state: 'paused', lastSuccessAt: '2026-03-10T09:59:00Z' }),
      at('11:30:00', {}, { state: 'starting' }, { state: 'starting', lastSuccessAt: '2026-03-10T09:59:00Z' }),
      at('11:30:02', {}, { state: 'reconnecting', attempt: 1 }, { state: 'running', lastSuccessAt: '2026-03-10T09:59:00Z' }),
      at('11:30:04', {}, { state: 'running' }, { state: 'running', lastSuccessAt: '2026-03-10T11:30:03Z' }),
      at('11:31:00', {}, { state: 'running' }, { state: 'running', lastSuccessAt: '2026-03-10T11:31:00Z' }),
    ]);
    // Roon's reconnect right after wake is folded into the catch-up message.
    expect(intents).toEqual([{ kind: 'caught-up', sleptAt: '2026-03-10T10:00:10Z', wokeAt: '2026-03-10T11:30:00Z' }]);
  });

  it('reports no catch-up when Last.fm is not set up, and then announces a later Roon reconnect normally', () => {
    const intents = run([
      at('10:00:00', {}, {}, { state: 'not-configured' }),
      at('10:00:10', { sleeping: true }, { state: 'paused' }, { state: 'not-configured' }),
      at('11:30:00', {}, { state: 'running' }, { state: 'not-configured' }),
      at('12:00:00', {}, { state: 'reconnecting' }, { state: 'not-configured' }),
      at('12:00:30', {}, { state: 'running' }, { state: 'not-configured' }),
    ]);
    expect(kinds(intents)).toEqual(['roon-reconnected']);
  });

  it('drops a pending catch-up when Last.fm fails, or when the machine sleeps again first', () => {
    expect(
      run([
        at('10:00:00', {}, {}),
        at('10:00:10', { sleeping: true }, { state: 'paused' }, { state: 'paused' }),
        at('11:00:00', {}, {}, { state: 'starting' }),
        at('11:00:05', {}, {}, { state: 'error', lastError: 'Invalid API key' }),
        at('11:00:10', {}, {}, { state: 'running', lastSuccessAt: '2026-03-10T11:00:09Z' }),
      ]),
    ).toEqual([]);
    expect(
      run([
        at('10:00:00', {}, {}),
        at('10:00:10', { sleeping: true }, { state: 'paused' }, { state: 'paused' }),
        at('11:00:00', {}, {}, { state: 'starting' }),
        at('11:00:01', { sleeping: true }, { state: 'paused' }, { state: 'paused' }),
        at('12:00:00', {}, {}, { state: 'starting' }),
        at('12:00:05', {}, {}, { state: 'running', lastSuccessAt: '2026-03-10T12:00:04Z' }),
      ]),
    ).toEqual([{ kind: 'caught-up', sleptAt: '2026-03-10T11:00:01Z', wokeAt: '2026-03-10T12:00:00Z' }]);
  });

  it('does not mutate the memory it is given', () => {
    const memory = { ...INITIAL_NOTIFICATION_MEMORY };
    decideNotifications(null, at('10:00:00', { sleeping: true }, { state: 'paused' }), memory);
    expect(memory).toEqual(INITIAL_NOTIFICATION_MEMORY);
  });
});

describe('caughtUpMessage', () => {
  it('counts plays in words and stays quiet for none', () => {
    expect(caughtUpMessage(12)?.title).toBe('Caught up 12 plays after wake');
    expect(caughtUpMessage(1)?.title).toBe('Caught up 1 play after wake');
    expect(caughtUpMessage(0)).toBeNull();
  });
});
