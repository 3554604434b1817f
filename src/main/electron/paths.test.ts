import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopPaths } from './paths';

describe('desktopPaths', () => {
  it('uses the project tree and the Electron build of better-sqlite3 in development', () => {
    const p = desktopPaths({ isPackaged: false, appPath: '/src/encore', resourcesPath: '/x', exists: () => true });
    expect(p).toEqual({
      preloadFile: path.join('/src/encore', 'dist', 'preload', 'index.cjs'),
      rendererFile: path.join('/src/encore', 'dist', 'renderer', 'index.html'),
      iconDir: path.join('/src/encore', 'assets', 'tray'),
      nativeBinding: path.join('/src/encore', '.electron-native', 'better_sqlite3.node'),
    });
    expect(desktopPaths({ isPackaged: false, appPath: '/src/encore', resourcesPath: '/x', exists: () => false }).nativeBinding).toBeUndefined();
  });

  it('reads icons from resources and leaves better-sqlite3 to find itself when packaged', () => {
    const p = desktopPaths({ isPackaged: true, appPath: '/opt/Encore/resources/app.asar', resourcesPath: '/opt/Encore/resources', exists: () => true });
    expect(p.iconDir).toBe(path.join('/opt/Encore/resources', 'tray'));
    expect(p.rendererFile).toBe(path.join('/opt/Encore/resources/app.asar', 'dist', 'renderer', 'index.html'));
    expect(p.nativeBinding).toBeUndefined();
  });
});
