import { render } from 'preact';
import type { EncoreApi } from '../shared/api';
import { App } from './app';
import { createHttpApi } from './bridge';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a plain browser. */
    encore?: EncoreApi;
  }
}

const api = window.encore ?? createHttpApi();
render(<App api={api} />, document.getElementById('app')!);
