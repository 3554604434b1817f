// "Start at login". macOS and Windows have app.setLoginItemSettings; on Linux
// that call does nothing, so there the XDG autostart entry is written by hand
// (~/.config/autostart/encore.desktop), which every major desktop honours.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write';

export interface LoginItem {
  /** null: this platform or build offers no login item (Linux outside a packaged app). */
  get(): boolean | null;
  set(openAtLogin: boolean): void;
}

export interface LoginItemOptions {
  app: {
    getLoginItemSettings(): { openAtLogin: boolean };
    setLoginItemSettings(settings: { openAtLogin: boolean }): void;
    readonly isPackaged: boolean;
  };
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  execPath: string;
}

export function createLoginItem(o: LoginItemOptions): LoginItem {
  if (o.platform === 'darwin' || o.platform === 'win32') {
    return {
      get: () => o.app.getLoginItemSettings().openAtLogin,
      set: (openAtLogin) => o.app.setLoginItemSettings({ openAtLogin }),
    };
  }
  // An unpackaged run's execPath is the bare Electron binary: autostarting that would open nothing useful.
  if (!o.app.isPackaged) return { get: () => null, set: () => {} };
  const file = path.join(o.env.XDG_CONFIG_HOME || path.join(o.homeDir, '.config'), 'autostart', 'encore.desktop');
  // An AppImage runs from a temporary mount; $APPIMAGE is the file the user keeps.
  const executable = o.env.APPIMAGE || o.execPath;
  return {
    get: () => fs.existsSync(file),
    set: (openAtLogin) => {
      if (!openAtLogin) return fs.rmSync(file, { force: true });
      writeFileAtomic(file, autostartEntry(executable));
    },
  };
}

export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Encore',
    'Comment=Records your listens from Roon and Last.fm',
    `Exec=${quoteExec(executable)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Desktop Entry Spec quoting: double quotes, with " ` $ \ escaped inside. */
function quoteExec(arg: string): string {
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}
