// The built desktop entry (dist/electron/main.cjs) run from top to bottom in
// plain Node, with a stand-in for the 'electron' module in that child process
// only (support/electron-stub.cjs) and the real core against the fake Roon
// Core. It proves the wiring of main.ts where no Electron binary can run:
// startup, IPC registration and checks, tray, power events, a clean quit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../src/shared/api';
import { FakeRoonCore } from '../../src/dev/fakes/roon-core';

const ROOT = path.resolve(__dirname, '..', '..');
// Inside the project, so the bundle's require('zod') and friends resolve to node_modules.
const MAIN = path.join(ROOT, 'test-results', 'electron-smoke', 'main.cjs');

interface SmokeReport {
  steps: string[];
  windows: { webPreferences: Record<string, unknown>; show: boolean }[];
  ipcChannels: string[];
  pushes: number;
  opened: string[];
  error: string | null;
  exitCode: number | null;
  dbFiles: string[];
  status: { ok: boolean; value: { services: { id: string }[] } };
  foreign: unknown;
  badPayload: { ok: boolean; error: { status: number; message: string } };
  windowOpen: unknown;
  navigationBlocked: boolean;
  pausedImage: string;
  menu: string[];
  tooltip: string;
  windowVisibleAfterTrayClick: boolean;
}

describe('desktop entry, run in Node with Electron stood in', () => {
  let core: FakeRoonCore;
  let dataDir: string;
  let report: SmokeReport;
  let stderr = '';

  beforeAll(async () => {
    // Built here the way scripts/build.mjs builds it, so the test never runs a stale bundle.
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['src/main/electron/main.ts'],
      outfile: MAIN,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      external: ['electron'],
      logLevel: 'warning',
    });
    core = await new FakeRoonCore({
      autoAuthorise: true,
      zones: [{ id: 'z1', name: 'Living Room', state: 'playing', track: { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 562 }, seek: 40 }],
    }).start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-smoke-'));
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ roon: { host: '127.0.0.1', port: core.port, discovery: { multicastGroup: '127.0.0.1', port: 1, broadcastAddresses: ['127.0.0.1'] } } }),
    );
    const out = path.join(dataDir, 'smoke-report.json');
    const child = spawn(process.execPath, ['--require', path.join(__dirname, 'support', 'electron-stub.cjs'), MAIN, `--data-dir=${dataDir}`, '--show'], {
      cwd: ROOT,
      env: { ...process.env, ENCORE_SMOKE_OUT: out, ENCORE_DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    report = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as SmokeReport) : ({ error: `no report; exit ${code}; ${stderr}` } as SmokeReport);
  }, 60_000);

  afterAll(async () => {
    await core?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, runs the scenario and exits 0 after a clean shutdown', () => {
    expect(report.error, stderr).toBeNull();
    expect(report.steps).toEqual(['enableSandbox', 'ready', 'roon-ok', 'suspended', 'resumed']);
    expect(report.exitCode).toBe(0);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'encore.log'), 'utf8');
    expect(log).toContain('desktop ready');
    expect(log).toContain('stopped cleanly');
  });

  it('registers one IPC handler per API entry, and checks sender and payload', () => {
    expect(report.ipcChannels).toEqual(Object.values(API).map((c) => c.channel).sort());
    expect(report.status.ok).toBe(true);
    expect(report.status.value.services.map((s) => s.id)).toEqual(expect.arrayContaining(['database', 'roon']));
    expect(report.foreign).toEqual({ ok: false, error: { status: 403, message: 'This window may not talk to Encore.' } });
    expect(report.badPayload).toMatchObject({ ok: false, error: { status: 400 } });
  });

  it('opens a locked-down window and guards it', () => {
    expect(report.windows).toHaveLength(1);
    expect(report.windows[0]!.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(ROOT, 'dist', 'preload', 'index.cjs') });
    expect(report.windowOpen).toEqual({ action: 'deny' });
    expect(report.opened).toEqual(['https://www.last.fm/']);
    expect(report.navigationBlocked).toBe(true);
    expect(report.pushes).toBeGreaterThan(0);
  });

  it('drives the tray from the status: paused icon on suspend, full menu, click opens the window', () => {
    expect(path.basename(report.pausedImage)).toBe(process.platform === 'darwin' ? 'tray-pausedTemplate.png' : process.platform === 'win32' ? 'tray-paused.ico' : 'tray-paused.png');
    expect(report.menu).toEqual(expect.arrayContaining(['Restart Roon tracker', 'Restore all now', 'Pause tracking', 'Open Encore', 'Troubleshooting', 'Start at login', 'Quit']));
    expect(report.tooltip.startsWith('Encore: ')).toBe(true);
    expect(report.windowVisibleAfterTrayClick).toBe(true);
  });
});
