// A body over the 64 KB limit always gets its answer before the connection
// closes, however the client sends it: 1 MB in chunks with Content-Length,
// chunked transfer encoding, or Expect: 100-continue, on a kept-alive connection.
import net from 'node:net';
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
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-limits-'));
  headless = await startHeadless({ dataDir, config: parseConfig({ roon: { discovery: LOOPBACK_DISCOVERY } }), powerTriggers: [], logger: new MemoryLogger(), rendererDir: null });
});
afterAll(async () => {
  await headless?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface RawExchange {
  /** Everything the server sent before it closed (or before we stopped). */
  received: string;
  /** The client's write failed (the server reset the connection while we sent). */
  writeError: string | null;
  closed: boolean;
}

/**
 * A real client over a socket: sends the head, then the body in 16 KB chunks,
 * yielding between them; waits for the first response head when asked to
 * (100-continue), and reads until the server closes.
 */
function exchange(head: string, body: Buffer, options: { chunked?: boolean; waitForContinue?: boolean; then?: string } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(headless.http.port, '127.0.0.1');
    const result: RawExchange = { received: '', writeError: null, closed: false };
    let continued: () => void = () => undefined;
    const gotContinue = new Promise<void>((r) => (continued = r));
    socket.on('data', (d) => {
      result.received += d.toString('latin1');
      if (/^HTTP\/1\.1 100/.test(result.received) || /^HTTP\/1\.1 [2-5]\d\d/m.test(result.received)) continued();
    });
    socket.on('error', (e) => (result.writeError ??= e.message));
    socket.on('close', () => {
      result.closed = true;
      resolve(result);
    });
    socket.write(head);
    void (async () => {
      if (options.waitForContinue) await gotContinue;
      if (/^HTTP\/1\.1 [45]\d\d/.test(result.received)) return;
      for (let offset = 0; offset < body.length && !socket.destroyed; offset += 16 * 1024) {
        const chunk = body.subarray(offset, offset + 16 * 1024);
        const ok = options.chunked ? [socket.write(`${chunk.length.toString(16)}\r\n`), socket.write(chunk), socket.write('\r\n')].every(Boolean) : socket.write(chunk);
        await new Promise((r) => (ok ? setImmediate(r) : socket.once('drain', r)));
      }
      if (options.chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      // A second request on the same (kept-alive) connection, once the first is answered.
      if (options.then && !socket.destroyed) socket.write(options.then);
    })();
    // Stops reading once we have a full answer; the server should close on its own.
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

const MB = Buffer.from(`{"x":"${'a'.repeat(1024 * 1024)}"}`);
const headFor = (extra: string) => `PUT /api/settings HTTP/1.1\r\nHost: 127.0.0.1:${headless.http.port}\r\nAuthorization: Bearer ${headless.token}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n${extra}\r\n`;

const statusRequest = () => `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${headless.http.port}\r\nAuthorization: Bearer ${headless.token}\r\nConnection: close\r\n\r\n`;

function expectAnswered(r: RawExchange): void {
  const status = /HTTP\/1\.1 (4\d\d)/.exec(r.received)?.[1];
  expect(status ?? `no answer before the close: ${JSON.stringify(r).slice(0, 300)}`).toMatch(/^(400|413)$/);
  expect(r.received).toMatch(/body: larger than 65536 bytes/);
  expect(r.writeError).toBeNull();
  expect(r.closed).toBe(true);
}

/** The refused body was read to its end, so the same connection answered the next request. */
function expectStillUsable(r: RawExchange): void {
  expect(r.received).toMatch(/HTTP\/1\.1 400[\s\S]*HTTP\/1\.1 200[\s\S]*"services"/);
}

describe('oversized request bodies', () => {
  it('1 MB with Content-Length, sent in chunks: answered, the rest read and dropped, the connection still usable', async () => {
    const r = await exchange(headFor(`Content-Length: ${MB.length}\r\n`), MB, { then: statusRequest() });
    expectAnswered(r);
    expectStillUsable(r);
  });

  it('1 MB with chunked transfer encoding: answered, the rest read and dropped, the connection still usable', async () => {
    const r = await exchange(headFor('Transfer-Encoding: chunked\r\n'), MB, { chunked: true, then: statusRequest() });
    expectAnswered(r);
    expectStillUsable(r);
  });

  it('Expect: 100-continue with a too-large Content-Length: answered without reading the body', async () => {
    const r = await exchange(headFor(`Content-Length: ${MB.length}\r\nExpect: 100-continue\r\n`), MB, { waitForContinue: true });
    expectAnswered(r);
    expect(r.received).not.toMatch(/HTTP\/1\.1 100/);
  });

  it('Expect: 100-continue with a small body: invited, then answered', async () => {
    const body = Buffer.from(JSON.stringify({ notifications: { enabled: true } }));
    const r = await exchange(headFor(`Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n`), body, { waitForContinue: true });
    expect(r.received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/);
  });

  it('a body just under the limit on the same kept-alive connection still works, and the API answers after the big ones', async () => {
    const body = Buffer.from(JSON.stringify({ lastfm: { pollSeconds: 90 }, notifications: { enabled: true } }));
    const r = await exchange(headFor(`Content-Length: ${body.length}\r\nConnection: close\r\n`), body);
    expect(r.received).toMatch(/^HTTP\/1\.1 200/);
    const status = await fetch(`${headless.url}/api/status`, { headers: { authorization: `Bearer ${headless.token}` } });
    expect(status.status).toBe(200);
  });
});
