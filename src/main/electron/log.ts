// The desktop's log: electron-log's main-process entry, one rotating file in
// the data directory, secrets redacted by the shared adapter's hook.
import path from 'node:path';
import { ipcMain } from 'electron';
import log from 'electron-log/main';
import type { Logger } from '../core/logger';
import { configureElectronLog } from '../log-adapter';

export function logFileIn(dataDir: string): string {
  return path.join(dataDir, 'logs', 'encore.log');
}

export function createDesktopLogger(dataDir: string, options: { debug: boolean }): Logger {
  const logger = configureElectronLog(log, { file: logFileIn(dataDir), level: options.debug ? 'debug' : 'info', console: options.debug });
  // No log.initialize(): that injects a preload for renderer logging, and our sandboxed window logs nothing of its own.
  // electron-log also opens an IPC channel for renderer logs on import; nothing of ours uses it, so close it.
  ipcMain.removeAllListeners('__ELECTRON_LOG__');
  ipcMain.removeHandler('__ELECTRON_LOG__');
  log.errorHandler.startCatching({ showDialog: false });
  return logger;
}
