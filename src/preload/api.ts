// The window's API, generated from the shared API table: one task-shaped
// function per call and a status subscription. It receives the two ipcRenderer
// methods it needs and keeps them to itself, so the object handed to
// contextBridge carries no route back to ipcRenderer.
import type { ApiName, EncoreApi } from '../shared/api';
import type { NowPlayingProgress, StatusSnapshot } from '../shared/status';
import { CHANNELS, PROGRESS_PUSH_CHANNEL, STATUS_PUSH_CHANNEL } from './channels';
import { unwrapIpcResult } from './ipc-result';

export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createEncoreApi(ipc: PreloadIpc): EncoreApi {
  const calls = Object.fromEntries(
    (Object.keys(CHANNELS) as ApiName[]).map((name) => {
      const channel = CHANNELS[name];
      // `?? {}`: getStatus() reads better than getStatus({}) in the window.
      const call = async (request?: unknown) => unwrapIpcResult(await ipc.invoke(channel, request ?? {}));
      return [name, call];
    }),
  );
  const subscribe =
    <T>(channel: string) =>
    (listener: (payload: T) => void) => {
      // The IPC event (and its `sender`) stays here; the window gets the payload only.
      const relay = (_event: unknown, payload: unknown) => listener(payload as T);
      ipc.on(channel, relay);
      return () => void ipc.removeListener(channel, relay);
    };
  const onStatus = subscribe<StatusSnapshot>(STATUS_PUSH_CHANNEL);
  const onProgress = subscribe<NowPlayingProgress>(PROGRESS_PUSH_CHANNEL);
  return Object.freeze({ ...calls, onStatus, onProgress }) as EncoreApi;
}
