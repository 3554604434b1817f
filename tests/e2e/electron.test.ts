// The real desktop app under Playwright's Electron driver: the window opens,
// talks to the core over the preload's IPC (no HTTP), and drives it. Runs only
// where the Electron binary and the Electron build of better-sqlite3 exist
// (`npm start` once on a machine with internet); elsewhere it is reported as
// skipped, with the reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS_DIR } from './support/browser';

const root = process.cwd();

/** The Electron binary, found the way the `electron` package finds it, without importing it (that would try to download it). */
function electronBinary(): string | null {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const name = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
    return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, name);
  }
  const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  return path.join(root, 'node_modules', 'electron', 'dist', fs.readFileSync(pathFile, 'utf8').trim());
}

function skipReason(): string | null {
  const binary = electronBinary();
  if (!binary || !fs.existsSync(binary)) return 'the Electron binary is not installed (node_modules/electron has no dist/; the electron package was installed without its download)';
  if (!fs.existsSync(path.join(root, 'dist', 'electron', 'main.cjs'))) return 'the app is not built (run node scripts/build.mjs)';
  if (!fs.existsSync(path.join(root, '.electron-native', 'better_sqlite3.node'))) return 'no Electron build of better-sqlite3 (run node scripts/electron-native.mjs)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display to open a window on (run under xvfb-run)';
  return null;
}

const reason = skipReason();
if (reason) console.warn(`[e2e] Electron app test skipped: ${reason}`);

// The reason rides in the suite's name so the test report says why it did not run.
describe.skipIf(reason !== null)(`desktop app (Electron)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-electron-'));
    app = await _electron.launch({
      executablePath: electronBinary()!,
      args: [root, `--data-dir=${dataDir}`, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    // A tray app starts without a window; a second launch is how a person opens it.
    await app.evaluate(({ app: electronApp }) => electronApp.emit('second-instance', {}, [], ''));
    page = await app.firstWindow();
    await page.locator('[data-testid=service-database][data-state=running]').waitFor({ timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the window on the preload bridge, sandboxed, with the strict CSP', async () => {
    expect(await page.evaluate(() => typeof window.encore?.getStatus)).toBe('function');
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'))).toContain("script-src 'self'");
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'electron-window.png') });
  });

  it('drives the core over IPC: sleep and wake from the window', async () => {
    await page.getByText('Troubleshooting').click();
    await page.getByRole('button', { name: 'Simulate sleep' }).click();
    await page.locator('[data-testid=banner-sleeping]').waitFor();
    await page.getByRole('button', { name: 'Simulate wake' }).click();
    await page.locator('[data-testid=banner-sleeping]').waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator('[data-testid=service-database][data-state=running]').waitFor();
  });
});
