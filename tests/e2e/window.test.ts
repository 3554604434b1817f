// The status window in a real browser against a scripted host: states that are
// hard to reach with the real services (authorisation, import progress,
// validation errors) and the window's own behaviour (CSP, keyboard, toasts).
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRenderer } from './support/build-renderer';
import { chromiumMissingReason, launchChromium, openWindow, screenshot } from './support/browser';
import { startFakeHost, type FakeHost } from './support/fake-host';

const missing = chromiumMissingReason();
if (missing) console.warn(`[e2e] window tests skipped: ${missing}`);

// The reason rides in the suite's name so the test report says why it did not run.
describe.skipIf(missing !== null)(`status window (scripted host)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rendererDir: string;
  let browser: Browser;
  let host: FakeHost;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    rendererDir = await buildRenderer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (rendererDir) rmSync(rendererDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    host = await startFakeHost({ rendererDir });
    ({ page, problems } = await openWindow(browser));
  });
  afterEach(async () => {
    await page?.context().close();
    await host?.close();
  });

  async function open(p: Page = page) {
    await p.goto(`${host.url}/?token=${host.token}`);
    await p.locator('[data-testid=service-roon][data-state=running]').waitFor();
  }

  it('loads under the strict CSP, with a card per service and no errors', async () => {
    const now = Date.now();
    host.state.plays = [
      { id: 2, startedAt: new Date(now - 60_000).toISOString(), artist: 'Miles Davis', title: 'So What', album: 'Kind of Blue', secondsListened: 540, zone: 'Living Room', sources: ['roon', 'lastfm'] },
      { id: 1, startedAt: new Date(now - 3600_000).toISOString(), artist: 'Nina Simone', title: 'Sinnerman', album: null, secondsListened: null, zone: null, sources: ['lastfm'] },
    ];
    await open();
    for (const id of ['database', 'roon', 'lastfm', 'scheduler']) {
      expect(await page.locator(`[data-testid=service-${id}-state]`).textContent()).toContain('Running');
    }
    await page.locator('[data-testid=play-row]').nth(1).waitFor();
    expect(await page.locator('[data-testid=play-row]').first().locator('.source').allTextContents()).toEqual(['Roon', 'Last.fm']);
    expect(await page.getByText('So What', { exact: true }).count()).toBeGreaterThan(0);
    // The cookie replaced the token: the address bar no longer holds it.
    expect(new URL(page.url()).search).toBe('');
    await screenshot(page, 'window-overview-light');
    expect(problems).toEqual([]);
  });

  it('shows the Roon banners: reconnecting, authorisation, and paused for sleep', async () => {
    await open();
    host.update((s) => {
      const roon = s.services.find((x) => x.id === 'roon')!;
      Object.assign(roon, { state: 'reconnecting', attempt: 2, lastError: 'connect ECONNREFUSED 127.0.0.1:9330', nextRetryAt: new Date(Date.now() + 30_000).toISOString() });
    });
    await page.getByText('Reconnecting Roon…', { exact: true }).waitFor();
    expect(await page.locator('[data-testid=service-roon-retry]').textContent()).toMatch(/attempt 2 · next in 0:[23]\d/);

    host.update((s) => (s.services.find((x) => x.id === 'roon')!.state = 'waiting-authorisation'));
    await page.getByText('Roon needs authorisation: open Roon → Settings → Extensions and click Enable next to Encore').waitFor();
    expect(await page.locator('[data-testid=banner-roon-reconnecting]').count()).toBe(0);

    host.update((s) => {
      s.sleeping = true;
      for (const svc of s.services) svc.state = 'paused';
    });
    await page.getByText('Paused for sleep', { exact: true }).waitFor();
    await page.locator('[data-testid=service-lastfm][data-state=paused]').waitFor();
    expect(await page.locator('.banner').count()).toBe(1);
  });

  it('sends the actions to the host, and toasts a finished restore', async () => {
    await open();
    await page.getByRole('button', { name: 'Restart Roon' }).click();
    await page.getByRole('button', { name: 'Stop Last.fm' }).click();
    await page.getByRole('button', { name: 'Start Last.fm', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Restore all now' }).click();
    await page.getByRole('button', { name: 'Pause tracking' }).click();
    await page.getByText('Tracking is paused').waitFor();
    await page.getByText('Troubleshooting').click();
    await page.getByRole('button', { name: 'Simulate sleep' }).click();
    await host.waitForCall('simulateSuspend');
    expect(await host.waitForCall('restartService')).toEqual({ id: 'roon' });
    expect(await host.waitForCall('stopService')).toEqual({ id: 'lastfm' });
    await host.waitForCall('restoreAll');

    host.update(
      (s) =>
        (s.lastRestore = {
          id: 9,
          reason: 'resume',
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
          durationMs: 412,
          outcome: 'partial',
          summary: '3 restored, 1 reconnecting',
          steps: [],
        }),
    );
    const toast = page.locator('[data-testid=toast]');
    await toast.getByText('Restore after wake in 412 ms: 3 restored, 1 reconnecting').waitFor();
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await toast.waitFor({ state: 'detached' });
  });

  it('shows validation errors beside their fields, from the host and from local checks', async () => {
    await open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    const timezone = page.locator('[name="jobs.db-backup.timezone"]');
    await timezone.fill('Mars/Olympus');
    host.state.saveErrors = [
      { field: 'jobs.db-backup.timezone', message: 'unknown time zone Mars/Olympus' },
      { field: 'settings', message: 'the configuration could not be saved' },
    ];
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('[data-testid="error-jobs.db-backup.timezone"]').getByText('unknown time zone Mars/Olympus').waitFor();
    expect(await timezone.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain('the configuration could not be saved');
    expect(await page.locator('[data-testid=settings-status]').textContent()).toContain('2 fields need attention');
    // Focus goes to the first bad field, so a keyboard user lands on it.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'jobs.db-backup.timezone');
    expect(await host.waitForCall('saveSettings')).toMatchObject({ jobs: { 'db-backup': { timezone: 'Mars/Olympus' } } });

    // What the schema or a simple check rejects is caught before it is sent.
    await page.getByLabel('User name').fill('bad user!');
    await page.getByLabel('Connect to a host and port').check();
    await page.getByLabel('Host', { exact: true }).fill('core.local');
    await page.getByRole('textbox', { name: 'Port' }).fill('http');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('[data-testid="error-roon.port"]').getByText('a port is a whole number from 1 to 65535').waitFor();
    await page.locator('[data-testid="error-lastfm.user"]').getByText('letters, digits').waitFor();
    expect(host.state.calls.filter((c) => c.name === 'saveSettings')).toHaveLength(1);
    await screenshot(page, 'window-settings-errors-light', true);

    await page.getByRole('textbox', { name: 'Port' }).fill('9330');
    await page.getByLabel('User name').fill('good_user');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('[data-testid=settings-status]').getByText('Saved.').waitFor();
  });

  it('shows import progress and the scheduler’s jobs', async () => {
    await open();
    host.update((s) => {
      s.services.find((x) => x.id === 'lastfm')!.import = { state: 'running', page: 12, totalPages: 48, plays: 2_400, etaSeconds: 95, startedAt: new Date().toISOString(), error: null };
    });
    await page.getByRole('tab', { name: 'Import & jobs' }).click();
    await page.locator('[data-testid=import-numbers]').getByText('Page 12 of 48 · 2,400 plays · about 1 min 35 s left').waitFor();
    expect(await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuetext')).toBe('page 12 of 48');
    // A backup that met a full disk: its failure with what to do, and what it waits for to run again.
    const full = 'Could not write /data/backups/encore-x.db: the disk is full (ENOSPC). Free some space on it; Encore runs Database backup again by itself once there is room.';
    host.update((s) => {
      const backup = s.services.find((x) => x.id === 'scheduler')!.jobs!.find((j) => j.id === 'db-backup')!;
      backup.lastRun = { scheduledFor: null, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), outcome: 'failed', error: full };
      backup.waiting = 'Runs again by itself once there is room on the disk holding /data/backups.';
    });
    await page.locator('[data-testid=job-db-backup]').getByText(full).waitFor();
    await page.locator('[data-testid=job-db-backup-waiting]').getByText('Runs again by itself once there is room on the disk holding /data/backups.').waitFor();
    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.getByRole('button', { name: 'Run Database backup now' }).click();
    expect(await host.waitForCall('runJob')).toEqual({ id: 'db-backup' });
    await host.waitForCall('cancelImport');
  });

  it('moves a playing zone on by itself, and takes seek progress from its own event', async () => {
    // The page's clock is Playwright's: seconds pass when the test says so, not in real time.
    await page.clock.install();
    await open();
    const time = page.locator('[data-testid=now-playing] .zone').filter({ hasText: 'Living Room' }).locator('.zone-progress .small');
    await time.getByText('1:35 / 9:22').waitFor(); // the snapshot's position
    const version = host.state.snapshot.version;
    await page.clock.fastForward(3_000);
    await time.getByText('1:38 / 9:22').waitFor(); // counted on by the window, no new snapshot
    host.progress({ service: 'roon', at: new Date().toISOString(), zones: [{ zoneId: 'z1', seekSeconds: 300 }] });
    await time.getByText('5:00 / 9:22').waitFor();
    await page.clock.fastForward(2_000);
    await time.getByText('5:02 / 9:22').waitFor();
    expect(host.state.snapshot.version).toBe(version);
    // A paused zone stands still.
    host.update((s) => Object.assign(s.services.find((x) => x.id === 'roon')!.nowPlaying![0]!, { state: 'paused', seekSeconds: 302 }));
    await page.locator('[data-testid=now-playing] .zone-paused').first().waitFor();
    await page.clock.fastForward(5_000);
    expect(await time.textContent()).toBe('5:02 / 9:22');
  });

  it('shows what the import skipped, and the table of skipped Last.fm entries', async () => {
    const seen = new Date().toISOString();
    host.state.rejected = {
      total: 2,
      byReason: { 'date-before-2000': 1, 'no-date': 1 },
      entries: [
        { reason: 'date-before-2000', detail: 'is dated 1970 (a placeholder), before 2000', artist: 'Old Import', title: 'Placeholder', album: null, playedAt: '1970-01-01T00:00:00.000Z', raw: '{"name":"Placeholder"}', origin: 'import', firstSeenAt: seen, lastSeenAt: seen, timesSeen: 1 },
        { reason: 'no-date', detail: 'has no date and is not playing now', artist: 'Phone', title: 'Undated', album: null, playedAt: null, raw: '{"name":"Undated"}', origin: 'poll', firstSeenAt: seen, lastSeenAt: seen, timesSeen: 3 },
      ],
    };
    await open();
    host.update((s) => {
      const lastfm = s.services.find((x) => x.id === 'lastfm')!;
      lastfm.import = { state: 'done', page: 48, totalPages: 48, plays: 9_598, etaSeconds: null, startedAt: seen, error: null, skipped: { 'date-before-2000': 1, 'no-date': 1 } };
    });
    await page.getByRole('tab', { name: 'Import & jobs' }).click();
    await page.locator('[data-testid=import-skipped]').getByText('2 entries skipped (1 dated before 2000, 1 no date): listed below.').waitFor();
    await page.locator('[data-testid=lastfm-rejected-summary]').getByText('2 entries skipped').waitFor();
    await page.locator('[data-testid=lastfm-rejected] summary').click();
    await page.getByRole('cell', { name: 'Old Import – Placeholder' }).waitFor();
    await page.getByRole('cell', { name: '3 times, by the poll' }).waitFor();
    // An account with nothing scrobbled: done, and never "page 0 of 0".
    host.update((s) => {
      s.services.find((x) => x.id === 'lastfm')!.import = { state: 'done', page: 1, totalPages: null, plays: 0, etaSeconds: null, startedAt: seen, error: null, skipped: {} };
    });
    await page.locator('[data-testid=import-numbers]').getByText('There were no scrobbles to import.').waitFor();
    expect(await page.locator('[data-testid=import-panel]').textContent()).not.toMatch(/of 0/);
  });

  it('is usable from the keyboard: tabs move with arrow keys', async () => {
    await open();
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('#panel-history:not([hidden])').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-history');
    await page.keyboard.press('End');
    await page.locator('#panel-logs:not([hidden])').waitFor();
    await page.locator('[data-testid=log-lines]').getByText('encore started').waitFor();
    await page.keyboard.press('Home');
    await page.locator('#panel-overview:not([hidden])').waitFor();
  });

  it('says so when the connection to the host drops, and recovers when it is back', async () => {
    await open();
    const port = Number(new URL(host.url).port);
    await host.close();
    await page.locator('[data-testid=banner-disconnected]').waitFor({ timeout: 10_000 });
    host = await startFakeHost({ rendererDir, port, token: host.token });
    host.update((s) => (s.summary = 'Back after a host restart'));
    await page.locator('[data-testid=banner-disconnected]').waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByText('Back after a host restart').waitFor();
  });

  it('searches as you type: a stale search is cancelled, and its late answer never replaces the newer one', async () => {
    const now = Date.now();
    const play = (id: number, artist: string, title: string) => ({
      id,
      startedAt: new Date(now - id * 60_000).toISOString(),
      artist,
      title,
      album: null,
      secondsListened: null,
      zone: null,
      sources: ['lastfm' as const],
      trackId: id,
      albumId: null,
      artists: [{ id: 100 + id, name: artist }],
    });
    host.state.plays = [play(1, 'Miles Davis', 'So What'), play(2, 'Mildred Bailey', 'Rockin’ Chair'), play(3, 'Nina Simone', 'Sinnerman')];
    // The answer to "mil" is held back until after "miles" has been answered.
    const stale = host.hold('getPlays', (r) => r.q === 'mil');
    await page.goto(`${host.url}/?token=${host.token}#/history`);
    const search = page.getByRole('searchbox', { name: 'Search plays' });
    await page.locator('[data-testid=history-row]').nth(2).waitFor();
    const entries = await page.evaluate(() => history.length);
    await search.fill('mil');
    await page.waitForFunction(() => location.hash === '#/history?q=mil');
    await search.fill('miles');
    await page.locator('[data-testid=plays-count]').getByText('1 play · All time').waitFor();
    // The window gave up on the older request rather than leaving it to finish.
    expect(await stale.aborted).toBe(true);
    stale.release();
    expect(await page.locator('[data-testid=history-row] .track-title').allTextContents()).toEqual(['So What']);
    // Client-side marks when the host sends none: the matched prefix only.
    expect(await page.locator('[data-testid=history-row] mark').allTextContents()).toEqual(['Miles']);
    // Typing replaced the history entry: Back leaves the search rather than stepping through its letters.
    expect(new URL(page.url()).hash).toBe('#/history?q=miles');
    expect(await page.evaluate(() => history.length)).toBe(entries);
    expect(problems).toEqual([]);
  });

  it('pages through the history as it scrolls, with the cursor the host gave', async () => {
    const now = Date.now();
    host.state.plays = Array.from({ length: 120 }, (_, i) => ({
      id: 1000 - i,
      startedAt: new Date(now - (i + 1) * 600_000).toISOString(),
      artist: 'Miles Davis',
      title: `Take ${i + 1}`,
      album: 'Kind of Blue',
      secondsListened: 300,
      zone: 'Living Room',
      sources: ['roon' as const],
      trackId: i + 1,
      albumId: 7,
      artists: [{ id: 3, name: 'Miles Davis' }],
    }));
    await page.goto(`${host.url}/?token=${host.token}#/history`);
    const rows = page.locator('[data-testid=history-row]');
    await page.locator('[data-testid=plays-count]').getByText('50 plays so far · All time').waitFor();
    await rows.last().scrollIntoViewIfNeeded();
    await page.locator('[data-testid=plays-count]').getByText('100 plays so far · All time').waitFor();
    expect(host.state.calls.filter((c) => c.name === 'getPlays').map((c) => c.request.cursor)).toContain('50.0');
    // The button does the same for a keyboard user.
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('That is every play.').waitFor();
    expect(await rows.count()).toBe(120);
    expect(await rows.last().locator('.track-title').textContent()).toBe('Take 120');
    expect(problems).toEqual([]);
  });

  it('renders in dark mode', async () => {
    const dark = await openWindow(browser, 'dark');
    try {
      await open(dark.page);
      const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(21, 24, 29)');
      await screenshot(dark.page, 'window-overview-dark');
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.context.close();
    }
  });
});
