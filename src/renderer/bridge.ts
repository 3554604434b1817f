// The window's API in a plain browser (the headless host), generated from the
// shared API table: each call becomes a same-origin fetch to its HTTP route.
// Credentials travel in the cookie the host set when the page was opened with
// its token, so nothing here ever sees a secret.
import { API, type ApiName, type ApiRequest, type ApiResponse, type EncoreApi } from '../shared/api';
import { fieldErrorsFrom, type FieldError } from '../shared/field-errors';
import type { NowPlayingProgress, StatusSnapshot } from '../shared/status';

export interface HttpRequestPlan {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** JSON text for POST and PUT. */
  body?: string;
}

/**
 * The HTTP request for one call: `:name` path parameters are filled from the
 * request field of the same name; what remains goes into the query string for
 * GET and DELETE (the host reads DELETE's input from the query, as most servers
 * do: a DELETE body has no defined meaning) and into a JSON body otherwise.
 */
export function planRequest<K extends ApiName>(name: K, request: ApiRequest<K>): HttpRequestPlan {
  const [method, route] = API[name].http;
  const rest: Record<string, unknown> = { ...(request as Record<string, unknown> | undefined) };
  const path = route.replace(/:([A-Za-z_]\w*)/g, (_match, param: string) => {
    const value = rest[param];
    if (value === undefined || value === null || value === '') throw new Error(`${name}: missing path parameter "${param}"`);
    delete rest[param];
    return encodeURIComponent(String(value));
  });
  if (method === 'GET' || method === 'DELETE') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined || value === null) continue;
      query.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
    const qs = query.toString();
    return { method, url: qs ? `${path}?${qs}` : path };
  }
  return { method, url: path, body: JSON.stringify(rest) };
}

/** The message a person should read for a failed response. */
async function errorFromResponse(response: Response): Promise<Error> {
  let message = `${response.status} ${response.statusText}`.trim();
  let errors: FieldError[] = [];
  try {
    const text = await response.text();
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string') {
        message = (parsed as { error: string }).error;
        errors = fieldErrorsFrom(parsed);
      } else if (text) message = text;
    } catch {
      if (text) message = text;
    }
  } catch {
    // body unreadable: keep the status line
  }
  return Object.assign(new Error(message), { status: response.status, errors });
}

export interface HttpApiOptions {
  /** Prefix for every route; '' means same origin, same root. */
  baseUrl?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
  /** Called with true when the event stream is open, false while it is down. */
  onConnectionChange?: (connected: boolean) => void;
}

const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

/**
 * How the window reaches a call beyond the EncoreApi shape: with a signal that
 * cancels it (a search superseded by the next keystroke), and, where a route
 * streams a file, the URL the browser downloads it from.
 */
export interface Transport {
  call<K extends ApiName>(name: K, request: ApiRequest<K>, signal?: AbortSignal): Promise<ApiResponse<K>>;
  /** Present over HTTP: the browser streams the download to disk itself. Absent over IPC, where the call saves the file. */
  downloadUrl?<K extends ApiName>(name: K, request: ApiRequest<K>): string;
}

/**
 * IPC calls cannot be cancelled (an AbortSignal does not cross the context
 * bridge) and answer locally; the hooks ignore the answers that come late.
 */
export function ipcTransport(api: EncoreApi): Transport {
  return { call: (name, request) => (api[name] as unknown as (r: typeof request) => Promise<ApiResponse<typeof name>>)(request) };
}

export function createHttpClient(options: HttpApiOptions = {}): { api: EncoreApi; transport: Transport } {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<K extends ApiName>(name: K, request: ApiRequest<K>, signal?: AbortSignal): Promise<ApiResponse<K>> {
    const plan = planRequest(name, request ?? ({} as ApiRequest<K>));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (plan.body !== undefined) headers['content-type'] = 'application/json';
    const response = await doFetch(base + plan.url, {
      method: plan.method,
      headers,
      body: plan.body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as ApiResponse<K>;
  }

  const api = Object.fromEntries(
    (Object.keys(API) as ApiName[]).map((name) => [name, (request: never) => call(name, request)]),
  ) as unknown as Omit<EncoreApi, 'onStatus' | 'onProgress'>;

  const downloadUrl = <K extends ApiName>(name: K, request: ApiRequest<K>) => {
    const plan = planRequest(name, request);
    if (plan.method !== 'GET') throw new Error(`${name}: only a GET route can be downloaded by URL`);
    return base + plan.url;
  };

  const events = eventStream(base + '/api/events', options);
  return { api: { ...api, onStatus: events.onStatus, onProgress: events.onProgress }, transport: { call, downloadUrl } };
}

export function createHttpApi(options: HttpApiOptions = {}): EncoreApi {
  return createHttpClient(options).api;
}

/**
 * One EventSource shared by every listener: snapshots as plain messages (or
 * `status` events), seek positions as `progress` events. The browser
 * reconnects by itself after a dropped connection, but gives up for good when
 * the server answers with an error (host restarting, 5xx): then we open a new
 * one with backoff.
 */
function eventStream(url: string, options: HttpApiOptions) {
  const Source = options.EventSource ?? globalThis.EventSource;
  const statusListeners = new Set<(snapshot: StatusSnapshot) => void>();
  const progressListeners = new Set<(progress: NowPlayingProgress) => void>();
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let delay = RECONNECT_MIN_MS;

  const relay =
    <T>(listeners: Set<(payload: T) => void>) =>
    (event: MessageEvent<string>) => {
      let payload: T;
      try {
        payload = JSON.parse(event.data) as T;
      } catch {
        return;
      }
      for (const listener of [...listeners]) listener(payload);
    };
  const onStatusMessage = relay(statusListeners);
  const onProgressMessage = relay(progressListeners);

  function open() {
    retryTimer = null;
    const es = new Source(url);
    source = es;
    es.addEventListener('message', onStatusMessage);
    es.addEventListener('status', onStatusMessage as EventListener);
    es.addEventListener('progress', onProgressMessage as EventListener);
    es.addEventListener('open', () => {
      delay = RECONNECT_MIN_MS;
      options.onConnectionChange?.(true);
    });
    es.addEventListener('error', () => {
      options.onConnectionChange?.(false);
      if (es.readyState !== Source.CLOSED || source !== es) return;
      es.close();
      source = null;
      retryTimer = setTimeout(open, delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    });
  }

  function close() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    source?.close();
    source = null;
    delay = RECONNECT_MIN_MS;
  }

  const subscribe =
    <T>(listeners: Set<(payload: T) => void>) =>
    (listener: (payload: T) => void): (() => void) => {
      listeners.add(listener);
      if (!source && !retryTimer) open();
      return () => {
        listeners.delete(listener);
        if (statusListeners.size === 0 && progressListeners.size === 0) close();
      };
    };
  return { onStatus: subscribe(statusListeners), onProgress: subscribe(progressListeners) };
}
