import { describe, expect, it } from 'vitest';
import { service, snapshot as baseSnapshot } from '../../../tests/support/status-fixtures';
import type { ServiceStatus, StatusSnapshot } from '../../shared/status';
import { buildTrayModel, formatTime, TOOLTIP_MAX, type TrayMenuItem, type TrayModelOptions } from './tray-menu';

const NOW = Date.parse('2026-03-10T12:05:00Z'); // a Tuesday
const OPTIONS: TrayModelOptions = { timeZone: 'Europe/London', now: NOW, openAtLogin: false };

function snapshot(patch: Partial<StatusSnapshot> = {}, services: ServiceStatus[] = defaultServices()): StatusSnapshot {
  return baseSnapshot(patch, services);
}

function defaultServices(): ServiceStatus[] {
  return [
    service('database'),
    service('roon', { state: 'reconnecting', attempt: 3 }),
    service('lastfm', { lastSuccessAt: '2026-03-10T12:03:10Z' }),
    service('scheduler', {
      jobs: [
        job('lastfm-sync', 'Last.fm sync', '2026-03-10T12:15:00Z'),
        job('db-backup', 'Database backup', '2026-03-11T03:00:00Z'),
      ],
    }),
  ];
}

function job(id: string, label: string, nextRunAt: string | null, armed = true) {
  return { id, label, schedule: '* * * * *', timezone: 'UTC', missedPolicy: 'coalesce' as const, armed, running: false, nextRunAt, lastRun: null };
}

function labels(items: TrayMenuItem[]): string[] {
  return items.map((i) => (i.kind === 'separator' ? '---' : i.kind === 'submenu' ? `${i.label} >` : i.label));
}

function action(items: TrayMenuItem[], name: string): Extract<TrayMenuItem, { action: string }> | undefined {
  for (const item of items) {
    if ((item.kind === 'action' || item.kind === 'checkbox') && item.action === name) return item;
    if (item.kind === 'submenu') {
      const found = action(item.items, name);
      if (found) return found;
    }
  }
  return undefined;
}

describe('buildTrayModel', () => {
  it('lists one disabled row per service, then the actions in order', () => {
    const model = buildTrayModel(snapshot(), OPTIONS);
    expect(labels(model.items)).toEqual([
      'Database: OK',
      'Roon: Reconnecting… (attempt 3)',
      'Last.fm: OK · 12:03',
      'Scheduler: next backup 03:00',
      '---',
      'Restart Roon tracker',
      'Restart Last.fm tracker',
      'Restart scheduler',
      'Restore all now',
      'Pause tracking',
      '---',
      'Open Encore',
      'Troubleshooting >',
      'Start at login',
      '---',
      'Quit',
    ]);
    expect(model.items.slice(0, 4).every((i) => i.kind === 'status')).toBe(true);
    const troubleshooting = model.items.find((i) => i.kind === 'submenu');
    expect(troubleshooting && labels(troubleshooting.items)).toEqual(['Simulate sleep and wake', 'Open logs folder']);
  });

  it('formats times in the zone it is given, not the machine zone', () => {
    const tokyo = buildTrayModel(snapshot(), { ...OPTIONS, timeZone: 'Asia/Tokyo' });
    expect(labels(tokyo.items)).toContain('Last.fm: OK · 21:03');
    expect(labels(tokyo.items)).toContain('Scheduler: next backup 12:00');
  });

  it('offers Resume instead of Pause while tracking is paused', () => {
    const model = buildTrayModel(snapshot({ trackingPaused: true }), OPTIONS);
    expect(action(model.items, 'resume-tracking')).toMatchObject({ label: 'Resume tracking', enabled: true });
    expect(action(model.items, 'pause-tracking')).toBeUndefined();
  });

  it('shows sleep as paused for sleep and disables what cannot run while asleep', () => {
    const asleep = defaultServices().map((s) => ({ ...s, state: 'paused' as const }));
    const model = buildTrayModel(snapshot({ sleeping: true, overall: 'paused' }, asleep), OPTIONS);
    expect(labels(model.items).slice(0, 4)).toEqual([
      'Database: Paused for sleep',
      'Roon: Paused for sleep',
      'Last.fm: Paused for sleep',
      'Scheduler: Paused for sleep',
    ]);
    expect(model.icon).toBe('paused');
    expect(action(model.items, 'restore-all')).toMatchObject({ enabled: false });
    expect(action(model.items, 'restart-roon')).toMatchObject({ enabled: false });
    expect(action(model.items, 'simulate-sleep-wake')).toMatchObject({ enabled: false });
  });

  it('disables the restart of a service that is not set up', () => {
    const services = defaultServices().map((s) => (s.id === 'lastfm' ? { ...s, state: 'not-configured' as const } : s));
    const model = buildTrayModel(snapshot({}, services), OPTIONS);
    expect(labels(model.items)).toContain('Last.fm: Not set up');
    expect(action(model.items, 'restart-lastfm')).toMatchObject({ enabled: false });
    expect(action(model.items, 'restart-roon')).toMatchObject({ enabled: true });
  });

  it('names every state in words', () => {
    const row = (patch: Partial<ServiceStatus>) => labels(buildTrayModel(snapshot({}, [service('roon', patch)]), OPTIONS).items)[0];
    expect(row({ state: 'starting' })).toBe('Roon: Starting…');
    expect(row({ state: 'reconnecting', attempt: 0 })).toBe('Roon: Reconnecting…');
    expect(row({ state: 'waiting-authorisation' })).toBe('Roon: Waiting for authorisation');
    expect(row({ state: 'paused' })).toBe('Roon: Paused');
    expect(row({ state: 'stopped' })).toBe('Roon: Stopped');
    expect(row({ state: 'disabled' })).toBe('Roon: Off');
    expect(row({ state: 'error', lastError: 'Core refused\n the connection' })).toBe('Roon: Error · Core refused the connection');
    expect(row({ state: 'error', lastError: 'x'.repeat(200) })).toMatch(/^Roon: Error · x{59}…$/);
    expect(row({ state: 'error' })).toBe('Roon: Error');
  });

  it('falls back to the soonest armed job when there is no backup', () => {
    const scheduler = service('scheduler', {
      jobs: [
        job('daily-export', 'Daily export', '2026-03-10T23:55:00Z'),
        job('lastfm-sync', 'Last.fm sync', '2026-03-10T12:15:00Z'),
        job('db-backup', 'Database backup', '2026-03-10T12:10:00Z', false),
        job('custom', 'Weekly report', null),
      ],
    });
    expect(labels(buildTrayModel(snapshot({}, [scheduler]), OPTIONS).items)[0]).toBe('Scheduler: next Last.fm sync 12:15');
    const onlyCustom = service('scheduler', { jobs: [job('custom', 'Weekly report', '2026-03-10T18:00:00Z')] });
    expect(labels(buildTrayModel(snapshot({}, [onlyCustom]), OPTIONS).items)[0]).toBe('Scheduler: next Weekly report 18:00');
    const none = service('scheduler', { jobs: [], lastSuccessAt: '2026-03-10T11:00:00Z' });
    expect(labels(buildTrayModel(snapshot({}, [none]), OPTIONS).items)[0]).toBe('Scheduler: OK · 11:00');
  });

  it('reflects the login item, and disables it where the OS has none', () => {
    expect(action(buildTrayModel(snapshot(), { ...OPTIONS, openAtLogin: true }).items, 'toggle-login-item')).toMatchObject({ kind: 'checkbox', checked: true, enabled: true });
    expect(action(buildTrayModel(snapshot(), { ...OPTIONS, openAtLogin: false }).items, 'toggle-login-item')).toMatchObject({ checked: false, enabled: true });
    expect(action(buildTrayModel(snapshot(), { ...OPTIONS, openAtLogin: null }).items, 'toggle-login-item')).toMatchObject({ checked: false, enabled: false });
  });

  it('uses the overall state as the icon', () => {
    for (const overall of ['ok', 'degraded', 'error', 'paused'] as const) {
      expect(buildTrayModel(snapshot({ overall }), OPTIONS).icon).toBe(overall);
    }
  });

  it('keeps the tooltip to one line within the Windows limit', () => {
    expect(buildTrayModel(snapshot({ summary: '3 running,\n1 reconnecting' }), OPTIONS).tooltip).toBe('Encore: 3 running, 1 reconnecting');
    const long = buildTrayModel(snapshot({ summary: 'y'.repeat(300) }), OPTIONS).tooltip;
    expect(long).toHaveLength(TOOLTIP_MAX);
    expect(long.endsWith('…')).toBe(true);
    expect(buildTrayModel(snapshot({ summary: '' }), OPTIONS).tooltip).toBe('Encore: starting');
  });

  it('builds a fresh model each time: nothing is shared between snapshots', () => {
    const a = buildTrayModel(snapshot(), OPTIONS);
    const b = buildTrayModel(snapshot(), OPTIONS);
    expect(a).toEqual(b);
    expect(a.items).not.toBe(b.items);
  });
});

describe('formatTime', () => {
  it('adds the weekday within a week and the date beyond', () => {
    expect(formatTime('2026-03-10T23:30:00Z', OPTIONS)).toBe('23:30');
    expect(formatTime('2026-03-11T03:00:00Z', OPTIONS)).toBe('03:00');
    expect(formatTime('2026-03-12T13:00:00Z', OPTIONS)).toBe('Thu 13:00');
    expect(formatTime('2026-03-09T08:00:00Z', OPTIONS)).toBe('Mon 08:00');
    expect(formatTime('2026-04-20T08:00:00Z', OPTIONS)).toBe('20 Apr 09:00');
    expect(formatTime('not a date', OPTIONS)).toBe('?');
  });

  it('names the weekday of the given zone', () => {
    // 16:00 UTC on Thursday is already Friday in Tokyo.
    expect(formatTime('2026-03-12T16:00:00Z', OPTIONS)).toBe('Thu 16:00');
    expect(formatTime('2026-03-12T16:00:00Z', { ...OPTIONS, timeZone: 'Asia/Tokyo' })).toBe('Fri 01:00');
  });
});
