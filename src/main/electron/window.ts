// The status window: created on first use, hidden rather than closed (this is
// a tray app), locked down per Electron's security checklist.
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { toDisposable, type Disposable } from '../core/disposable';
import type { Logger } from '../core/logger';

/**
 * The renderer's policy. index.html carries the same one in a meta tag, which
 * is what governs the file:// page; this header covers anything the session
 * loads over http(s) (a dev server, a page that slipped past the navigation guard).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function statusWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1040,
    height: 760,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Encore',
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** Our renderer and nothing else: file:// and exactly our index.html (query and hash aside). */
export function isTrustedRendererUrl(url: string, rendererFile: string): boolean {
  let actual: URL;
  try {
    actual = new URL(url);
  } catch {
    return false;
  }
  const expected = pathToFileURL(rendererFile);
  return actual.protocol === 'file:' && actual.host === expected.host && decodeURIComponent(actual.pathname) === decodeURIComponent(expected.pathname);
}

const EXTERNAL_PROTOCOLS = new Set(['https:', 'http:']);

/** The one gate for links leaving the app: web pages only, no credentials, no file:, no custom schemes. */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return EXTERNAL_PROTOCOLS.has(u.protocol) && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export function openExternalSafely(shell: { openExternal(url: string): Promise<void> }, url: string, logger: Logger): boolean {
  if (!isAllowedExternalUrl(url)) {
    logger.warn('refused to open a link outside the allow-list', { url: url.slice(0, 200) });
    return false;
  }
  shell.openExternal(url).catch((error: unknown) => logger.warn('could not open a link in the browser', error));
  return true;
}

/** The parts of WebContents the guards touch. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Event & { url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Event) => void): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
}

/**
 * Applied to every WebContents the app creates (app 'web-contents-created'):
 * no navigation away from our page, no new windows (http(s) links open in the
 * browser instead), no webviews.
 */
export function guardWebContents(contents: GuardedContents, options: { rendererFile: string; openExternal: (url: string) => void; logger: Logger }): void {
  const stay = (event: Event & { url: string }) => {
    if (isTrustedRendererUrl(event.url, options.rendererFile)) return;
    event.preventDefault();
    options.logger.warn('blocked navigation away from the app', { url: event.url.slice(0, 200) });
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    options.openExternal(url);
    return { action: 'deny' };
  });
}

type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void,
) => void;

/** Adds our CSP to every response the session receives, replacing any other. */
export function installContentSecurityPolicy(session: { webRequest: { onHeadersReceived(listener: HeadersListener | null): void } }): Disposable {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  return toDisposable(() => session.webRequest.onHeadersReceived(null));
}

/**
 * The window needs no camera, microphone, geolocation, notifications (the
 * main process shows those) or anything else a web page may ask for.
 */
export function denyAllPermissions(session: {
  setPermissionRequestHandler(handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void;
}): Disposable {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  return toDisposable(() => {
    session.setPermissionRequestHandler(null);
    session.setPermissionCheckHandler(null);
  });
}

/** What StatusWindow uses of a BrowserWindow; tests hand in a stand-in. */
export interface WindowHandle {
  loadFile(file: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  destroy(): void;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  on(event: 'close', listener: (event: Event) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  webContents: {
    readonly id: number;
    /** Read by the IPC sender check: only this frame may call. */
    readonly mainFrame: { readonly url: string; readonly parent: unknown; readonly processId: number; readonly routingId: number };
    send(channel: string, ...args: unknown[]): void;
  };
}

export interface StatusWindowOptions {
  createWindow(options: BrowserWindowConstructorOptions): WindowHandle;
  preloadFile: string;
  rendererFile: string;
  logger: Logger;
}

export class StatusWindow implements Disposable {
  private window: WindowHandle | null = null;
  private allowClose = false;

  constructor(private readonly options: StatusWindowOptions) {}

  /** The live window, if one was opened: the IPC sender check compares against it. */
  get current(): WindowHandle | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  show(): void {
    const win = this.current ?? this.create();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** Sends to the window if there is one; a tray app often has none, and that is fine. */
  send(channel: string, payload: unknown): void {
    this.current?.webContents.send(channel, payload);
  }

  /** From now on, close really closes: the app is quitting. */
  prepareToQuit(): void {
    this.allowClose = true;
  }

  dispose(): void {
    this.allowClose = true;
    this.current?.destroy();
    this.window = null;
  }

  private create(): WindowHandle {
    const win = this.options.createWindow(statusWindowOptions(this.options.preloadFile));
    this.window = win;
    win.on('close', (event) => {
      if (this.allowClose) return;
      // Closing the window must not stop the tracking; the tray brings it back.
      event.preventDefault();
      win.hide();
    });
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    win.loadFile(this.options.rendererFile).catch((error: unknown) => this.options.logger.error('the status window did not load', error));
    return win;
  }
}
