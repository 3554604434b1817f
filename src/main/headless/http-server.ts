// The headless host's HTTP face: loopback only, a random token per run (bearer
// header, or a cookie for the browser bridge), Host and Origin checked, every
// body and query validated against the API table, the renderer served with a
// strict CSP, and Server-Sent Events for status updates.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { API, ApiError, type ApiName } from '../../shared/api';
import type { Encore } from '../app';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COOKIE = 'encore_token';
const MAX_BODY = 64 * 1024;
/** A comment down each event stream this often: a whole number of the clock's beats. */
const SSE_KEEP_ALIVE_MS = 20_000;
/** What is read and dropped after a refused body before the connection is cut. */
const MAX_DISCARDED = 32 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface HttpHostOptions {
  encore: Encore;
  logger: Logger;
  /** The keep-alive comments to event streams run on its shared beat. */
  clock: Clock;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (dist/renderer); null serves the API only. */
  rendererDir: string | null;
  token?: string;
}

export interface HttpHost {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

interface Route {
  name: ApiName;
  method: string;
  pattern: RegExp;
  params: string[];
}

const ROUTES: Route[] = (Object.keys(API) as ApiName[]).map((name) => {
  const [method, template] = API[name].http;
  const params: string[] = [];
  const pattern = new RegExp(
    '^' +
      template.replace(/:(\w+)/g, (_, p: string) => {
        params.push(p);
        return '([^/]+)';
      }) +
      '$',
  );
  return { name, method, pattern, params };
});

/** Percent-decoding that answers 400 instead of throwing URIError (a 500) on input such as "%ZZ". */
function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ApiError(400, `${what}: not valid percent-encoding`);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const { encore, logger } = options;
  const log = logger.scope('http');
  const token = options.token ?? crypto.randomBytes(32).toString('hex');
  const sse = new Set<http.ServerResponse>();
  let origin = '';
  let allowedHosts = new Set<string>();

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    res.end(text);
  };
  const fail = (res: http.ServerResponse, status: number, message: string) => send(res, status, { error: message });

  /** Bearer token from any client; the cookie only from our own page (Origin checked). */
  const authorised = (req: http.IncomingMessage): boolean => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return safeEqual(auth.slice(7).trim(), token);
    const fromCookie = cookieToken(req);
    if (!fromCookie || !safeEqual(fromCookie, token)) return false;
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return false;
    const site = req.headers['sec-fetch-site'];
    if (req.method !== 'GET' && requestOrigin === undefined && site !== 'same-origin') return false;
    return true;
  };

  const tooLarge = () => new ApiError(400, `body: larger than ${MAX_BODY} bytes`);

  /**
   * After refusing a body: the answer goes out at once, and what the client
   * still sends is read and dropped, so the connection is not closed with
   * unread data (the kernel would reset it, and the client lose the answer).
   * The connection then stays usable; past a generous cap it is cut.
   */
  const discardRest = (req: http.IncomingMessage) => {
    req.removeAllListeners('data');
    let dropped = 0;
    const cap = setTimeout(() => req.socket.destroy(), 10_000);
    cap.unref();
    const done = () => clearTimeout(cap);
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DISCARDED) req.socket.destroy();
    });
    req.once('end', done);
    req.once('close', done);
    req.resume();
  };

  const readBody = (req: http.IncomingMessage): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // Refused before a byte is read when it says it is too large.
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
        discardRest(req);
        return reject(tooLarge());
      }
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          discardRest(req);
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (!text) return resolve({});
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(new ApiError(400, `body: not valid JSON (${(error as Error).message})`));
        }
      });
      req.on('error', reject);
    });

  const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean => {
    if (!options.rendererDir || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const relative = pathname === '/' ? 'index.html' : decode(pathname, 'path').replace(/^\/+/, '');
    const file = path.resolve(options.rendererDir, relative);
    if (!file.startsWith(path.resolve(options.rendererDir) + path.sep)) return false;
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch {
      return false;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': relative === 'index.html' ? 'no-store' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
    return true;
  };

  const openEvents = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\n`);
    res.write(`data: ${JSON.stringify(encore.status())}\n\n`);
    sse.add(res);
    req.on('close', () => sse.delete(res));
  };

  const statusSub = encore.onStatus((snapshot) => {
    const frame = `data: ${JSON.stringify(snapshot)}\n\n`;
    for (const res of sse) res.write(frame);
  });
  // Seek positions, apart from the snapshots (a client that ignores the event type ignores them).
  const progressSub = encore.onProgress((progress) => {
    if (sse.size === 0) return;
    const frame = `event: progress\ndata: ${JSON.stringify(progress)}\n\n`;
    for (const res of sse) res.write(frame);
  });
  // Keeps proxies and idle timeouts from cutting the stream; on the clock's
  // shared beat, so it wakes the host no more often than its other housekeeping.
  const keepAlive = options.clock.setCoarseInterval(() => {
    for (const res of sse) res.write(': keep-alive\n\n');
  }, SSE_KEEP_ALIVE_MS);

  /**
   * A download (`stream` in the API table): chunks are pulled one at a time
   * and each waits for the socket to drain, so memory stays flat however large
   * the file; a client that goes away stops the export.
   */
  const sendStream = async (req: http.IncomingMessage, res: http.ServerResponse, name: keyof Encore['streams'], request: unknown) => {
    const gone = new AbortController();
    const onClose = () => gone.abort(new Error('the client closed the connection'));
    res.on('close', onClose);
    try {
      const streamed = await encore.streams[name](request as never, gone.signal);
      res.writeHead(200, {
        'content-type': streamed.contentType,
        'content-disposition': `attachment; filename="${streamed.filename.replace(/[^\w.-]/g, '_')}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      for await (const chunk of streamed.chunks) {
        if (gone.signal.aborted) return;
        if (!res.write(chunk)) await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      res.end();
    } catch (error) {
      // Headers gone already: all that is left is to cut the download short, so it is not taken for complete.
      if (res.headersSent) {
        log.error(`download ${req.url?.split('?')[0]} failed`, error);
        res.destroy();
        return;
      }
      throw error;
    } finally {
      res.off('close', onClose);
    }
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // DNS rebinding: only our own loopback names reach the app.
      if (!allowedHosts.has(req.headers.host ?? '')) return fail(res, 403, 'Host not allowed: use the URL printed at start.');

      if (url.pathname === '/' && url.searchParams.has('token')) {
        if (!safeEqual(url.searchParams.get('token') ?? '', token)) return fail(res, 401, 'The token in this URL is not the one of this run: use the URL printed at start.');
        res.writeHead(302, { location: '/', 'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      if (!url.pathname.startsWith('/api/')) {
        if (serveStatic(req, res, url.pathname)) return;
        return fail(res, 404, `No such page: ${url.pathname}`);
      }
      if (!authorised(req)) return fail(res, 401, 'Missing or wrong token: send "Authorization: Bearer <token>" (see runtime.json).');
      if (url.pathname === '/api/events' && req.method === 'GET') return openEvents(req, res);

      const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      if (!route) {
        const known = ROUTES.some((r) => r.pattern.test(url.pathname));
        return fail(res, known ? 405 : 404, known ? `${req.method} is not allowed on ${url.pathname}` : `No such route: ${req.method} ${url.pathname}`);
      }
      const match = route.pattern.exec(url.pathname)!;
      const input: Record<string, unknown> = req.method === 'GET' || req.method === 'DELETE' ? Object.fromEntries(url.searchParams) : ((await readBody(req)) as Record<string, unknown>);
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ApiError(400, 'body: expected a JSON object');
      route.params.forEach((p, i) => (input[p] = decode(match[i + 1]!, p)));
      const schema = API[route.name].request as z.ZodType;
      const parsed = schema.safeParse(input);
      if (!parsed.success) throw ApiError.invalid(parsed.error);
      if ('stream' in API[route.name]) return await sendStream(req, res, route.name as keyof Encore['streams'], parsed.data);
      const handler = encore.handlers[route.name] as (request: unknown) => unknown;
      const result = await handler(parsed.data);
      send(res, 200, result);
    } catch (error) {
      if (error instanceof ApiError) return send(res, error.status, error.errors.length ? { error: error.message, errors: error.errors } : { error: error.message });
      log.error(`request ${req.method} ${req.url?.split('?')[0]} failed`, error);
      fail(res, 500, error instanceof Error ? error.message : 'internal error');
    }
  });
  // Expect: 100-continue: a body said to be too large is refused before the
  // client sends it (Node would otherwise invite it with a 100 first).
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      res.setHeader('connection', 'close');
      return fail(res, 400, tooLarge().message);
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    url: origin,
    token,
    port,
    close: async () => {
      statusSub.dispose();
      progressSub.dispose();
      keepAlive.dispose();
      for (const res of sse) res.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
