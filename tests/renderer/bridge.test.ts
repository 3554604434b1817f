import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpApi, planRequest } from '../../src/renderer/bridge';
import { API, type ApiName } from '../../src/shared/api';

describe('planRequest', () => {
  it('fills path parameters and sends the rest as a JSON body', () => {
    expect(planRequest('restartService', { id: 'roon' })).toEqual({ method: 'POST', url: '/api/services/roon/restart', body: '{}' });
    expect(planRequest('runJob', { id: 'db-backup' })).toEqual({ method: 'POST', url: '/api/jobs/db-backup/run', body: '{}' });
  });
  it('escapes path parameters', () => {
    expect(planRequest('runJob', { id: 'a/b?c' } as never).url).toBe('/api/jobs/a%2Fb%3Fc/run');
  });
  it('puts GET requests in the query string, skipping absent values', () => {
    expect(planRequest('getPlays', { limit: 20, before: '2025-03-03T12:00:00Z' })).toEqual({
      method: 'GET',
      url: '/api/plays?limit=20&before=2025-03-03T12%3A00%3A00Z',
    });
    expect(planRequest('getPlays', { limit: 5, before: undefined })).toEqual({ method: 'GET', url: '/api/plays?limit=5' });
    expect(planRequest('getStatus', {})).toEqual({ method: 'GET', url: '/api/status' });
  });
  it('sends PUT with a JSON body, DELETE with its input in the query like GET', () => {
    expect(planRequest('saveSettings', { notifications: { enabled: false } })).toEqual({
      method: 'PUT',
      url: '/api/settings',
      body: '{"notifications":{"enabled":false}}',
    });
    expect(planRequest('cancelImport', {})).toEqual({ method: 'DELETE', url: '/api/lastfm/import' });
  });
  it('refuses a call without its path parameter', () => {
    expect(() => planRequest('restartService', {} as never)).toThrow(/missing path parameter "id"/);
  });
  it('has a route for every call in the table', () => {
    for (const name of Object.keys(API) as ApiName[]) {
      const request = API[name].http[1].includes(':id') ? { id: 'x' } : {};
      expect(planRequest(name, request as never).url.startsWith('/api/')).toBe(true);
    }
  });
});

describe('createHttpApi', () => {
  afterEach(() => vi.useRealTimers());

  it('fetches same-origin with the cookie and returns the JSON', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true }), { status: 200 }));
    const api = createHttpApi({ fetch, EventSource: FakeEventSource as never });
    await expect(api.restartService({ id: 'lastfm' })).resolves.toEqual({ ok: true });
    expect(fetch).toHaveBeenCalledWith('/api/services/lastfm/restart', expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{}' }));
  });

  it('throws the server’s error message on a non-2xx answer', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ error: 'no such job: nope' }), { status: 404, statusText: 'Not Found' }));
    const api = createHttpApi({ fetch, EventSource: FakeEventSource as never });
    await expect(api.runJob({ id: 'nope' })).rejects.toThrow('no such job: nope');
    fetch.mockImplementationOnce(async () => new Response('gateway down', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.getStatus({})).rejects.toThrow('gateway down');
    fetch.mockImplementationOnce(async () => new Response('', { status: 503, statusText: 'Service Unavailable' }));
    await expect(api.getStatus({})).rejects.toThrow('503 Service Unavailable');
  });

  it('shares one event stream, delivers snapshots, and closes it with the last listener', () => {
    FakeEventSource.instances = [];
    const api = createHttpApi({ fetch: vi.fn(), EventSource: FakeEventSource as never });
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.onStatus(a);
    const offB = api.onStatus(b);
    expect(FakeEventSource.instances).toHaveLength(1);
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe('/api/events');
    es.emit('message', { data: JSON.stringify({ version: 7 }) });
    es.emit('message', { data: 'not json' });
    expect(a).toHaveBeenCalledExactlyOnceWith({ version: 7 });
    expect(b).toHaveBeenCalledOnce();
    offA();
    expect(es.closed).toBe(false);
    offB();
    expect(es.closed).toBe(true);
  });

  it('delivers progress events on the same stream, apart from snapshots, and closes after both kinds of listener left', () => {
    FakeEventSource.instances = [];
    const api = createHttpApi({ fetch: vi.fn(), EventSource: FakeEventSource as never });
    const status = vi.fn();
    const progress = vi.fn();
    const offStatus = api.onStatus(status);
    const offProgress = api.onProgress(progress);
    expect(FakeEventSource.instances).toHaveLength(1);
    const es = FakeEventSource.instances[0]!;
    const seek = { service: 'roon', at: '2026-03-10T12:00:00.000Z', zones: [{ zoneId: 'z1', seekSeconds: 41 }] };
    es.emit('progress', { data: JSON.stringify(seek) });
    expect(progress).toHaveBeenCalledExactlyOnceWith(seek);
    expect(status).not.toHaveBeenCalled();
    offStatus();
    expect(es.closed).toBe(false);
    offProgress();
    expect(es.closed).toBe(true);
  });

  it('reopens the stream with backoff when the browser gives up on it', () => {
    vi.useFakeTimers();
    FakeEventSource.instances = [];
    const connection = vi.fn();
    const api = createHttpApi({ fetch: vi.fn(), EventSource: FakeEventSource as never, onConnectionChange: connection });
    const off = api.onStatus(() => {});
    const first = FakeEventSource.instances[0]!;
    first.readyState = FakeEventSource.CLOSED;
    first.emit('error', {});
    expect(connection).toHaveBeenLastCalledWith(false);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(FakeEventSource.instances).toHaveLength(2);
    const second = FakeEventSource.instances[1]!;
    second.readyState = FakeEventSource.CLOSED;
    second.emit('error', {});
    vi.advanceTimersByTime(1_999);
    expect(FakeEventSource.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(3);
    FakeEventSource.instances[2]!.emit('open', {});
    expect(connection).toHaveBeenLastCalledWith(true);
    off();
    expect(FakeEventSource.instances[2]!.closed).toBe(true);
  });

  it('does not reopen after unsubscribing while a retry is pending', () => {
    vi.useFakeTimers();
    FakeEventSource.instances = [];
    const api = createHttpApi({ fetch: vi.fn(), EventSource: FakeEventSource as never });
    const off = api.onStatus(() => {});
    const es = FakeEventSource.instances[0]!;
    es.readyState = FakeEventSource.CLOSED;
    es.emit('error', {});
    off();
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.instances).toHaveLength(1);
  });
});

class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  closed = false;
  private listeners = new Map<string, ((e: unknown) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  emit(type: string, event: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
}
