import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { fakeEvent, FakeEmitter } from '../../../tests/electron/stand-ins';
import { MemoryLogger } from '../core/logger';
import {
  CONTENT_SECURITY_POLICY,
  denyAllPermissions,
  guardWebContents,
  installContentSecurityPolicy,
  isAllowedExternalUrl,
  isTrustedRendererUrl,
  openExternalSafely,
  StatusWindow,
  statusWindowOptions,
  type GuardedContents,
  type WindowHandle,
} from './window';

const RENDERER = path.resolve('/opt/Encore/dist/renderer/index.html');
const PRELOAD = path.resolve('/opt/Encore/dist/preload/index.cjs');

describe('statusWindowOptions', () => {
  it('turns on every isolation the checklist asks for', () => {
    const prefs = statusWindowOptions(PRELOAD).webPreferences!;
    expect(prefs).toMatchObject({
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
  });

  it('starts hidden, so a tray app never flashes a window at login', () => {
    expect(statusWindowOptions(PRELOAD).show).toBe(false);
  });
});

describe('URL checks', () => {
  it('trusts only our renderer file', () => {
    const url = pathToFileURL(RENDERER).href;
    expect(isTrustedRendererUrl(url, RENDERER)).toBe(true);
    expect(isTrustedRendererUrl(`${url}#/plays`, RENDERER)).toBe(true);
    expect(isTrustedRendererUrl(pathToFileURL(path.resolve('/opt/Encore/dist/renderer/other.html')).href, RENDERER)).toBe(false);
    expect(isTrustedRendererUrl('https://example.com/index.html', RENDERER)).toBe(false);
    expect(isTrustedRendererUrl('file://evil-host/opt/Encore/dist/renderer/index.html', RENDERER)).toBe(false);
    expect(isTrustedRendererUrl('not a url', RENDERER)).toBe(false);
  });

  it('lets only plain web links out', () => {
    expect(isAllowedExternalUrl('https://www.last.fm/user/someone')).toBe(true);
    expect(isAllowedExternalUrl('http://roonlabs.com/')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://share/x', 'ms-msdt:/id', 'https://user:pw@example.com/', 'data:text/html,hi', 'nonsense', 'https://']) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('opens allowed links through the shell and refuses the rest with a log line', () => {
    const shell = { openExternal: vi.fn(async () => {}) };
    const logger = new MemoryLogger();
    expect(openExternalSafely(shell, 'https://www.last.fm/', logger)).toBe(true);
    expect(openExternalSafely(shell, 'file:///Applications/Calculator.app', logger)).toBe(false);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(shell.openExternal).toHaveBeenCalledWith('https://www.last.fm/');
    expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
  });
});

class FakeContents extends FakeEmitter implements GuardedContents {
  openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | null = null;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse) {
    this.openHandler = handler;
  }
}

describe('guardWebContents', () => {
  function setup() {
    const contents = new FakeContents();
    const opened: string[] = [];
    guardWebContents(contents, { rendererFile: RENDERER, openExternal: (url) => opened.push(url), logger: new MemoryLogger() });
    return { contents, opened };
  }

  it('blocks navigation and redirects away from our page', () => {
    const { contents } = setup();
    for (const event of ['will-navigate', 'will-redirect']) {
      const away = fakeEvent({ url: 'https://evil.example/' });
      contents.emit(event, away);
      expect(away.defaultPrevented, event).toBe(true);
      const home = fakeEvent({ url: pathToFileURL(RENDERER).href });
      contents.emit(event, home);
      expect(home.defaultPrevented, event).toBe(false);
    }
  });

  it('denies every new window and hands the link to the checked opener', () => {
    const { contents, opened } = setup();
    expect(contents.openHandler!({ url: 'https://www.last.fm/music/Low' } as HandlerDetails)).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://www.last.fm/music/Low']);
  });

  it('refuses webviews', () => {
    const { contents } = setup();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event);
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('installContentSecurityPolicy', () => {
  it('sets our policy on every response and replaces any other, and removes itself', () => {
    let listener: Parameters<Parameters<typeof installContentSecurityPolicy>[0]['webRequest']['onHeadersReceived']>[0] = null;
    const session = { webRequest: { onHeadersReceived: vi.fn((l: typeof listener) => (listener = l)) } };
    const registration = installContentSecurityPolicy(session);
    let result: Record<string, string | string[]> | undefined;
    listener!({ url: 'http://localhost:5173/', responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => (result = r.responseHeaders));
    expect(result).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    registration.dispose();
    expect(session.webRequest.onHeadersReceived).toHaveBeenLastCalledWith(null);
  });

  it('is strict: nothing from anywhere but the app itself', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('denyAllPermissions', () => {
  it('refuses every permission request and check, and removes its handlers', () => {
    let request: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
    let check: ((c: unknown, p: string) => boolean) | null = null;
    const session = {
      setPermissionRequestHandler: vi.fn((h: typeof request) => void (request = h)),
      setPermissionCheckHandler: vi.fn((h: typeof check) => void (check = h)),
    };
    const registration = denyAllPermissions(session);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const granted = vi.fn();
      request!({}, permission, granted);
      expect(granted).toHaveBeenCalledWith(false);
      expect(check!({}, permission)).toBe(false);
    }
    registration.dispose();
    expect(session.setPermissionRequestHandler).toHaveBeenLastCalledWith(null);
    expect(session.setPermissionCheckHandler).toHaveBeenLastCalledWith(null);
  });
});

class FakeWindow extends FakeEmitter implements WindowHandle {
  visible = false;
  destroyed = false;
  minimized = false;
  loaded: string | null = null;
  readonly sent: [string, unknown[]][] = [];
  readonly webContents = {
    id: 1,
    mainFrame: { url: pathToFileURL(RENDERER).href, parent: null, processId: 1, routingId: 1 },
    send: (channel: string, ...args: unknown[]) => void this.sent.push([channel, args]),
  };
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
  }
  async loadFile(file: string) {
    this.loaded = file;
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.emit('closed');
  }
  /** What the OS does when the user clicks the close box. */
  userClose() {
    const event = fakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
}

describe('StatusWindow', () => {
  function setup() {
    const windows: FakeWindow[] = [];
    const status = new StatusWindow({
      createWindow: (options) => {
        const w = new FakeWindow(options);
        windows.push(w);
        return w;
      },
      preloadFile: PRELOAD,
      rendererFile: RENDERER,
      logger: new MemoryLogger(),
    });
    return { status, windows };
  }

  it('creates the window on first show only, with the secure options and our renderer', () => {
    const { status, windows } = setup();
    expect(windows).toHaveLength(0);
    status.send('encore:status:changed', {}); // no window yet: nothing to do, no error
    status.show();
    status.show();
    expect(windows).toHaveLength(1);
    expect(windows[0]!.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, preload: PRELOAD });
    expect(windows[0]!.loaded).toBe(RENDERER);
    expect(windows[0]!.visible).toBe(true);
  });

  it('hides instead of closing, until the app quits', () => {
    const { status, windows } = setup();
    status.show();
    const win = windows[0]!;
    win.userClose();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    status.show();
    expect(windows).toHaveLength(1);
    status.prepareToQuit();
    win.userClose();
    expect(win.destroyed).toBe(true);
    expect(status.current).toBeNull();
  });

  it('sends to the live window and restores a minimised one', () => {
    const { status, windows } = setup();
    status.show();
    status.send('encore:status:changed', { version: 2 });
    expect(windows[0]!.sent).toEqual([['encore:status:changed', [{ version: 2 }]]]);
    windows[0]!.minimized = true;
    status.show();
    expect(windows[0]!.minimized).toBe(false);
  });

  it('destroys the window on dispose', () => {
    const { status, windows } = setup();
    status.show();
    status.dispose();
    expect(windows[0]!.destroyed).toBe(true);
    expect(status.current).toBeNull();
  });
});
