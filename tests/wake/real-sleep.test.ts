// Real sleeps on the wake rig (tests/wake/rig.ts): the built headless host in
// its own network namespace under libfaketime, frozen with SIGSTOP while its
// network is cut, its Core restarted and its wall clock jumped. No power event
// is sent unless a scenario is about a misdelivered one: the host notices each
// wake itself. Three rigs run side by side, two with a configured roon.host and
// one finding the Core by discovery (SOOD on loopback inside the namespace);
// the scenarios of each rig run in turn. Every wait is for a state the host
// reports (polled /api/status), a line it logs or an event of the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRunning, HOUR, inTurn, restoreId, rigUnavailableReason, scrobblesDuring, serviceState, WakeRig } from './rig';

const unavailable = rigUnavailableReason();
if (unavailable) console.warn(`[wake] real-sleep tests skipped: ${unavailable}`);

const lastRestoreId = async (rig: WakeRig) => restoreId(await rig.status());

async function expectStored(rig: WakeRig, titles: string[]): Promise<void> {
  const stored = new Set((await rig.plays()).map((p) => p.title));
  for (const t of titles) expect(stored, `stored plays lack "${t}"`).toContain(t);
}

describe.skipIf(unavailable !== null).concurrent(`real sleeps (rig: netns + libfaketime + SIGSTOP)${unavailable ? ` (skipped: ${unavailable})` : ''}`, { timeout: 90_000 }, () => {
  // Three rigs: plain wakes with a configured Core, misdelivered power events with a discovered one, troubles with a configured one.
  let configured: WakeRig;
  let discovered: WakeRig;
  let troubled: WakeRig;
  const configuredTurn = inTurn();
  const discoveryTurn = inTurn();
  const troubledTurn = inTurn();

  beforeAll(async () => {
    [configured, discovered, troubled] = await Promise.all([WakeRig.create({ roon: 'configured' }), WakeRig.create({ roon: 'discovery' }), WakeRig.create({ roon: 'configured' })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([configured?.close(), discovered?.close(), troubled?.close()]);
  });

  it("configured Core: a long sleep, network back after the wake: noticed by the clock, all running, the sleep's scrobbles stored", () =>
    configuredTurn(async () => {
      const before = await lastRestoreId(configured);
      const scrobbles = scrobblesDuring(configured, 8 * HOUR, 3, 'long-sleep');
      const { thawedAt } = await configured.sleep({ sleptMs: 8 * HOUR, networkBackMs: 400, whileAsleep: () => configured.addScrobbles(scrobbles).then(() => undefined) });
      const { status } = await configured.waitFor((s) => restoreId(s) > before && allRunning(s), 'all running after the wake');
      expect(status.lastRestore!.reason).toContain('clock-jump');
      await expectStored(configured, scrobbles.map((s) => s.title));
      await configured.nextEvent('core-subscribed', thawedAt);
    }),
  );

  it('discovered Core: a long sleep with the Core restarted: found again, subscribed, the scrobbles stored', () =>
    discoveryTurn(async () => {
      const before = await lastRestoreId(discovered);
      const scrobbles = scrobblesDuring(discovered, 6 * HOUR, 2, 'discovery-sleep');
      const { thawedAt } = await discovered.sleep({ sleptMs: 6 * HOUR, networkBackMs: 300, whileAsleep: () => discovered.addScrobbles(scrobbles).then(() => undefined) });
      await discovered.waitFor((s) => restoreId(s) > before && allRunning(s), 'all running after the wake');
      await discovered.nextEvent('core-subscribed', thawedAt);
      const stored = new Set((await discovered.plays()).map((p) => p.title));
      for (const s of scrobbles) expect(stored).toContain(s.title);
    }),
  );

  it('configured Core: a sleep during a restore: the restore after the wake supersedes it and all come back', () =>
    troubledTurn(async () => {
      const before = await lastRestoreId(troubled);
      // The Core's port stops answering first, so the restore's connect hangs on an unanswered SYN.
      troubled.cutNetwork();
      expect((await troubled.api('POST', '/api/restore')).status).toBe(200);
      await troubled.waitFor((s) => serviceState(s, 'roon') === 'starting', 'the restore connecting to the Core');
      await troubled.sleep({ sleptMs: 3 * HOUR, networkBackMs: 300 });
      const { status } = await troubled.waitFor((s) => restoreId(s) > before && (s.lastRestore?.reason ?? '').includes('clock-jump') && allRunning(s), 'all running after a sleep during a restore');
      expect(status.lastRestore!.reason, troubled.hostTail(60)).toContain('clock-jump');
      const restores = await troubled.api<{ restores: Array<{ reason: string; outcome: string }> }>('GET', '/api/restores?limit=5');
      expect(restores.body.restores).toContainEqual(expect.objectContaining({ reason: 'restore all (you asked)', outcome: 'superseded' }));
    }),
  );

  it('configured Core: a short sleep, network back before the wake', () =>
    configuredTurn(async () => {
      const before = await lastRestoreId(configured);
      const scrobbles = scrobblesDuring(configured, 90_000, 1, 'short-sleep');
      const { thawedAt } = await configured.sleep({ sleptMs: 90_000, networkBackMs: -500, whileAsleep: () => configured.addScrobbles(scrobbles).then(() => undefined) });
      await configured.waitFor((s) => restoreId(s) > before && allRunning(s), 'all running after a short sleep');
      await configured.nextEvent('core-subscribed', thawedAt);
      await expectStored(configured, scrobbles.map((s) => s.title));
    }),
  );

  it('discovered Core: a resume delivered twice, late, after the host woke by itself starts nothing more', () =>
    discoveryTurn(async () => {
      const before = await lastRestoreId(discovered);
      await discovered.sleep({ sleptMs: HOUR, networkBackMs: 0 });
      const { status } = await discovered.waitFor((s) => restoreId(s) > before && allRunning(s), 'the wake');
      const coalesced = discovered.outputCount(/coalesced resume from simulated/);
      expect((await discovered.api('POST', '/api/power/resume')).status).toBe(200);
      expect((await discovered.api('POST', '/api/power/resume')).status).toBe(200);
      await discovered.waitForOutput(/coalesced resume from simulated/, coalesced + 2);
      const after = await discovered.waitFor(() => true, 'a status');
      expect(restoreId(after.status)).toBe(restoreId(status));
      expect(allRunning(after.status)).toBe(true);
    }),
  );

  it('configured Core: the Core gone for good: Roon keeps probing (≤ 4 attempts a second), the rest run, and it is back when the Core is', () =>
    troubledTurn(async () => {
      const before = await lastRestoreId(troubled);
      await troubled.sleep({ sleptMs: HOUR, networkBackMs: 0, whileAsleep: () => troubled.stopCore().then(() => undefined) });
      await troubled.waitFor(
        (s) => restoreId(s) > before && serviceState(s, 'roon') === 'reconnecting' && serviceState(s, 'lastfm') === 'running' && serviceState(s, 'database') === 'running',
        'Roon reconnecting, the others running',
      );
      const a0 = troubled.counters().coreAttempts;
      const t0 = Date.now();
      const attempt0 = (await troubled.status()).services.find((x) => x.id === 'roon')!.attempt;
      await troubled.waitFor((s) => s.services.find((x) => x.id === 'roon')!.attempt >= attempt0 + 5, 'five more attempts');
      const perSecond = (troubled.counters().coreAttempts - a0) / ((Date.now() - t0) / 1000);
      expect(perSecond).toBeGreaterThan(0);
      expect(perSecond).toBeLessThanOrEqual(4);
      const back = Date.now();
      await troubled.startCore();
      await troubled.nextEvent('core-subscribed', back);
      await troubled.waitFor(allRunning, 'Roon running again');
    }),
  );

  it('configured Core: a second sleep one second after a wake restores again', () =>
    configuredTurn(async () => {
      const first = await lastRestoreId(configured);
      await configured.sleep({ sleptMs: HOUR, networkBackMs: -200 });
      const woke = await configured.waitFor((s) => restoreId(s) > first, 'the first wake');
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - woke.at))));
      const scrobbles = scrobblesDuring(configured, 2 * HOUR, 1, 'second-sleep');
      await configured.sleep({ sleptMs: 2 * HOUR, networkBackMs: 0, whileAsleep: () => configured.addScrobbles(scrobbles).then(() => undefined) });
      await configured.waitFor((s) => restoreId(s) > restoreId(woke.status) && allRunning(s), 'a second restore');
      await expectStored(configured, scrobbles.map((s) => s.title));
    }),
  );

  it('discovered Core: a suspend, then a sleep whose resume never comes: the clock jump wakes the host', () =>
    discoveryTurn(async () => {
      const before = await lastRestoreId(discovered);
      expect((await discovered.api('POST', '/api/power/suspend')).status).toBe(200);
      expect((await discovered.status()).sleeping).toBe(true);
      await discovered.sleep({ sleptMs: 5 * HOUR, networkBackMs: 0 });
      const { status } = await discovered.waitFor((s) => restoreId(s) > before && allRunning(s), 'the wake without a resume');
      expect(status.lastRestore!.reason).toContain('clock-jump');
    }),
  );

  it('configured Core: Last.fm down across the wake: the others run, Last.fm says so, and catches up when it is back', () =>
    troubledTurn(async () => {
      await troubled.lastfmDown();
      const before = await lastRestoreId(troubled);
      await troubled.sleep({ sleptMs: 2 * HOUR, networkBackMs: 0 });
      await troubled.waitFor((s) => restoreId(s) > before && serviceState(s, 'roon') === 'running' && serviceState(s, 'lastfm') === 'reconnecting', 'Roon back, Last.fm reconnecting');
      const scrobbles = scrobblesDuring(troubled, 0, 1, 'after-outage');
      await troubled.addScrobbles(scrobbles);
      await troubled.lastfmUp();
      await troubled.waitFor(allRunning, 'Last.fm back', 30_000);
      const stored = new Set((await troubled.plays()).map((p) => p.title));
      expect(stored).toContain(scrobbles[0]!.title);
    }),
  );

  it('discovered Core: a late suspend a moment after a wake, with no sleep after it: the host restores by itself', () =>
    discoveryTurn(async () => {
      // Right after the wake of the scenario before: the host woke by itself moments ago.
      expect((await discovered.status()).lastRestore?.reason).toContain('clock-jump');
      expect((await discovered.api('POST', '/api/power/suspend')).status).toBe(200);
      expect((await discovered.status()).sleeping).toBe(true);
      const { status } = await discovered.waitFor((s) => !s.sleeping && allRunning(s), 'a restore with no sleep after the suspend');
      expect(status.lastRestore!.reason).toContain('no sleep followed');
    }),
  );

  it('configured Core: a wall clock set back while awake is not a wake', () =>
    troubledTurn(async () => {
      const before = await lastRestoreId(troubled);
      troubled.jumpClock(-2 * HOUR);
      await troubled.waitForOutput(/stepped back/);
      const { status } = await troubled.waitFor(() => true, 'a status');
      expect(restoreId(status)).toBe(before);
      expect(allRunning(status)).toBe(true);
    }),
  );
});
