// Where the desktop app finds its own files, in development (`electron .`
// from the project) and packaged (app.asar, with the tray icons beside it in
// resources/ because the OS tray APIs read real files).
import fs from 'node:fs';
import path from 'node:path';

export interface DesktopPaths {
  preloadFile: string;
  rendererFile: string;
  iconDir: string;
  /** better-sqlite3 built for Electron; undefined means the module's own (right when packaged). */
  nativeBinding: string | undefined;
}

export function desktopPaths(o: { isPackaged: boolean; appPath: string; resourcesPath: string; exists?: (file: string) => boolean }): DesktopPaths {
  const exists = o.exists ?? fs.existsSync;
  const devBinding = path.join(o.appPath, '.electron-native', 'better_sqlite3.node');
  return {
    preloadFile: path.join(o.appPath, 'dist', 'preload', 'index.cjs'),
    rendererFile: path.join(o.appPath, 'dist', 'renderer', 'index.html'),
    iconDir: o.isPackaged ? path.join(o.resourcesPath, 'tray') : path.join(o.appPath, 'assets', 'tray'),
    // Packaged: electron-builder rebuilt better-sqlite3 for Electron and unpacked it from the asar.
    nativeBinding: !o.isPackaged && exists(devBinding) ? devBinding : undefined,
  };
}
