import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi, type Mock } from 'vitest';
import { service, snapshot } from '../../../tests/electron/stand-ins';
import { MemoryLogger } from '../core/logger';
import type { TrayAction } from '../core/tray-menu';
import { TrayController, trayActions, trayIconFile, type TrayHandle } from './tray';

type FakeMenu = { template: MenuItemConstructorOptions[] };
type FakeImage = { file: string };

class FakeTray implements TrayHandle<FakeMenu, FakeImage> {
  readonly images: string[] = [];
  readonly tooltips: string[] = [];
  readonly menus: FakeMenu[] = [];
  clickListener: (() => void) | null = null;
  destroyed = false;
  constructor(image: FakeImage) {
    this.images.push(image.file);
  }
  setImage(image: FakeImage) {
    this.images.push(image.file);
  }
  setToolTip(text: string) {
    this.tooltips.push(text);
  }
  setContextMenu(menu: FakeMenu | null) {
    if (menu) this.menus.push(menu);
  }
  on(_event: 'click', listener: () => void) {
    this.clickListener = listener;
  }
  destroy() {
    this.destroyed = true;
  }
}

function setup(platform: NodeJS.Platform = 'linux') {
  let tray: FakeTray | null = null;
  const actions = Object.fromEntries(
    (['restart-roon', 'restart-lastfm', 'restart-scheduler', 'restore-all', 'pause-tracking', 'resume-tracking', 'open-window', 'simulate-sleep-wake', 'open-logs', 'toggle-login-item', 'quit'] as TrayAction[]).map((a) => [a, vi.fn((): unknown => undefined)]),
  ) as Record<TrayAction, Mock<() => unknown>>;
  let openAtLogin: boolean | null = false;
  const loadImage = vi.fn((file: string) => ({ file }));
  const logger = new MemoryLogger();
  const controller = new TrayController<FakeMenu, FakeImage>({
    createTray: (image) => (tray = new FakeTray(image)),
    buildMenu: (template) => ({ template }),
    loadImage,
    iconDir: '/icons',
    platform,
    timeZone: () => 'UTC',
    now: () => Date.parse('2026-03-10T12:05:00Z'),
    openAtLogin: () => openAtLogin,
    actions,
    logger,
  });
  return { controller, tray: tray!, actions, loadImage, logger, setLogin: (v: boolean | null) => (openAtLogin = v) };
}

function labels(menu: FakeMenu | undefined): (string | undefined)[] {
  return (menu?.template ?? []).map((i) => (i.type === 'separator' ? '---' : i.label));
}

function find(menu: FakeMenu, id: string): MenuItemConstructorOptions | undefined {
  for (const item of menu.template) {
    if (item.id === id) return item;
    if (Array.isArray(item.submenu)) {
      const inner = find({ template: item.submenu }, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

describe('TrayController', () => {
  it('starts with the paused icon and a starting tooltip, before any snapshot', () => {
    const { tray } = setup();
    expect(tray.images).toEqual([path.join('/icons', 'tray-paused.png')]);
    expect(tray.tooltips).toEqual(['Encore: starting']);
  });

  it('rebuilds the menu and calls setContextMenu again only when a row changes', () => {
    const { controller, tray } = setup();
    controller.update(snapshot({}, [service('roon', { state: 'reconnecting', attempt: 2 })]));
    controller.update(snapshot({}, [service('roon', { state: 'running', lastSuccessAt: '2026-03-10T12:04:00Z' })]));
    // A newer snapshot (seek moved, a success within the same minute) that shows the same rows: nothing to set.
    controller.update(snapshot({ version: 9 }, [service('roon', { state: 'running', lastSuccessAt: '2026-03-10T12:04:30Z', nowPlaying: [] })]));
    expect(tray.menus).toHaveLength(2);
    expect(tray.menus[0]).not.toBe(tray.menus[1]);
    expect(labels(tray.menus[0])[0]).toBe('Roon: Reconnecting… (attempt 2)');
    expect(labels(tray.menus[1])[0]).toBe('Roon: OK · 12:04');
    expect(find(tray.menus[0]!, 'status-roon')).toMatchObject({ enabled: false });
    expect(controller.model?.items[0]).toEqual({ kind: 'status', id: 'status-roon', label: 'Roon: OK · 12:04' });
  });

  it('sets the image per overall state, only when the state changes', () => {
    const { controller, tray, loadImage } = setup();
    for (const overall of ['ok', 'ok', 'degraded', 'error', 'paused', 'ok'] as const) controller.update(snapshot({ overall }));
    expect(tray.images.map((f) => path.basename(f))).toEqual(['tray-paused.png', 'tray-ok.png', 'tray-degraded.png', 'tray-error.png', 'tray-paused.png', 'tray-ok.png']);
    expect(loadImage).toHaveBeenCalledTimes(4); // one load per state, then from the cache
  });

  it('sets the tooltip only when the summary changes', () => {
    const { controller, tray } = setup();
    controller.update(snapshot({ summary: 'All 4 services running' }));
    controller.update(snapshot({ summary: 'All 4 services running' }));
    controller.update(snapshot({ summary: '3 running, 1 reconnecting' }));
    expect(tray.tooltips).toEqual(['Encore: starting', 'Encore: All 4 services running', 'Encore: 3 running, 1 reconnecting']);
  });

  it('maps menu clicks to actions, including the submenu and the checkbox', () => {
    const { controller, tray, actions } = setup();
    controller.update(snapshot());
    const menu = tray.menus[0]!;
    const click = (id: string) => (find(menu, id)!.click as () => void)();
    click('restart-roon');
    click('simulate-sleep-wake');
    click('toggle-login-item');
    click('quit');
    expect(actions['restart-roon']).toHaveBeenCalledOnce();
    expect(actions['simulate-sleep-wake']).toHaveBeenCalledOnce();
    expect(actions['toggle-login-item']).toHaveBeenCalledOnce();
    expect(actions.quit).toHaveBeenCalledOnce();
    expect(find(menu, 'toggle-login-item')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('opens the window on a tray click', () => {
    const { tray, actions } = setup();
    tray.clickListener!();
    expect(actions['open-window']).toHaveBeenCalledOnce();
  });

  it('refresh() rebuilds from the last snapshot with the new login item state', () => {
    const { controller, tray, setLogin } = setup();
    controller.refresh(); // nothing yet: nothing to rebuild
    expect(tray.menus).toHaveLength(0);
    controller.update(snapshot());
    setLogin(true);
    controller.refresh();
    expect(find(tray.menus[1]!, 'toggle-login-item')).toMatchObject({ checked: true });
  });

  it('logs a failing action instead of letting it escape', async () => {
    const { controller, tray, actions, logger } = setup();
    actions['restore-all'].mockRejectedValue(new Error('database is locked'));
    actions['restart-lastfm'].mockImplementation(() => {
      throw new Error('boom');
    });
    controller.update(snapshot());
    (find(tray.menus[0]!, 'restore-all')!.click as () => void)();
    (find(tray.menus[0]!, 'restart-lastfm')!.click as () => void)();
    await new Promise((r) => setImmediate(r));
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['tray action restart-lastfm failed', 'tray action restore-all failed']);
  });

  it('destroys the tray on dispose and ignores later snapshots', () => {
    const { controller, tray } = setup();
    controller.dispose();
    controller.update(snapshot());
    expect(tray.destroyed).toBe(true);
    expect(tray.menus).toHaveLength(0);
  });
});

describe('trayIconFile', () => {
  it('picks the format each OS wants', () => {
    expect(trayIconFile('/i', 'degraded', 'darwin')).toBe(path.join('/i', 'tray-degradedTemplate.png'));
    expect(trayIconFile('/i', 'error', 'win32')).toBe(path.join('/i', 'tray-error.ico'));
    expect(trayIconFile('/i', 'ok', 'linux')).toBe(path.join('/i', 'tray-ok.png'));
    expect(trayIconFile('/i', 'paused', 'freebsd')).toBe(path.join('/i', 'tray-paused.png'));
  });
});

describe('trayActions', () => {
  it('routes each action to the same handler the window uses', async () => {
    const handlers = { restartService: vi.fn(), restoreAll: vi.fn(), pauseTracking: vi.fn(), resumeTracking: vi.fn() };
    const targets = { handlers, simulateSleepAndWake: vi.fn(async () => {}), showWindow: vi.fn(), openLogsFolder: vi.fn(), toggleLoginItem: vi.fn(), quit: vi.fn() };
    const actions = trayActions(targets);
    for (const run of Object.values(actions)) await run();
    expect(handlers.restartService.mock.calls).toEqual([[{ id: 'roon' }], [{ id: 'lastfm' }], [{ id: 'scheduler' }]]);
    expect(handlers.restoreAll).toHaveBeenCalledWith({});
    expect(handlers.pauseTracking).toHaveBeenCalledWith({});
    expect(handlers.resumeTracking).toHaveBeenCalledWith({});
    for (const fn of [targets.simulateSleepAndWake, targets.showWindow, targets.openLogsFolder, targets.toggleLoginItem, targets.quit]) expect(fn).toHaveBeenCalledOnce();
  });
});
