// What the user chooses while the machine sleeps (the database is closed then)
// must survive the wake, when the database opens again and is read back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import { MemoryLogger } from '../../src/main/core/logger';
import { parseConfig } from '../../src/main/config';
import { waitForStatus as waitForEncoreStatus } from '../support/wait-for-status';
import type { ServiceId, StatusSnapshot } from '../../src/shared/status';
import { FakeRoonCore } from '../fakes/roon-core';

let headless: Headless | null = null;
let core: FakeRoonCore;
let dataDir: string;

async function start(): Promise<Headless> {
  const config = parseConfig({
    roon: { host: '127.0.0.1', port: core.port, discovery: { multicastGroup: '127.0.0.1', port: 1, broadcastAddresses: ['127.0.0.1'] } },
    restore: { backoff: { initialMs: 100, maxMs: 500 } },
  });
  headless = await startHeadless({ dataDir, config, powerTriggers: [], logger: new MemoryLogger(), rendererDir: null, writeRuntimeFile: false });
  return headless;
}

async function api(method: string, route: string): Promise<number> {
  const res = await fetch(headless!.url + route, { method, headers: { authorization: `Bearer ${headless!.token}` } });
  await res.text();
  return res.status;
}

const state = (s: StatusSnapshot, id: ServiceId) => s.services.find((x) => x.id === id)!.state;

const waitForStatus = (predicate: (s: StatusSnapshot) => boolean) => waitForEncoreStatus(headless!.encore, predicate);

beforeEach(async () => {
  core = await new FakeRoonCore({ autoAuthorise: true }).start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-choices-'));
});

afterEach(async () => {
  await headless?.close();
  headless = null;
  await core.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('choices made while asleep', () => {
  it('tracking resumed during sleep stays resumed after the wake, and after a restart', async () => {
    await start();
    await waitForStatus((s) => state(s, 'roon') === 'running');
    expect(await api('POST', '/api/tracking/pause')).toBe(200);
    await waitForStatus((s) => state(s, 'roon') === 'paused');
    expect(await api('POST', '/api/power/suspend')).toBe(200);
    expect(await api('POST', '/api/tracking/resume')).toBe(200);
    expect(await api('POST', '/api/power/resume')).toBe(200);

    const woke = await waitForStatus((s) => !s.sleeping && s.lastRestore?.reason.startsWith('wake') === true);
    expect(woke.trackingPaused).toBe(false);
    await waitForStatus((s) => state(s, 'roon') === 'running');
    expect(core.connectionCount).toBe(1);

    await headless!.close();
    await start();
    const again = await waitForStatus((s) => state(s, 'roon') === 'running');
    expect(again.trackingPaused).toBe(false);
  });

  it('a service turned off during sleep stays off after the wake, and after a restart', async () => {
    await start();
    await waitForStatus((s) => state(s, 'roon') === 'running');
    expect(await api('POST', '/api/power/suspend')).toBe(200);
    expect(await api('POST', '/api/services/roon/stop')).toBe(200);
    expect(await api('POST', '/api/power/resume')).toBe(200);

    const woke = await waitForStatus((s) => !s.sleeping && s.lastRestore?.reason.startsWith('wake') === true);
    expect(state(woke, 'roon')).toBe('disabled');
    expect(core.connectionCount).toBe(0);

    await headless!.close();
    await start();
    const again = await waitForStatus((s) => s.lastRestore?.reason === 'startup');
    expect(state(again, 'roon')).toBe('disabled');
  });
});
