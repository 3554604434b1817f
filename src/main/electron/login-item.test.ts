import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { autostartEntry, createLoginItem } from './login-item';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeApp(isPackaged = true) {
  let openAtLogin = false;
  return {
    isPackaged,
    getLoginItemSettings: vi.fn(() => ({ openAtLogin })),
    setLoginItemSettings: vi.fn((s: { openAtLogin: boolean }) => void (openAtLogin = s.openAtLogin)),
  };
}

describe('createLoginItem', () => {
  it.each(['darwin', 'win32'] as const)('uses the app login item settings on %s', (platform) => {
    const app = fakeApp();
    const item = createLoginItem({ app, platform, env: {}, homeDir: '/home/u', execPath: '/x' });
    expect(item.get()).toBe(false);
    item.set(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true });
    expect(item.get()).toBe(true);
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-home-'));
    dirs.push(home);
    const app = fakeApp();
    const item = createLoginItem({ app, platform: 'linux', env: { APPIMAGE: '/home/u/Apps/Encore 0.1.0.AppImage' }, homeDir: home, execPath: '/tmp/.mount_x/encore' });
    const file = path.join(home, '.config', 'autostart', 'encore.desktop');
    expect(item.get()).toBe(false);
    item.set(true);
    expect(item.get()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toContain('Exec="/home/u/Apps/Encore 0.1.0.AppImage"');
    item.set(false);
    expect(item.get()).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('honours XDG_CONFIG_HOME', () => {
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-xdg-'));
    dirs.push(config);
    const item = createLoginItem({ app: fakeApp(), platform: 'linux', env: { XDG_CONFIG_HOME: config }, homeDir: '/nonexistent', execPath: '/opt/Encore/encore' });
    item.set(true);
    expect(fs.readFileSync(path.join(config, 'autostart', 'encore.desktop'), 'utf8')).toContain('Exec="/opt/Encore/encore"');
  });

  it('offers nothing on Linux when not packaged', () => {
    const item = createLoginItem({ app: fakeApp(false), platform: 'linux', env: {}, homeDir: '/home/u', execPath: '/x/electron' });
    expect(item.get()).toBeNull();
  });
});

describe('autostartEntry', () => {
  it('quotes the executable per the Desktop Entry spec', () => {
    expect(autostartEntry('/opt/My "Apps"/$enc`ore\\x')).toContain('Exec="/opt/My \\"Apps\\"/\\$enc\\`ore\\\\x"');
  });
});
