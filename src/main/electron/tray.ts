// The tray icon: hands the pure model (core/tray-menu) to Electron. The menu,
// icon and tooltip are set only when what they show changes: a snapshot that
// changes nothing in the tray costs nothing. When the menu does change, it is
// rebuilt whole and set again, because Linux (StatusNotifierItem) only picks
// up changes through a new setContextMenu.
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { DisposableStore, toDisposable, type Disposable } from '../core/disposable';
import type { Logger } from '../core/logger';
import { buildTrayModel, type TrayAction, type TrayMenuItem, type TrayModel } from '../core/tray-menu';
import type { OverallState, StatusSnapshot } from '../../shared/status';

/** The icon each OS wants: macOS template images (with @2x beside them), a Windows .ico, a Linux PNG. */
export function trayIconFile(iconDir: string, state: OverallState, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return path.join(iconDir, `tray-${state}Template.png`);
  if (platform === 'win32') return path.join(iconDir, `tray-${state}.ico`);
  return path.join(iconDir, `tray-${state}.png`);
}

/** The parts of an Electron Tray the controller uses. `M` and `I` are Menu and NativeImage. */
export interface TrayHandle<M, I> {
  setImage(image: I): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: M | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayControllerOptions<M, I> {
  createTray(image: I): TrayHandle<M, I>;
  buildMenu(template: MenuItemConstructorOptions[]): M;
  loadImage(file: string): I;
  iconDir: string;
  platform: NodeJS.Platform;
  /** Read on each rebuild, so the clock and zone are the user's current ones. */
  timeZone(): string;
  now(): number;
  /** Current "Start at login" state, or null where the OS has none. */
  openAtLogin(): boolean | null;
  actions: Record<TrayAction, () => unknown>;
  logger: Logger;
}

/** Electron's Tray, Menu and nativeImage, as the controller's three factories. */
export function electronTrayParts<M, I>(electron: {
  Tray: new (image: I) => TrayHandle<M, I>;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): M };
  nativeImage: { createFromPath(file: string): I };
}): Pick<TrayControllerOptions<M, I>, 'createTray' | 'buildMenu' | 'loadImage'> {
  return {
    createTray: (image) => new electron.Tray(image),
    buildMenu: (template) => electron.Menu.buildFromTemplate(template),
    loadImage: (file) => electron.nativeImage.createFromPath(file),
  };
}

export class TrayController<M, I> implements Disposable {
  private readonly tray: TrayHandle<M, I>;
  private readonly images = new Map<OverallState, I>();
  private readonly store = new DisposableStore();
  private icon: OverallState | null = null;
  private tooltip: string | null = null;
  private last: StatusSnapshot | null = null;
  private lastModel: TrayModel | null = null;
  /** The menu rows last handed to setContextMenu, as JSON: the items are plain data. */
  private shownItems: string | null = null;

  constructor(private readonly options: TrayControllerOptions<M, I>) {
    this.tray = options.createTray(this.image('paused'));
    this.icon = 'paused';
    this.tray.setToolTip('Encore: starting');
    // Linux "activate" and a Windows left click both mean "show me"; on macOS the menu takes over the click.
    this.tray.on('click', () => this.run('open-window'));
    this.store.add(toDisposable(() => this.tray.destroy()));
  }

  update(snapshot: StatusSnapshot): void {
    if (this.store.isDisposed) return;
    this.last = snapshot;
    const o = this.options;
    const model = buildTrayModel(snapshot, { timeZone: o.timeZone(), now: o.now(), openAtLogin: o.openAtLogin() });
    this.lastModel = model;
    if (model.icon !== this.icon) {
      this.tray.setImage(this.image(model.icon));
      this.icon = model.icon;
    }
    if (model.tooltip !== this.tooltip) {
      this.tray.setToolTip(model.tooltip);
      this.tooltip = model.tooltip;
    }
    const items = JSON.stringify(model.items);
    if (items === this.shownItems) return;
    this.tray.setContextMenu(o.buildMenu(this.template(model.items)));
    this.shownItems = items;
  }

  /** What the tray shows now: the end-to-end test reads it, since no OS API lists a tray menu. */
  get model(): TrayModel | null {
    return this.lastModel;
  }

  /** Rebuilds from the last snapshot (after "Start at login" changed, say). */
  refresh(): void {
    if (this.last) this.update(this.last);
  }

  dispose(): void {
    this.store.dispose();
  }

  private image(state: OverallState): I {
    let image = this.images.get(state);
    if (!image) {
      image = this.options.loadImage(trayIconFile(this.options.iconDir, state, this.options.platform));
      this.images.set(state, image);
    }
    return image;
  }

  private template(items: TrayMenuItem[]): MenuItemConstructorOptions[] {
    return items.map((item): MenuItemConstructorOptions => {
      switch (item.kind) {
        case 'status':
          return { id: item.id, label: item.label, enabled: false };
        case 'separator':
          return { type: 'separator' };
        case 'action':
          return { id: item.action, label: item.label, enabled: item.enabled, click: () => this.run(item.action) };
        case 'checkbox':
          return { id: item.action, type: 'checkbox', label: item.label, checked: item.checked, enabled: item.enabled, click: () => this.run(item.action) };
        case 'submenu':
          return { label: item.label, submenu: this.template(item.items) };
      }
    });
  }

  private run(action: TrayAction): void {
    try {
      Promise.resolve(this.options.actions[action]()).catch((error: unknown) => this.options.logger.error(`tray action ${action} failed`, error));
    } catch (error) {
      this.options.logger.error(`tray action ${action} failed`, error);
    }
  }
}

export interface TrayActionTargets {
  handlers: {
    restartService(request: { id: 'roon' | 'lastfm' | 'scheduler' }): unknown;
    restoreAll(request: Record<string, never>): unknown;
    pauseTracking(request: Record<string, never>): unknown;
    resumeTracking(request: Record<string, never>): unknown;
  };
  simulateSleepAndWake(): Promise<void>;
  showWindow(): void;
  openLogsFolder(): unknown;
  toggleLoginItem(): void;
  quit(): void;
}

/** Every menu action, mapped to the same calls the window makes. */
export function trayActions(t: TrayActionTargets): Record<TrayAction, () => unknown> {
  return {
    'restart-roon': () => t.handlers.restartService({ id: 'roon' }),
    'restart-lastfm': () => t.handlers.restartService({ id: 'lastfm' }),
    'restart-scheduler': () => t.handlers.restartService({ id: 'scheduler' }),
    'restore-all': () => t.handlers.restoreAll({}),
    'pause-tracking': () => t.handlers.pauseTracking({}),
    'resume-tracking': () => t.handlers.resumeTracking({}),
    'open-window': () => t.showWindow(),
    'simulate-sleep-wake': () => t.simulateSleepAndWake(),
    'open-logs': () => t.openLogsFolder(),
    'toggle-login-item': () => t.toggleLoginItem(),
    quit: () => t.quit(),
  };
}
