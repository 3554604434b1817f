// The desktop entry: one instance, no Dock icon, then on ready the core with
// its desktop ports, the window, the IPC handlers, the tray and notifications.
// Quitting waits for the services to stop and the database to close.
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, powerMonitor, safeStorage, session, shell, Tray } from 'electron';
import { PROGRESS_PUSH_CHANNEL, STATUS_PUSH_CHANNEL } from '../../shared/api';
import type { StatusSnapshot } from '../../shared/status';
import { createEncore } from '../app';
import { resolveDataDir } from '../config';
import { DisposableStore } from '../core/disposable';
import { createSenderCheck, registerIpcHandlers } from './ipc';
import { createDesktopLogger, logFileIn } from './log';
import { createLoginItem } from './login-item';
import { DesktopNotifier, electronNotifications } from './notifications';
import { desktopPaths } from './paths';
import { PowerMonitorTrigger } from './power';
import { SafeStorageSecretStore } from './secrets';
import { electronTrayParts, TrayController, trayActions } from './tray';
import { denyAllPermissions, guardWebContents, installContentSecurityPolicy, openExternalSafely, StatusWindow } from './window';

/** A stuck service must not keep the app (or a system shutdown) waiting for ever. */
const QUIT_DEADLINE_MS = 10_000;

async function start(): Promise<() => Promise<void>> {
  app.dock?.hide(); // LSUIElement does this for the packaged app; this covers `electron .`
  const dataDir = resolveDataDir(process.argv, process.env);
  const logFile = logFileIn(dataDir);
  const logger = createDesktopLogger(dataDir, { debug: !app.isPackaged || process.argv.includes('--debug') });
  const log = logger.scope('desktop');
  const paths = desktopPaths({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
  if (!app.isPackaged && !paths.nativeBinding) log.warn('no Electron build of better-sqlite3: run `node scripts/electron-native.mjs`');
  const openExternal = (url: string) => openExternalSafely(shell, url, log);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { rendererFile: paths.rendererFile, openExternal, logger: log }));

  const encore = await createEncore({
    dataDir,
    logger,
    secrets: new SafeStorageSecretStore(dataDir, safeStorage, logger.scope('secrets')),
    powerTriggers: [new PowerMonitorTrigger(powerMonitor, () => app.quit())],
    nativeBinding: paths.nativeBinding,
    logFile,
  });
  const owned = new DisposableStore();
  owned.add(installContentSecurityPolicy(session.defaultSession));
  owned.add(denyAllPermissions(session.defaultSession));
  const window = owned.add(new StatusWindow({ createWindow: (o) => new BrowserWindow(o), ...paths, logger: log }));
  app.on('second-instance', () => window.show());
  const isTrustedSender = createSenderCheck({ window: () => window.current, rendererFile: paths.rendererFile });
  owned.add(registerIpcHandlers({ ipcMain, handlers: encore.handlers, isTrustedSender, logger: log.scope('ipc') }));

  const loginItem = createLoginItem({ app, platform: process.platform, env: process.env, homeDir: os.homedir(), execPath: process.execPath });
  const tray: TrayController<Menu, Electron.NativeImage> = owned.add(
    new TrayController({
      ...electronTrayParts<Menu, Electron.NativeImage>({ Tray, Menu, nativeImage }),
      iconDir: paths.iconDir,
      platform: process.platform,
      timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone,
      now: () => Date.now(),
      openAtLogin: () => loginItem.get(),
      logger: log.scope('tray'),
      actions: trayActions({
        handlers: encore.handlers,
        simulateSleepAndWake: () => encore.simulateSleepAndWake(),
        showWindow: () => window.show(),
        openLogsFolder: () => shell.openPath(path.dirname(logFile)),
        toggleLoginItem: () => (loginItem.set(!loginItem.get()), tray.refresh()),
        quit: () => app.quit(),
      }),
    }),
  );
  const notifier = owned.add(
    new DesktopNotifier({
      ...electronNotifications(Notification),
      handlers: encore.handlers,
      onClick: () => window.show(),
      logger: log.scope('notifications'),
    }),
  );
  const publish = (snapshot: StatusSnapshot) => (tray.update(snapshot), notifier.update(snapshot), window.send(STATUS_PUSH_CHANNEL, snapshot));
  owned.add(encore.onStatus(publish));
  // Seek progress goes to the window only: the tray and notifications show no positions.
  owned.add(encore.onProgress((progress) => window.send(PROGRESS_PUSH_CHANNEL, progress)));
  publish(encore.status());
  if (process.argv.includes('--show')) window.show();
  // For tests/electron: the tray menu and status, read through Playwright's electronApp.evaluate.
  if (process.env.ENCORE_E2E === '1') Object.assign(globalThis, { encoreE2E: { tray: () => tray.model, status: () => encore.status() } });
  log.info(`desktop ready (data in ${dataDir})`);

  return async () => {
    window.prepareToQuit();
    owned.dispose();
    await encore.shutdown(); // services stopped, database closed
    log.info('stopped cleanly');
  };
}

if (!app.requestSingleInstanceLock()) {
  app.quit(); // the running instance opens its window (second-instance)
} else {
  app.enableSandbox(); // every renderer, not only the ones whose options say so
  const ready = app.whenReady().then(start);
  ready.catch((error: unknown) => {
    dialog.showErrorBox('Encore could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
  // A tray app lives on with no window open.
  app.on('window-all-closed', () => {});
  let quitting: Promise<void> | null = null;
  app.on('before-quit', (event) => {
    event.preventDefault(); // app.exit below, once the services have stopped
    quitting ??= ready
      .then((stop) => Promise.race([stop(), new Promise<void>((resolve) => setTimeout(resolve, QUIT_DEADLINE_MS).unref())]))
      .catch(() => {})
      .finally(() => app.exit(0));
  });
}
