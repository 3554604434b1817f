// Fuzzing the HTTP API: real-shaped requests with one bad element mixed in,
// sent together with good ones. Every bad one is a 4xx naming what was wrong
// (never a 500, never a dropped connection), every good one still gets its
// 200, a refused settings body changes nothing, and the host keeps answering.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/main/core/logger';
import { parseConfig } from '../../src/main/config';
import { startHeadless, type Headless } from '../../src/main/headless/host';

const LOOPBACK_DISCOVERY = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };
let headless: Headless;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-http-fuzz-'));
  headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery: LOOPBACK_DISCOVERY } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null });
});
afterAll(async () => {
  await headless?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, route: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(headless.url + route, {
    method,
    headers: { authorization: `Bearer ${headless.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* the assertion below shows the text */
  }
  return { status: res.status, json, text };
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A settings body as the window sends it. */
const goodSettings = () => ({
  roon: { mode: 'manual', host: 'core.local', port: 9330 },
  lastfm: { user: 'alice', pollSeconds: 120 },
  restore: { timeoutsMs: { roon: 10_000, lastfm: 'auto', scheduler: 15_000 } },
  jobs: { 'db-backup': { schedule: '0 4 * * *', timezone: 'UTC', missedPolicy: 'skip', enabled: true } },
  notifications: { enabled: false },
});

/** One bad element each, with the field the answer must name. */
const badSettings: Array<[string, (b: ReturnType<typeof goodSettings>) => unknown]> = [
  ['roon.port', (b) => ((b.roon.port = 70_000), b)],
  ['roon.host', (b) => ((b.roon.host = 'core local; rm -rf'), b)],
  ['lastfm.pollSeconds', (b) => ((b.lastfm.pollSeconds = 1e12), b)],
  ['lastfm.pollSeconds', (b) => (((b.lastfm as Record<string, unknown>).pollSeconds = '60'), b)],
  ['lastfm.user', (b) => ((b.lastfm.user = 'bob<script>'), b)],
  ['restore.timeoutsMs.roon', (b) => ((b.restore.timeoutsMs.roon = 3e9), b)],
  ['restore.timeoutsMs.lastfm', (b) => ((b.restore.timeoutsMs.lastfm = 'sometimes'), b)],
  ['jobs.db-backup.schedule', (b) => ((b.jobs['db-backup'].schedule = '61 * * * *'), b)],
  ['jobs.db-backup.timezone', (b) => ((b.jobs['db-backup'].timezone = 'Mars/Olympus'), b)],
  ['jobs.db-backup.missedPolicy', (b) => (((b.jobs['db-backup'] as Record<string, unknown>).missedPolicy = 'maybe'), b)],
  ['jobs.nope', (b) => (((b.jobs as Record<string, unknown>).nope = { enabled: true }), b)],
  ['notifications.enabled', (b) => (((b.notifications as Record<string, unknown>).enabled = 'yes'), b)],
  ['extra', (b) => (((b as Record<string, unknown>).extra = 1), b)],
];

describe('HTTP API fuzz', () => {
  it('a settings body with one bad element is refused naming it, changes nothing, and good saves around it go through', async () => {
    const before = await call('GET', '/api/settings');
    expect(before.status).toBe(200);
    for (const [field, spoil] of badSettings) {
      const r = await call('PUT', '/api/settings', JSON.stringify(spoil(goodSettings())));
      // Refused by the schema (400) or by the settings check ({ok: false, errors}): either names the field.
      const named = r.status === 400 ? String(r.json?.error) : JSON.stringify(r.json?.errors);
      expect(r.status === 400 || (r.status === 200 && r.json?.ok === false), `${field}: ${r.status} ${r.text}`).toBe(true);
      expect(named, field).toContain(field);
      expect((await call('GET', '/api/settings')).json).toEqual(before.json);
    }
    const saved = await call('PUT', '/api/settings', JSON.stringify(goodSettings()));
    expect(saved.json).toMatchObject({ ok: true, settings: { lastfm: { pollSeconds: 120 }, roon: { mode: 'manual', port: 9330 } } });
    // Back to discovery, so the host does not try the made-up Core.
    expect((await call('PUT', '/api/settings', JSON.stringify({ roon: { mode: 'discovery' } }))).json?.ok).toBe(true);
  });

  it('hundreds of mutated requests mixed with good ones: no 500, every good one answered 200', async () => {
    const next = random(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const junk = ['{', '[]', 'null', '"text"', '{"a":', '\u0000\u0001', '{"lastfm":{"pollSeconds":-1}}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'x'.repeat(70_000), '{"roon":{"mode":"manual"}}', '1e999'];
    const routes: Array<[string, string]> = [
      ['GET', '/api/plays?limit=0'],
      ['GET', '/api/plays?limit=abc'],
      ['GET', '/api/plays?before=%ZZ'],
      ['GET', '/api/plays?before=not-a-date'],
      ['GET', '/api/plays/per-day?days=-3'],
      ['POST', '/api/services/%00/restart'],
      ['POST', '/api/services/database/stop'],
      ['POST', '/api/jobs/constructor/run'],
      ['POST', '/api/jobs/..%2F..%2Fetc/run'],
      ['GET', '/api/restores?limit=1e9'],
      ['DELETE', '/api/status'],
      ['GET', '/api/logs?lines=-1'],
    ];
    const requests: Array<{ good: boolean; run: () => ReturnType<typeof call> }> = [];
    for (let i = 0; i < 300; i++) {
      const kind = next();
      if (kind < 0.3) requests.push({ good: true, run: () => call('GET', '/api/status') });
      else if (kind < 0.4) requests.push({ good: true, run: () => call('GET', '/api/plays?limit=5') });
      else if (kind < 0.7) requests.push({ good: false, run: () => call('PUT', '/api/settings', pick(junk)) });
      else {
        const [method, route] = pick(routes);
        requests.push({ good: false, run: () => call(method, route) });
      }
    }
    const results = await Promise.all(requests.map(async (r) => ({ good: r.good, ...(await r.run()) })));
    const serverErrors = results.filter((r) => r.status >= 500);
    expect(serverErrors.map((r) => r.text).slice(0, 3)).toEqual([]);
    const goodOnes = results.filter((r) => r.good);
    expect(goodOnes.length).toBeGreaterThan(50);
    expect(goodOnes.every((r) => r.status === 200)).toBe(true);
    // Every refusal is JSON with a message.
    for (const r of results.filter((x) => !x.good && x.status >= 400)) expect(typeof r.json?.error).toBe('string');
    expect((await call('GET', '/api/status')).status).toBe(200);
  });
});
