// Runs sandboxed, bundled into one file (dist/preload/index.cjs).
import { contextBridge, ipcRenderer } from 'electron';
import { createEncoreApi } from './api';

contextBridge.exposeInMainWorld(
  'encore',
  createEncoreApi({
    invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    on: (channel, listener) => ipcRenderer.on(channel, listener),
    removeListener: (channel, listener) => ipcRenderer.removeListener(channel, listener),
  }),
);
