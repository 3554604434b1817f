import { render } from 'preact';
import type { EncoreApi } from '../shared/api';
import { App } from './app';
import { createHttpApi } from './bridge';
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
const api = window.encore ?? createHttpApi({ onConnectionChange: (connected) => connection.set(connected) });
render(<App api={api} connection={connection} />, document.getElementById('app')!);
