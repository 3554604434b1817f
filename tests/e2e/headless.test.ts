// End to end: the real headless host (in-process, temp data dir) against the
// fake Roon Core and the fake Last.fm server, driven through the status window
// in Debian's Chromium. Every wait is for a state the window or a fake reports;
// nothing sleeps for a fixed time. Screenshots go to test-results/e2e/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/main/config';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import type { ServiceId } from '../../src/shared/status';
import { FakeLastfmServer, generateHistory } from '../fakes/lastfm-server';
import { FakeRoonCore } from '../fakes/roon-core';
import { SkippableClock } from '../fakes/skippable-clock';
import { chromiumMissingReason, launchChromium, openWindow, screenshot } from './support/browser';
import { buildRenderer } from './support/build-renderer';

const missing = chromiumMissingReason();
if (missing) console.warn(`[e2e] headless host tests skipped: ${missing}`);

const API_KEY = '0123456789abcdef0123456789abcdef';
const HISTORY = 600;

// The reason rides in the suite's name so the test report says why it did not run.
describe.skipIf(missing !== null)(`Encore end to end: headless host, fake Roon Core, fake Last.fm, Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rendererDir: string;
  let dataDir: string;
  let core: FakeRoonCore;
  /** The host's clock: real time, moved on by the Roon test instead of waiting out a track. */
  const clock = new SkippableClock();
  let lastfm: FakeLastfmServer;
  let host: Headless;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  /** Every service the host runs; a test below fails, rather than skips, if one is missing. */
  const services: ServiceId[] = ['database', 'roon', 'lastfm', 'scheduler'];

  const card = (id: ServiceId, state?: string) => page.locator(`[data-testid=service-${id}]${state ? `[data-state=${state}]` : ''}`);

  beforeAll(async () => {
    rendererDir = await buildRenderer();
    core = await new FakeRoonCore({
      autoAuthorise: true,
      zones: [{ id: 'z1', name: 'Living Room', state: 'playing', track: { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 562 }, seek: 40 }],
    }).start();
    // Older than the tracker's first look, so only the import brings it in.
    const newestUts = Math.floor(Date.now() / 1000) - 7 * 86_400;
    lastfm = await FakeLastfmServer.start({ user: 'alice', apiKey: API_KEY, history: generateHistory(HISTORY, { newestUts, spacingSeconds: 900 }) });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-e2e-'));
    const config = parseConfig({
      roon: { host: '127.0.0.1', port: core.port, discovery: { multicastGroup: '127.0.0.1', port: 1, broadcastAddresses: ['127.0.0.1'] } },
      lastfm: { user: 'alice', apiKey: API_KEY, apiRoot: lastfm.url, pollSeconds: 1, importRatePerSecond: 0 },
      restore: { backoff: { initialMs: 200, maxMs: 1_000 } },
    });
    host = await startHeadless({ dataDir, config, clock, powerTriggers: [], rendererDir, consoleLog: false, writeRuntimeFile: false });
    browser = await launchChromium();
    ({ context, page, problems } = await openWindow(browser));
    await page.goto(`${host.url}/?token=${host.token}`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await host?.close();
    await core?.stop();
    await lastfm?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (rendererDir) fs.rmSync(rendererDir, { recursive: true, force: true });
  });

  it('shows every service running', async () => {
    for (const id of services) await card(id, 'running').waitFor({ timeout: 15_000 });
    for (const id of services) expect(await page.locator(`[data-testid=service-${id}-state]`).textContent()).toContain('Running');
    expect(await page.locator('[data-testid=overall-state]').textContent()).toContain('All well');
    expect(host.encore.status().services.map((s) => s.id)).toEqual(services);
    await page.locator('[data-testid=now-playing]').getByText('So What').waitFor();
    await screenshot(page, 'e2e-1-all-running-light');
    expect(problems).toEqual([]);
  });

  it('passes through paused on simulated suspend, and back to running on resume', async () => {
    await page.getByText('Troubleshooting').click();
    await page.getByRole('button', { name: 'Simulate sleep' }).click();
    await page.locator('[data-testid=banner-sleeping]').getByText('Paused for sleep').waitFor();
    for (const id of services.filter((s) => s !== 'database')) await card(id, 'paused').waitFor();
    await screenshot(page, 'e2e-2-paused-for-sleep-light');

    await page.getByRole('button', { name: 'Simulate wake' }).click();
    for (const id of services) await card(id, 'running').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=banner-sleeping]').waitFor({ state: 'detached' });
    // The restore that followed the wake is announced once.
    await page.locator('[data-testid=toast]').getByText(/^Restore after wake/).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Simulate wake' }).waitFor({ state: 'hidden' });
    await screenshot(page, 'e2e-3-after-wake-light');
  });

  it('says "Reconnecting Roon…" while the Core is gone, and clears it when the Core is back', async () => {
    core.refuseConnections();
    core.destroyConnections();
    await page.locator('[data-testid=banner-roon-reconnecting]').getByText('Reconnecting Roon…').waitFor({ timeout: 15_000 });
    await card('roon', 'reconnecting').waitFor();
    await page.locator('[data-testid=service-roon-retry]').getByText(/attempt \d+/).waitFor();
    await screenshot(page, 'e2e-4-reconnecting-roon-light');

    await core.acceptConnections();
    await card('roon', 'running').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=banner-roon-reconnecting]').waitFor({ state: 'detached' });
  });

  it('restarts a service from its card', async () => {
    const before = await card('roon').getAttribute('data-since');
    const registrations = core.registrations.length;
    await page.getByRole('button', { name: 'Restart Roon', exact: true }).click();
    // Running again, in a state entered after the click.
    await page.locator(`[data-testid=service-roon][data-state=running]:not([data-since="${before}"])`).waitFor({ timeout: 15_000 });
    expect(core.registrations.length).toBeGreaterThan(registrations);
  });

  it('shows a new Last.fm scrobble in the recent plays, with its source', async () => {
    const uts = Math.floor(Date.now() / 1000) - 30;
    lastfm.addScrobbles({ artist: 'Nina Simone', title: 'Sinnerman (e2e)', album: 'Pastel Blues', uts });
    const row = page.locator('[data-testid=play-row]', { hasText: 'Sinnerman (e2e)' });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.source').allTextContents()).toEqual(['Last.fm']);
    await screenshot(page, 'e2e-5-new-play-light');
  });

  it('records a track played on the Roon Core, with the Roon badge', async () => {
    // A 31 s track counts after half of it is heard: the fake Core reports
    // progress second by second, as a real Core does, and the host's clock
    // moves one second with each report instead of waiting for it.
    core.play('z1', { title: 'Blue in Green (e2e)', artist: 'Miles Davis', album: 'Kind of Blue', length: 31 });
    for (let second = 0; second < 17; second++) {
      clock.skip(1_000);
      await core.tick(1);
    }
    const row = page.locator('[data-testid=play-row]', { hasText: 'Blue in Green (e2e)' });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.source').allTextContents()).toContain('Roon');
  });

  it('imports the Last.fm history with progress, then charts it', async () => {
    await page.getByRole('tab', { name: 'Import & jobs' }).click();
    await page.getByRole('button', { name: /^(Start|Resume) import$/ }).click();
    await page.locator('[data-testid=import-state]').getByText('Complete').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=import-numbers]').textContent()).toMatch(/^Page \d+ of \d+ · [\d,]+ plays/);
    await screenshot(page, 'e2e-6-import-done-light');

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('navigation', { name: 'History pages' }).getByRole('link', { name: 'Sleep and wake' }).click();
    await page.locator('[data-testid=restore-timeline] li').nth(1).waitFor();
    const summary = await page.locator('[data-testid=chart-plays-per-day] title').first().textContent();
    expect(summary).toMatch(/plays in total/);
    await screenshot(page, 'e2e-7-history-light', true);
  });

  it('shows the log, and looks right in dark mode too', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.locator('[data-testid=log-lines]').getByText(/restore/).first().waitFor();
    await screenshot(page, 'e2e-8-logs-light');

    const dark = await openWindow(browser, 'dark');
    try {
      await dark.page.goto(`${host.url}/?token=${host.token}`);
      for (const id of services) await dark.page.locator(`[data-testid=service-${id}][data-state=running]`).waitFor({ timeout: 15_000 });
      await screenshot(dark.page, 'e2e-9-overview-dark');
      await dark.page.goto(`${host.url}/#/history/restores`);
      await dark.page.locator('[data-testid=restore-timeline]').waitFor();
      await screenshot(dark.page, 'e2e-10-history-dark', true);
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.context.close();
    }
    expect(problems).toEqual([]);
  });
});
