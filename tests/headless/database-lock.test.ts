// The headless host while another program holds the database: the API keeps
// answering and reads go on, the database shows "waiting: locked by another
// program", what was chosen and journaled meanwhile is written once the lock
// is released; a lock that keeps the database from opening (after a wake) is
// a 503 saying so, and the database opens as soon as it goes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/main/core/logger';
import { parseConfig } from '../../src/main/config';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import type { StatusSnapshot } from '../../src/shared/status';
import { holdWriteLock } from '../support/lock-holder';
import { waitForStatus } from '../support/wait-for-status';

const LOOPBACK_DISCOVERY = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };
let headless: Headless;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-http-lock-'));
  headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery: LOOPBACK_DISCOVERY }, db: { busyTimeoutMs: 200 } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null });
  await until((s) => s.services.find((x) => x.id === 'database')?.state === 'running');
});
afterAll(async () => {
  await headless?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const until = (predicate: (s: StatusSnapshot) => boolean) => waitForStatus(headless.encore, predicate, 25_000);

const call = async (method: string, route: string) => {
  const res = await fetch(headless.url + route, { method, headers: { authorization: `Bearer ${headless.token}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('the headless host with the database locked by another program', () => {
  it('answers, reads go on, shows waiting, and writes what waited after the release', async () => {
    const holder = await holdWriteLock(path.join(dataDir, 'encore.db'));
    try {
      expect((await call('GET', '/api/status')).status).toBe(200);
      // WAL: a writer elsewhere does not keep readers out.
      expect((await call('GET', '/api/plays?limit=5')).status).toBe(200);
      // A choice and its journal entry, made while locked.
      expect((await call('POST', '/api/tracking/pause')).status).toBe(200);
      const waiting = await until((s) => s.services.find((x) => x.id === 'database')?.state === 'waiting');
      const db = waiting.services.find((x) => x.id === 'database')!;
      expect(db.detail).toMatch(/^Waiting: locked by another program .*Close the other copy of Encore/);
      expect(waiting.overall).toBe('degraded');
      expect(waiting.summary).toMatch(/Database: Waiting: locked by another program/);
      expect((await call('GET', '/api/status')).status).toBe(200);
    } finally {
      await holder.release();
    }
    await until((s) => s.services.find((x) => x.id === 'database')?.state === 'running');
    expect((await call('GET', '/api/plays?limit=5')).status).toBe(200);
    // What waited is on disk now: the choice and the journal entry.
    const check = new BetterSqlite3(path.join(dataDir, 'encore.db'), { readonly: true });
    try {
      const until = Date.now() + 5000;
      const paused = () => check.prepare("SELECT value FROM app_state WHERE key = 'tracking.paused'").pluck().get();
      while (paused() !== 'true' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(paused()).toBe('true');
      expect(check.prepare("SELECT count(*) FROM power_journal WHERE kind = 'manual' AND summary = 'pause tracking'").pluck().get()).toBe(1);
    } finally {
      check.close();
    }
    expect((await call('POST', '/api/tracking/resume')).status).toBe(200);
  });

  it('a lock that keeps the database from opening: a 503 saying so, and it opens as soon as the lock goes', async () => {
    expect((await call('POST', '/api/power/suspend')).status).toBe(200);
    // Exclusive locking mode keeps even readers out; it can only be taken while Encore has the file closed.
    const holder = await holdWriteLock(path.join(dataDir, 'encore.db'), 'exclusive-mode');
    try {
      expect((await call('POST', '/api/power/resume')).status).toBe(200);
      const failed = await until((s) => s.services.find((x) => x.id === 'database')?.state === 'reconnecting');
      expect(failed.services.find((x) => x.id === 'database')!.detail).toMatch(/locked by another program/);
      const plays = await call('GET', '/api/plays?limit=5');
      expect(plays.status).toBe(503);
      expect(String(plays.json.error)).toMatch(/locked by another program .*Close the other copy of Encore/);
      expect(String(plays.json.error)).not.toMatch(/reopening/);
      expect((await call('GET', '/api/status')).status).toBe(200);
    } finally {
      await holder.release();
    }
    await until((s) => s.services.find((x) => x.id === 'database')?.state === 'running');
    expect((await call('GET', '/api/plays?limit=5')).status).toBe(200);
  });
});
