import { describe, expect, it, vi } from 'vitest';
import { service, snapshot } from '../../../tests/electron/stand-ins';
import type { PlayView } from '../../shared/plays';
import type { ServiceStatus, StatusSnapshot } from '../../shared/status';
import { MemoryLogger } from '../core/logger';
import { DesktopNotifier } from './notifications';

function at(time: string, patch: Partial<StatusSnapshot>, roon: Partial<ServiceStatus>, lastfm: Partial<ServiceStatus> = {}) {
  return snapshot({ generatedAt: `2026-03-10T${time}Z`, ...patch }, [service('roon', roon), service('lastfm', lastfm)]);
}

function play(id: number, startedAt: string): PlayView {
  return { id, startedAt, artist: 'Low', title: `Song ${id}`, album: null, secondsListened: 200, zone: null, sources: ['lastfm'] };
}

function setup(options: { enabled?: boolean; supported?: boolean; plays?: PlayView[] } = {}) {
  const shown: { title: string; body: string }[] = [];
  const clicks: (() => void)[] = [];
  const onClick = vi.fn();
  const all = options.plays ?? [];
  const getPlays = vi.fn(async (q: { limit: number; before?: string }) => {
    const list = all.filter((p) => !q.before || p.startedAt < q.before).slice(0, q.limit);
    return { plays: list };
  });
  const notifier = new DesktopNotifier({
    isSupported: () => options.supported ?? true,
    show: (m, click) => {
      shown.push(m);
      clicks.push(click);
    },
    handlers: {
      getSettings: async () => ({ notifications: { enabled: options.enabled ?? true } }) as never,
      getPlays: getPlays as never,
    },
    onClick,
    logger: new MemoryLogger(),
  });
  return { notifier, shown, clicks, onClick, getPlays };
}

const reconnect = [at('10:00:00', {}, {}), at('10:01:00', {}, { state: 'reconnecting', attempt: 1 }), at('10:01:05', {}, { state: 'running' })];

describe('DesktopNotifier', () => {
  it('shows "Roon reconnected" and opens the window on click', async () => {
    const { notifier, shown, clicks, onClick } = setup();
    for (const s of reconnect) notifier.update(s);
    await notifier.idle;
    expect(shown.map((m) => m.title)).toEqual(['Roon reconnected']);
    clicks[0]!();
    expect(onClick).toHaveBeenCalledOnce();
  });

  it('stays quiet when the setting is off or the OS has no notifications', async () => {
    for (const opts of [{ enabled: false }, { supported: false }]) {
      const { notifier, shown } = setup(opts);
      for (const s of reconnect) notifier.update(s);
      await notifier.idle;
      expect(shown).toEqual([]);
    }
  });

  it('counts the plays that started during the sleep, across pages', async () => {
    const plays: PlayView[] = [];
    // newest first: 3 after wake, 700 during the sleep, 5 before it
    for (let i = 0; i < 3; i++) plays.push(play(plays.length, `2026-03-10T11:4${i}:00.000Z`));
    for (let i = 0; i < 700; i++) plays.push(play(plays.length, new Date(Date.parse('2026-03-10T11:29:00Z') - i * 7_000).toISOString()));
    for (let i = 0; i < 5; i++) plays.push(play(plays.length, `2026-03-10T09:0${i}:00.000Z`));
    const { notifier, shown, getPlays } = setup({ plays });
    for (const s of [
      at('10:00:00', {}, {}),
      at('10:00:10', { sleeping: true }, { state: 'paused' }, { state: 'paused' }),
      at('11:30:00', {}, { state: 'starting' }, { state: 'starting' }),
      at('11:30:04', {}, {}, { lastSuccessAt: '2026-03-10T11:30:03Z' }),
    ])
      notifier.update(s);
    await notifier.idle;
    expect(shown).toEqual([{ title: 'Caught up 700 plays after wake', body: expect.stringContaining('slept') }]);
    expect(getPlays).toHaveBeenCalledTimes(2);
  });

  it('says nothing when nothing played during the sleep', async () => {
    const { notifier, shown } = setup({ plays: [play(1, '2026-03-10T09:00:00Z')] });
    for (const s of [
      at('10:00:00', {}, {}),
      at('10:00:10', { sleeping: true }, { state: 'paused' }, { state: 'paused' }),
      at('11:30:04', {}, {}, { lastSuccessAt: '2026-03-10T11:30:03Z' }),
    ])
      notifier.update(s);
    await notifier.idle;
    expect(shown).toEqual([]);
  });

  it('shows nothing after dispose', async () => {
    const { notifier, shown } = setup();
    notifier.dispose();
    for (const s of reconnect) notifier.update(s);
    await notifier.idle;
    expect(shown).toEqual([]);
  });
});
