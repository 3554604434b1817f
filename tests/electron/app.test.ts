// The real desktop app through Playwright's _electron (the one such suite): the
// built main process, the sandboxed preload and the renderer, against the fake
// Roon Core. Runs where the Electron binary is installed
// (.github/workflows/desktop.yml on Linux, macOS and Windows); elsewhere every
// test reports itself skipped, with the reason in its name and on the console.
// ENCORE_REQUIRE_ELECTRON=1 (set by that workflow) turns a skip into a failure,
// so a broken install can never pass as "skipped".
//
// Each wait is for something the app itself shows or reports; nothing sleeps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrayModel } from '../../src/main/core/tray-menu';
import type { StatusSnapshot } from '../../src/shared/status';
import { FakeRoonCore } from '../fakes/roon-core';

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(ROOT, 'test-results', 'electron');

/**
 * Where the Electron binary is, or why it cannot run. Not `require('electron')`:
 * when the binary is missing, that require starts a download from GitHub.
 */
function electronBinary(): { path: string } | { missing: string } {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  try {
    const relative = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
    const binary = path.join(dist, relative);
    if (!fs.existsSync(binary)) return { missing: `the Electron binary is not installed (${path.relative(ROOT, binary)} missing)` };
    fs.accessSync(binary, fs.constants.X_OK);
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { missing: 'no display (run under xvfb-run)' };
    for (const built of ['dist/electron/main.cjs', 'dist/preload/index.cjs', 'dist/renderer/index.html']) {
      if (!fs.existsSync(path.join(ROOT, built))) return { missing: `${built} not built (npm run build)` };
    }
    if (!fs.existsSync(path.join(ROOT, '.electron-native', 'better_sqlite3.node'))) return { missing: 'better-sqlite3 not built for Electron (node scripts/electron-native.mjs)' };
    return { path: binary };
  } catch (error) {
    return { missing: `the Electron binary is not installed (${(error as Error).message.split('\n')[0]}); its download comes from GitHub` };
  }
}

const electron = electronBinary();
const skipReason = 'missing' in electron ? electron.missing : null;
if (skipReason && process.env.ENCORE_REQUIRE_ELECTRON === '1') throw new Error(`ENCORE_REQUIRE_ELECTRON=1 but the desktop app cannot run: ${skipReason}`);
if (skipReason) console.warn(`[electron] desktop app tests SKIPPED: ${skipReason}`);

describe.skipIf(skipReason !== null)(`Encore desktop app (Playwright _electron)${skipReason ? ` — SKIPPED: ${skipReason}` : ''}`, () => {
  let core: FakeRoonCore;
  let dataDir: string;
  let app: ElectronApplication;
  let page: Page;
  const problems: string[] = [];

  const status = () => app.evaluate(() => (globalThis as unknown as { encoreE2E: { status(): StatusSnapshot } }).encoreE2E.status());
  const tray = () => app.evaluate(() => (globalThis as unknown as { encoreE2E: { tray(): TrayModel | null } }).encoreE2E.tray());
  const until = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 100)); // polling interval, not a wait for an outcome
    }
  };

  beforeAll(async () => {
    core = await new FakeRoonCore({
      autoAuthorise: true,
      zones: [{ id: 'z1', name: 'Living Room', state: 'playing', track: { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 562 }, seek: 40 }],
    }).start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-electron-'));
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ roon: { host: '127.0.0.1', port: core.port, discovery: { multicastGroup: '127.0.0.1', port: 1, broadcastAddresses: ['127.0.0.1'] } } }),
    );
    app = await _electron.launch({
      executablePath: (electron as { path: string }).path,
      args: [ROOT, `--data-dir=${dataDir}`, '--show', ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, ENCORE_E2E: '1' },
      timeout: 30_000,
    });
    page = await app.firstWindow();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    await page.waitForLoadState('domcontentloaded');
  }, 60_000);

  afterAll(async () => {
    await app?.close().catch(() => {});
    await core?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the window with Roon running against the fake Core', async () => {
    await page.locator('[data-testid=service-roon][data-state=running]').waitFor({ timeout: 20_000 });
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'window.png') });
    expect(problems).toEqual([]);
  });

  it('loads the window under the strict CSP', async () => {
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null);
    expect(csp).toContain("script-src 'self'");
  });

  it('shows the window again on a second launch (second-instance)', async () => {
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.hide());
    await app.evaluate(({ app: electronApp }) => void electronApp.emit('second-instance', {}, [], ''));
    await until(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.isVisible() ?? false), (visible) => visible, 'the window to show');
  });

  it('isolates the renderer: the bridge only, no Node, no ipcRenderer', async () => {
    const shape = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const encore = w.encore as Record<string, unknown>;
      return {
        keys: Object.keys(encore).sort(),
        require: typeof w.require,
        process: typeof w.process,
        ipcRenderer: 'ipcRenderer' in encore || 'ipcRenderer' in w,
      };
    });
    expect(shape.keys).toContain('getStatus');
    expect(shape.keys).toContain('onStatus');
    expect(shape).toMatchObject({ require: 'undefined', process: 'undefined', ipcRenderer: false });
  });

  it('answers IPC with the status, and refuses a bad payload with a clean message', async () => {
    const services = await page.evaluate(async () => (await (window as unknown as { encore: { getStatus(r: object): Promise<StatusSnapshot> } }).encore.getStatus({})).services.map((s) => s.id));
    expect(services).toEqual(expect.arrayContaining(['database', 'roon']));
    const message = await page.evaluate(() =>
      (window as unknown as { encore: { restartService(r: object): Promise<unknown> } }).encore.restartService({ id: 'everything' }).then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    expect(message).toMatch(/^id: /);
  });

  it('pushes status updates to the window and rebuilds the tray menu', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { encore: { onStatus(l: (s: StatusSnapshot) => void): () => void }; pushes: number };
      w.pushes = 0;
      w.encore.onStatus(() => w.pushes++);
    });
    await page.evaluate(() => (window as unknown as { encore: { restoreAll(r: object): Promise<unknown> } }).encore.restoreAll({}));
    await page.waitForFunction(() => (window as unknown as { pushes: number }).pushes > 0);
    const model = await until(tray, (m) => !!m && m.items.some((i) => i.kind === 'status' && i.label.startsWith('Roon: OK')), 'the tray to show Roon OK');
    const labels = model!.items.map((i) => (i.kind === 'separator' ? '---' : i.label));
    expect(labels).toEqual(expect.arrayContaining(['Restart Roon tracker', 'Restore all now', 'Open Encore', 'Troubleshooting', 'Start at login', 'Quit']));
  });

  it("goes through paused and back on a sleep and wake simulated from the window's menu", async () => {
    await page.getByText('Troubleshooting').click();
    await page.getByRole('button', { name: 'Simulate sleep' }).click();
    await until(status, (s) => s.sleeping && s.overall === 'paused', 'paused for sleep');
    await page.getByRole('button', { name: 'Simulate wake' }).click();
    await until(status, (s) => !s.sleeping && s.services.find((x) => x.id === 'roon')?.state === 'running', 'Roon running again');
    await page.locator('[data-testid=service-roon][data-state=running]').waitFor();
  });

  it('keeps the app on its page: window.open and navigation are refused', async () => {
    const before = app.windows().length;
    await page.evaluate(() => void window.open('https://example.com/', '_blank'));
    await page.evaluate(() => void (window.location.href = 'https://example.com/'));
    await page.waitForLoadState('domcontentloaded');
    expect(page.url().startsWith('file://')).toBe(true);
    expect(app.windows().length).toBe(before);
  });

  it('quits cleanly: services stopped and the database closed before exit', async () => {
    const proc = app.process();
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    // The process may be gone before evaluate answers: the exit code is the answer.
    await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => {});
    expect(await exited).toBe(0);
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'encore.log'), 'utf8')).toContain('stopped cleanly');
  });
});
