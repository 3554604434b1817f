import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../src/main/headless/host';
import { startHttpHost } from '../../src/main/headless/http-server';
import { MemoryLogger } from '../../src/main/core/logger';
import { systemClock } from '../../src/main/core/clock';
import { parseConfig } from '../../src/main/config';
import { Emitter } from '../../src/main/core/disposable';
import type { NowPlayingProgress, StatusSnapshot } from '../../src/shared/status';
import { FakeRoonCore } from '../../src/dev/fakes/roon-core';
import { waitForStatus as waitForEncoreStatus } from '../support/wait-for-status';

// Discovery stays on loopback (nothing answers there: Roon keeps searching).
const LOOPBACK_DISCOVERY = { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] };

let headless: Headless;
let dataDir: string;
// A Core that discovery finds at once: a restore then waits for no search
// timeout (8 s with nothing answering), only for the services themselves.
let core: FakeRoonCore;

async function api(method: string, route: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? headless.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(headless.url + route, { method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const waitForStatus = (predicate: (s: StatusSnapshot) => boolean) => waitForEncoreStatus(headless.encore, predicate);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-http-'));
  core = await new FakeRoonCore({ autoAuthorise: true }).start();
  const soodPort = await core.startSood();
  const discovery = { ...LOOPBACK_DISCOVERY, port: soodPort };
  headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null });
  await waitForStatus((s) => s.services.find((x) => x.id === 'database')?.state === 'running');
});

afterAll(async () => {
  await headless?.close();
  await core?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('headless HTTP API', () => {
  it('writes url, token and pid to runtime.json, readable by the user only', () => {
    const file = path.join(dataDir, 'runtime.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ url: headless.url, token: headless.token, pid: process.pid });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(headless.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('requires the token on every API call', async () => {
    expect((await api('GET', '/api/status', { token: null })).status).toBe(401);
    expect((await api('GET', '/api/status', { token: 'wrong' })).status).toBe(401);
    const ok = await api('GET', '/api/status');
    expect(ok.status).toBe(200);
    expect(ok.json!.services).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'database', state: 'running' })]));
  });

  it('answers unknown routes with 404 JSON and bad input with 400 naming the field', async () => {
    const missing = await api('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.json!.error).toMatch(/No such route/);
    expect((await api('POST', '/api/services/toaster/restart')).json!.error).toMatch(/^id: /);
    const bad = await api('PUT', '/api/settings', { body: { lastfm: { pollSeconds: 'often' } } });
    expect(bad.status).toBe(400);
    expect(bad.json!.error).toMatch(/lastfm\.pollSeconds/);
    const notJson = await api('POST', '/api/restore', { body: '{"unclosed' });
    expect(notJson.status).toBe(400);
    expect(notJson.json!.error).toMatch(/not valid JSON/);
    expect((await api('GET', '/api/plays?limit=0')).status).toBe(400);
    // A body over the limit gets its answer too, rather than a reset connection.
    const huge = await api('PUT', '/api/settings', { body: `{"x":"${'a'.repeat(1_000_000)}"}` });
    expect(huge.status).toBe(400);
    expect(huge.json!.error).toMatch(/^body: larger than/);
    expect((await api('GET', '/api/status')).status).toBe(200);
    // Broken percent-encoding is bad input, not a server error.
    const badEscape = await api('POST', '/api/services/%ZZ/restart');
    expect(badEscape.status).toBe(400);
    expect(badEscape.json!.error).toMatch(/^id: /);
    expect((await api('GET', '/api/plays?before=yesterday')).status).toBe(400);
  });

  it('serves the renderer\'s files and nothing outside them, whatever the encoding', async () => {
    const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-renderer-'));
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Encore</title>');
    fs.writeFileSync(path.join(dataDir, 'outside.txt'), 'secret');
    const host = await startHttpHost({ encore: headless.encore, logger: new MemoryLogger(), clock: systemClock, port: 0, rendererDir });
    const get = (route: string) =>
      new Promise<number>((resolve, reject) => {
        // http.request keeps the path as written (fetch would normalise the dots away).
        const req = http.request(host.url + '/', { path: route }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/')).toBe(200);
      expect(await get('/index.html')).toBe(200);
      const escape = path.relative(rendererDir, path.join(dataDir, 'outside.txt'));
      for (const route of [`/${escape}`, `/${encodeURIComponent(escape)}`, `/${escape.replaceAll('.', '%2e')}`]) expect(await get(route)).toBe(404);
      expect(await get('/%E0%A4%A')).toBe(400);
      expect(await get('/%ZZ')).toBe(400);
    } finally {
      await host.close();
      fs.rmSync(rendererDir, { recursive: true, force: true });
    }
  });

  it('refuses other Host names (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(headless.url + '/api/status', { headers: { host: 'evil.example:80', authorization: `Bearer ${headless.token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('trades the token in the URL for a cookie, and checks Origin on cookie requests', async () => {
    const first = await api('GET', `/?token=${headless.token}`, { token: null });
    expect(first.status).toBe(302);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    expect((await api('GET', '/api/status', { token: null, headers: { cookie: pair } })).status).toBe(200);
    expect((await api('GET', '/api/status', { token: null, headers: { cookie: pair, origin: 'http://evil.example' } })).status).toBe(401);
    expect((await api('POST', '/api/restore', { token: null, headers: { cookie: pair } })).status).toBe(401);
    expect((await api('POST', '/api/restore', { token: null, headers: { cookie: pair, origin: headless.url } })).status).toBe(200);
    expect((await api('GET', '/?token=nope', { token: null })).status).toBe(401);
  });

  it('simulated suspend pauses every service and resume brings them back', async () => {
    expect((await api('POST', '/api/power/suspend')).status).toBe(200);
    const paused = (await api('GET', '/api/status')).json as unknown as StatusSnapshot;
    expect(paused.sleeping).toBe(true);
    expect(paused.overall).toBe('paused');
    expect(paused.services.find((s) => s.id === 'database')!.state).toBe('paused');
    expect((await api('POST', '/api/power/resume')).status).toBe(200);
    const back = await waitForStatus((s) => !s.sleeping && s.services.find((x) => x.id === 'database')!.state === 'running' && s.lastRestore?.reason.startsWith('wake') === true);
    expect(back.lastRestore!.summary).toMatch(/restored/);
    const restores = await api('GET', '/api/restores?limit=5');
    expect((restores.json!.restores as unknown[]).length).toBeGreaterThanOrEqual(2);
  });

  it('streams a snapshot per change over Server-Sent Events', async () => {
    const controller = new AbortController();
    const res = await fetch(headless.url + '/api/events', { headers: { authorization: `Bearer ${headless.token}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const snapshots: StatusSnapshot[] = [];
    const next = async () => {
      for (;;) {
        const i = buffer.indexOf('\n\n');
        if (i >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) return JSON.parse(data.slice(6)) as StatusSnapshot;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    };
    snapshots.push(await next());
    await api('POST', '/api/services/lastfm/stop');
    for (;;) {
      const s = await next();
      if (s.services.find((x) => x.id === 'lastfm')!.state === 'disabled') break;
    }
    controller.abort();
    await api('POST', '/api/services/lastfm/start');
    expect(snapshots[0]!.services.length).toBeGreaterThan(0);
  });

  it('streams seek progress as its own `progress` event, apart from the snapshots', async () => {
    const progress = new Emitter<NowPlayingProgress>();
    const host = await startHttpHost({ encore: { ...headless.encore, onProgress: (fn) => progress.on(fn) }, logger: new MemoryLogger(), clock: systemClock, port: 0, rendererDir: null });
    const controller = new AbortController();
    try {
      const res = await fetch(host.url + '/api/events', { headers: { authorization: `Bearer ${host.token}` }, signal: controller.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const frame = async () => {
        for (;;) {
          const i = buffer.indexOf('\n\n');
          if (i >= 0) {
            const text = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            if (text.includes('data: ')) return text;
            continue;
          }
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += decoder.decode(value, { stream: true });
        }
      };
      expect(await frame()).toMatch(/^data: \{"version"/); // the snapshot on connect
      const seek: NowPlayingProgress = { service: 'roon', at: '2026-03-10T12:00:00.000Z', zones: [{ zoneId: 'z1', seekSeconds: 41 }] };
      progress.fire(seek);
      expect(await frame()).toBe(`event: progress\ndata: ${JSON.stringify(seek)}`);
    } finally {
      controller.abort();
      await host.close();
    }
  });

  it('lists plays newest first with a before cursor', async () => {
    const plays = await api('GET', '/api/plays?limit=5');
    expect(plays.json).toEqual({ plays: [], nextCursor: null });
    const perDay = await api('GET', '/api/plays/per-day?days=30');
    expect((perDay.json!.days as unknown[]).length).toBe(30);
  });

  it('saves settings, validates them per field, and never returns the API key', async () => {
    const bad = await api('PUT', '/api/settings', { body: { roon: { mode: 'manual', host: 'core.local', port: 70000 } } });
    expect(bad.status).toBe(400);
    expect(bad.json!.error).toMatch(/roon\.port/);
    expect(bad.json!.errors).toEqual([{ field: 'roon.port', message: 'a port is 1 to 65535' }]);
    const badZone = await api('PUT', '/api/settings', { body: { jobs: { 'db-backup': { timezone: 'Mars/Olympus' } } } });
    expect(badZone.json).toMatchObject({ ok: false, errors: [{ field: 'jobs.db-backup.timezone' }] });
    // Names every object has are no jobs either.
    for (const id of ['constructor', 'tostring', 'hasownproperty']) {
      const notAJob = await api('PUT', '/api/settings', { body: { jobs: { [id]: { enabled: false } } } });
      expect(notAJob.json).toEqual({ ok: false, errors: [{ field: `jobs.${id}`, message: 'no such job' }] });
    }
    const saved = await api('PUT', '/api/settings', { body: { lastfm: { user: 'someone', apiKey: '0123456789abcdef0123456789abcdef' }, notifications: { enabled: false } } });
    expect(saved.json).toMatchObject({ ok: true, settings: { lastfm: { user: 'someone', apiKeySet: true }, notifications: { enabled: false } } });
    expect(JSON.stringify(saved.json)).not.toContain('0123456789abcdef0123456789abcdef');
    const onDisk = fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8');
    expect(onDisk).toContain('someone');
    expect(onDisk).not.toContain('0123456789abcdef0123456789abcdef');
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });
});

describe('headless process', () => {
  it('starts from the build, refuses a bad config naming the field, and stops cleanly on SIGTERM', async () => {
    const entry = path.resolve('dist/headless/main.js');
    if (!fs.existsSync(entry)) throw new Error('run `npm run build` first (npm test does)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-proc-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ db: { busyTimeoutMs: 'soon' } }));
    const bad = spawn(process.execPath, [entry, '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const badCode = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(badCode).toBe(2);
    expect(stderr).toMatch(/db\.busyTimeoutMs/);

    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ roon: { discovery: LOOPBACK_DISCOVERY } }));
    const child = spawn(process.execPath, [entry, `--data-dir=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('runtime.json')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const runtime = JSON.parse(fs.readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as { url: string; token: string; pid: number };
    expect(runtime.pid).toBe(child.pid);
    const status = await fetch(`${runtime.url}/api/status`, { headers: { authorization: `Bearer ${runtime.token}` } });
    expect(status.status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'runtime.json'))).toBe(false);
    // Checkpointed and closed: the WAL was folded back into the database.
    expect(fs.existsSync(path.join(dir, 'encore.db-wal')) ? fs.statSync(path.join(dir, 'encore.db-wal')).size : 0).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
