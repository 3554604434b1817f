// Loaded with `node --require` in front of a bundle of src/main/electron/main.ts:
// stands in for the whole 'electron' module in that one child process, then
// drives the app as a person and the OS would (IPC from the window, a tray
// click, suspend and resume, quit) and writes what it saw to ENCORE_SMOKE_OUT.
// It lets the real entry run from top to bottom where no Electron binary can.
/* eslint-disable @typescript-eslint/no-require-imports -- loaded by `node --require`, so CommonJS by nature */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { pathToFileURL } = require('node:url');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OUT = process.env.ENCORE_SMOKE_OUT;
const report = { steps: [], windows: [], ipcChannels: [], pushes: 0, opened: [], error: null, exitCode: null };
const step = (name) => report.steps.push(name);

function event() {
  const e = { defaultPrevented: false, preventDefault: () => void (e.defaultPrevented = true) };
  return e;
}

const ipcHandlers = new Map();
const ipcMain = Object.assign(new EventEmitter(), {
  handle: (channel, fn) => void ipcHandlers.set(channel, fn),
  removeHandler: (channel) => void ipcHandlers.delete(channel),
});

let nextContentsId = 1;
class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextContentsId++;
    this.mainFrame = { url: 'about:blank', parent: null, processId: 10 + this.id, routingId: 1 };
    this.openHandler = null;
  }
  setWindowOpenHandler(fn) {
    this.openHandler = fn;
  }
  send(channel) {
    if (channel === 'encore:status:changed') report.pushes++;
  }
}

const windows = [];
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.visible = false;
    this.destroyed = false;
    this.webContents = new WebContents();
    windows.push(this);
    report.windows.push({ webPreferences: options.webPreferences, show: options.show });
    app.emit('web-contents-created', event(), this.webContents);
  }
  async loadFile(file) {
    this.loadedFile = file;
    this.webContents.mainFrame.url = pathToFileURL(file).href;
  }
  show() { this.visible = true; }
  hide() { this.visible = false; }
  focus() {}
  restore() {}
  isMinimized() { return false; }
  isDestroyed() { return this.destroyed; }
  destroy() { this.destroyed = true; this.emit('closed'); }
  static getAllWindows() { return windows.filter((w) => !w.destroyed); }
}

const trays = [];
class Tray extends EventEmitter {
  constructor(image) {
    super();
    this.images = [image];
    this.tooltips = [];
    this.menus = [];
    trays.push(this);
  }
  setImage(image) { this.images.push(image); }
  setToolTip(text) { this.tooltips.push(text); }
  setContextMenu(menu) { this.menus.push(menu); }
  destroy() { this.destroyed = true; }
}

let ready = false;
const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  name: 'Encore',
  getName: () => 'Encore',
  getVersion: () => '0.1.0',
  getAppPath: () => ROOT,
  getPath: (name) => path.join(process.env.ENCORE_DATA_DIR ?? ROOT, `electron-${name}`),
  isReady: () => ready,
  requestSingleInstanceLock: () => true,
  enableSandbox: () => step('enableSandbox'),
  whenReady: () => Promise.resolve().then(() => { ready = true; setImmediate(drive); }),
  getLoginItemSettings: () => ({ openAtLogin: false }),
  setLoginItemSettings: () => {},
  quit() {
    const e = event();
    app.emit('before-quit', e);
    if (!e.defaultPrevented) app.exit(0);
  },
  exit(code) {
    report.exitCode = code;
    report.dbFiles = fs.readdirSync(process.env.ENCORE_DATA_DIR).sort();
    fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
    process.exit(code);
  },
});

const electron = {
  app,
  BrowserWindow,
  Tray,
  ipcMain,
  Menu: { buildFromTemplate: (template) => ({ template }) },
  nativeImage: { createFromPath: (file) => ({ file }) },
  Notification: Object.assign(function Notification() {}, { isSupported: () => false }),
  powerMonitor: new EventEmitter(),
  safeStorage: {
    isAsyncEncryptionAvailable: async () => false,
    encryptStringAsync: async () => { throw new Error('unavailable'); },
    decryptStringAsync: async () => { throw new Error('unavailable'); },
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: () => {} },
      setPermissionRequestHandler: () => {},
      setPermissionCheckHandler: () => {},
    },
  },
  shell: { openExternal: async (url) => void report.opened.push(url), openPath: async () => '' },
  dialog: { showErrorBox: (title, message) => { report.error = `${title}: ${message}`; } },
  webContents: { getAllWebContents: () => windows.map((w) => w.webContents) },
};

// Answer require('electron') with the stand-in (and never run electron/index.js, which would try to download).
const electronPath = require.resolve('electron', { paths: [ROOT] });
const Module = require('node:module');
const stubModule = new Module(electronPath);
stubModule.filename = electronPath;
stubModule.loaded = true;
stubModule.exports = electron;
require.cache[electronPath] = stubModule;

// --- the driver
const labels = (tray) => {
  const menu = tray.menus.at(-1);
  return menu ? menu.template.map((i) => i.label ?? '---') : [];
};
async function until(what, ok, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function drive() {
  try {
    await until('the tray and IPC handlers', () => trays.length > 0 && trays[0].menus.length > 0 && ipcHandlers.has('encore:status:get'));
    step('ready');
    report.ipcChannels = [...ipcHandlers.keys()].sort();
    const tray = trays[0];
    const win = windows[0];
    const trusted = { sender: { id: win.webContents.id }, senderFrame: win.webContents.mainFrame };
    report.status = await ipcHandlers.get('encore:status:get')(trusted, {});
    report.foreign = await ipcHandlers.get('encore:restore:all')({ sender: { id: 999 }, senderFrame: { ...win.webContents.mainFrame, processId: 999 } }, {});
    report.badPayload = await ipcHandlers.get('encore:service:restart')(trusted, { id: 'everything' });
    report.windowOpen = win.webContents.openHandler({ url: 'https://www.last.fm/' });
    const nav = Object.assign(event(), { url: 'https://evil.example/' });
    win.webContents.emit('will-navigate', nav);
    report.navigationBlocked = nav.defaultPrevented;

    await until('Roon OK in the tray', () => labels(tray).some((l) => l.startsWith('Roon: OK')));
    step('roon-ok');
    electron.powerMonitor.emit('suspend');
    await until('paused for sleep in the tray', () => labels(tray).some((l) => l === 'Roon: Paused for sleep'));
    report.pausedImage = tray.images.at(-1).file;
    step('suspended');
    electron.powerMonitor.emit('resume');
    await until('Roon OK again after resume', () => labels(tray).some((l) => l.startsWith('Roon: OK')));
    step('resumed');
    report.menu = labels(tray);
    report.tooltip = tray.tooltips.at(-1);
    tray.emit('click');
    report.windowVisibleAfterTrayClick = win.visible;
  } catch (error) {
    report.error = String(error && error.stack ? error.stack : error);
  }
  app.quit();
}

setTimeout(() => {
  report.error = report.error ?? 'the smoke run did not finish within 40 s';
  app.exit(3);
}, 40_000).unref();
