import { render } from 'preact';
import type { EncoreApi } from '../shared/api';
import { App } from './app';
import { createHttpClient, ipcTransport } from './bridge';
import { createConnectionState } from './lib/connection';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a plain browser. */
    encore?: EncoreApi;
  }
}

// In Electron the preload's IPC cannot drop; over HTTP the event stream can,
// and the window says so rather than showing a stale picture as live.
const connection = createConnectionState();
const client = window.encore
  ? { api: window.encore, transport: ipcTransport(window.encore) }
  : createHttpClient({ onConnectionChange: (connected) => connection.set(connected) });
render(<App api={client.api} transport={client.transport} connection={connection} />, document.getElementById('app')!);
