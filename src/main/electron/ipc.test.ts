import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { API, ApiError, type ApiHandlers, type ApiName } from '../../shared/api';
import { MemoryLogger } from '../core/logger';
import { callApi, createSenderCheck, registerIpcHandlers, type FrameIdentity, type IpcMainLike, type SenderInfo } from './ipc';

const RENDERER = path.resolve('/opt/Encore/resources/app.asar/dist/renderer/index.html');
const RENDERER_URL = pathToFileURL(RENDERER).href;

function fakeHandlers(): ApiHandlers & Record<ApiName, ReturnType<typeof vi.fn>> {
  return Object.fromEntries((Object.keys(API) as ApiName[]).map((name) => [name, vi.fn(async () => ({ ok: true as const }))])) as never;
}

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: never, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: never, ...args: unknown[]) => Promise<unknown>) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: SenderInfo, ...args: unknown[]) {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h(event as never, ...args);
  }
}

const mainFrame: FrameIdentity = { url: RENDERER_URL, parent: null, processId: 7, routingId: 1 };
const ourWindow = { webContents: { id: 3, mainFrame } };
const fromOurWindow: SenderInfo = { sender: { id: 3 }, senderFrame: { ...mainFrame } };

function setup() {
  const ipcMain = new FakeIpcMain();
  const handlers = fakeHandlers();
  const logger = new MemoryLogger();
  const isTrustedSender = createSenderCheck({ window: () => ourWindow, rendererFile: RENDERER });
  const registration = registerIpcHandlers({ ipcMain, handlers, isTrustedSender, logger });
  return { ipcMain, handlers, logger, registration };
}

describe('registerIpcHandlers', () => {
  it('registers one handler per API entry and removes them all on dispose', () => {
    const { ipcMain, registration } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.values(API).map((c) => c.channel).sort());
    registration.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('calls the handler with the parsed request (defaults filled in)', async () => {
    const { ipcMain, handlers } = setup();
    await expect(ipcMain.invoke(API.restartService.channel, fromOurWindow, { id: 'roon' })).resolves.toEqual({ ok: true, value: { ok: true } });
    expect(handlers.restartService).toHaveBeenCalledWith({ id: 'roon' });
    await ipcMain.invoke(API.getPlaysPerDay.channel, fromOurWindow, {});
    expect(handlers.getPlaysPerDay).toHaveBeenCalledWith({ days: 30 });
    await ipcMain.invoke(API.getStatus.channel, fromOurWindow);
    expect(handlers.getStatus).toHaveBeenCalledWith({});
  });

  it('rejects a payload that does not match the schema, without calling the handler', async () => {
    const { ipcMain, handlers } = setup();
    const bad = await ipcMain.invoke(API.restartService.channel, fromOurWindow, { id: 'everything' });
    expect(bad).toMatchObject({ ok: false, error: { status: 400 } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/^id: /);
    expect(await ipcMain.invoke(API.restoreAll.channel, fromOurWindow, { extra: true })).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await ipcMain.invoke(API.saveSettings.channel, fromOurWindow, { lastfm: { apiKey: 'nope' } })).toMatchObject({
      ok: false,
      error: { status: 400, message: 'lastfm.apiKey: an API key is 32 hexadecimal characters', errors: [{ field: 'lastfm.apiKey', message: 'an API key is 32 hexadecimal characters' }] },
    });
    expect(await ipcMain.invoke(API.getPlays.channel, fromOurWindow, 'DROP TABLE plays')).toMatchObject({ ok: false, error: { status: 400 } });
    expect(handlers.restartService).not.toHaveBeenCalled();
    expect(handlers.restoreAll).not.toHaveBeenCalled();
    expect(handlers.saveSettings).not.toHaveBeenCalled();
    expect(handlers.getPlays).not.toHaveBeenCalled();
  });

  it.each<[string, SenderInfo]>([
    ['no frame (navigated or destroyed)', { sender: { id: 3 }, senderFrame: null }],
    ['another WebContents', { sender: { id: 4 }, senderFrame: { ...mainFrame } }],
    ['a subframe of our window', { sender: { id: 3 }, senderFrame: { ...mainFrame, parent: mainFrame, routingId: 2 } }],
    ['a different frame in our process', { sender: { id: 3 }, senderFrame: { ...mainFrame, routingId: 9 } }],
    ['our frame after navigating to a web page', { sender: { id: 3 }, senderFrame: { ...mainFrame, url: 'https://evil.example/' } }],
    ['our frame showing another local file', { sender: { id: 3 }, senderFrame: { ...mainFrame, url: pathToFileURL('/tmp/index.html').href } }],
  ])('refuses a call from %s', async (_name, sender) => {
    const { ipcMain, handlers, logger } = setup();
    const result = await ipcMain.invoke(API.restoreAll.channel, sender, {});
    expect(result).toEqual({ ok: false, error: { status: 403, message: 'This window may not talk to Encore.' } });
    expect(handlers.restoreAll).not.toHaveBeenCalled();
    expect(logger.lines.some((l) => l.level === 'warn' && /unknown sender/.test(l.message))).toBe(true);
  });

  it('accepts our renderer with a hash or query, and refuses everything while no window exists', async () => {
    const check = createSenderCheck({ window: () => ourWindow, rendererFile: RENDERER });
    expect(check({ sender: { id: 3 }, senderFrame: { ...mainFrame, url: `${RENDERER_URL}#/settings` } })).toBe(true);
    expect(check({ sender: { id: 3 }, senderFrame: { ...mainFrame, url: `${RENDERER_URL}?tab=plays` } })).toBe(true);
    expect(createSenderCheck({ window: () => null, rendererFile: RENDERER })(fromOurWindow)).toBe(false);
  });
});

describe('callApi', () => {
  const logger = new MemoryLogger();

  it('turns an ApiError into its status and message', async () => {
    const handlers = fakeHandlers();
    handlers.runJob.mockRejectedValue(new ApiError(404, 'no job "weekly"'));
    expect(await callApi('runJob', { id: 'weekly' }, handlers, logger)).toEqual({ ok: false, error: { status: 404, message: 'no job "weekly"' } });
  });

  it('turns an unexpected error into a clean message, redacted, and logs it', async () => {
    const handlers = fakeHandlers();
    const log = new MemoryLogger();
    handlers.startImport.mockRejectedValue(new Error('GET https://ws.audioscrobbler.com/2.0/?api_key=0123456789abcdef0123456789abcdef failed'));
    const result = await callApi('startImport', {}, handlers, log);
    expect(result).toEqual({ ok: false, error: { status: 500, message: 'Encore could not do that: GET https://ws.audioscrobbler.com/2.0/?api_key=[redacted] failed' } });
    expect(JSON.stringify(log.lines)).not.toContain('0123456789abcdef0123456789abcdef');
    expect(log.lines[0]).toMatchObject({ level: 'error', message: 'startImport failed' });
  });

  it('passes a handler result through unchanged', async () => {
    const handlers = fakeHandlers();
    handlers.getLogTail.mockResolvedValue({ lines: ['a', 'b'], file: '/data/logs/encore.log' });
    expect(await callApi('getLogTail', { lines: 2 }, handlers, logger)).toEqual({ ok: true, value: { lines: ['a', 'b'], file: '/data/logs/encore.log' } });
    expect(handlers.getLogTail).toHaveBeenCalledWith({ lines: 2 });
  });

  it('accepts a handler that answers synchronously', async () => {
    const handlers = fakeHandlers();
    handlers.pauseTracking.mockImplementation(() => ({ ok: true }));
    expect(await callApi('pauseTracking', {}, handlers, logger)).toEqual({ ok: true, value: { ok: true } });
  });
});
