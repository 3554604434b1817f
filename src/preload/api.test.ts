import { describe, expect, it, vi } from 'vitest';
import { API, PROGRESS_PUSH_CHANNEL, STATUS_PUSH_CHANNEL, type ApiName } from '../shared/api';
import { createEncoreApi, type PreloadIpc } from './api';
import { CHANNELS, PROGRESS_PUSH_CHANNEL as PRELOAD_PROGRESS_CHANNEL, STATUS_PUSH_CHANNEL as PRELOAD_PUSH_CHANNEL } from './channels';
import { EncoreCallError } from './ipc-result';

class FakeIpcRenderer implements PreloadIpc {
  readonly listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  invoke = vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, value: { ok: true } }));
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
  }
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
    this.listeners.get(channel)?.delete(listener);
  }
  push(channel: string, ...args: unknown[]) {
    for (const l of this.listeners.get(channel) ?? []) l({ sender: this, senderId: 0 }, ...args);
  }
}

describe('CHANNELS', () => {
  it('matches the API table entry for entry', () => {
    expect(CHANNELS).toEqual(Object.fromEntries(Object.entries(API).map(([name, call]) => [name, call.channel])));
    expect(PRELOAD_PUSH_CHANNEL).toBe(STATUS_PUSH_CHANNEL);
    expect(PRELOAD_PROGRESS_CHANNEL).toBe(PROGRESS_PUSH_CHANNEL);
  });
});

describe('createEncoreApi', () => {
  it('exposes exactly one function per API entry plus onStatus and onProgress', () => {
    const api = createEncoreApi(new FakeIpcRenderer());
    expect(Object.keys(api).sort()).toEqual([...Object.keys(API), 'onStatus', 'onProgress'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('never exposes ipcRenderer or anything that reaches it', () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc) as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(api)) {
      expect(value, name).not.toBe(ipc);
      expect(Object.keys(value as object), name).toEqual([]);
    }
    expect(['ipcRenderer', 'invoke', 'send', 'on', 'removeListener'].some((k) => k in api)).toBe(false);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('invokes each call on its own channel with the request', async () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc);
    await api.restartService({ id: 'roon' });
    expect(ipc.invoke).toHaveBeenLastCalledWith('encore:service:restart', { id: 'roon' });
    for (const name of Object.keys(API) as ApiName[]) {
      await (api[name] as (r?: unknown) => Promise<unknown>)();
      expect(ipc.invoke).toHaveBeenLastCalledWith(API[name].channel, {});
    }
  });

  it('resolves with the value and rejects with the clean message', async () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc);
    ipc.invoke.mockResolvedValueOnce({ ok: true, value: { lines: ['x'], file: null } });
    await expect(api.getLogTail({ lines: 1 })).resolves.toEqual({ lines: ['x'], file: null });
    ipc.invoke.mockResolvedValueOnce({ ok: false, error: { status: 400, message: 'id: Invalid option' } });
    const error = await api.restartService({ id: 'roon' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncoreCallError);
    expect(error).toMatchObject({ message: 'id: Invalid option', status: 400 });
    ipc.invoke.mockResolvedValueOnce('garbage');
    await expect(api.getStatus({})).rejects.toThrow(/does not understand/);
  });

  it('relays status pushes without the IPC event, and unsubscribes', () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc);
    const seen: unknown[][] = [];
    const off = api.onStatus((...args: unknown[]) => seen.push(args));
    ipc.push(STATUS_PUSH_CHANNEL, { version: 1 });
    expect(seen).toEqual([[{ version: 1 }]]);
    off();
    ipc.push(STATUS_PUSH_CHANNEL, { version: 2 });
    expect(seen).toHaveLength(1);
    expect(ipc.listeners.get(STATUS_PUSH_CHANNEL)?.size).toBe(0);
  });

  it('relays progress pushes on their own channel, apart from status', () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc);
    const progress = vi.fn();
    const status = vi.fn();
    const off = api.onProgress(progress);
    api.onStatus(status);
    ipc.push(PROGRESS_PUSH_CHANNEL, { service: 'roon', at: '', zones: [] });
    expect(progress).toHaveBeenCalledWith({ service: 'roon', at: '', zones: [] });
    expect(status).not.toHaveBeenCalled();
    off();
    expect(ipc.listeners.get(PROGRESS_PUSH_CHANNEL)?.size).toBe(0);
  });

  it('gives each subscriber its own unsubscribe', () => {
    const ipc = new FakeIpcRenderer();
    const api = createEncoreApi(ipc);
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.onStatus(a);
    api.onStatus(b);
    offA();
    ipc.push(STATUS_PUSH_CHANNEL, { version: 3 });
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledOnce();
  });
});
