// electron-log behind our Logger port. Shared by both hosts: the desktop app
// passes electron-log's main-process entry, the headless host its node entry;
// neither is imported here, so this file runs anywhere.
import type { Hook, LogFunctions } from 'electron-log';
import { redact, type Logger } from './core/logger';

/** The parts of an electron-log instance (main or node entry) used here. */
export interface ElectronLogInstance extends LogFunctions {
  hooks: Hook[];
  scope(label: string): LogFunctions;
  transports: {
    file: {
      resolvePathFn: (...args: never[]) => string;
      maxSize: number;
      level: string | false;
      getFile(): { path: string };
    };
    console: { level: string | false };
  };
}

export interface FileLogOptions {
  /** Full path of the log file; electron-log keeps one rotated copy beside it (<name>.old.log). */
  file: string;
  /** Rotate beyond this size. */
  maxBytes?: number;
  level?: 'debug' | 'info' | 'warn' | 'error';
  /** Also print to the terminal (development, the headless host under systemd). */
  console?: boolean;
}

const redactor: Hook = (message) => ({ ...message, data: message.data.map((d) => redact(d)) });

/**
 * Points the file transport at our file, turns on rotation, and makes sure no
 * line reaches any transport before secrets are taken out of it.
 */
export function configureElectronLog(log: ElectronLogInstance, options: FileLogOptions): Logger {
  log.transports.file.resolvePathFn = () => options.file;
  log.transports.file.maxSize = options.maxBytes ?? 5 * 1024 * 1024;
  log.transports.file.level = options.level ?? 'info';
  log.transports.console.level = options.console ? (options.level ?? 'info') : false;
  if (!log.hooks.includes(redactor)) log.hooks.push(redactor);
  return toLogger(log);
}

/** Wraps an electron-log instance as our Logger; nested scopes read "restore.roon". */
export function toLogger(log: ElectronLogInstance, scope?: string): Logger {
  const sink: LogFunctions = scope ? log.scope(scope) : log;
  return {
    debug: (message, ...details) => sink.debug(message, ...details),
    info: (message, ...details) => sink.info(message, ...details),
    warn: (message, ...details) => sink.warn(message, ...details),
    error: (message, ...details) => sink.error(message, ...details),
    scope: (name) => toLogger(log, scope ? `${scope}.${name}` : name),
  };
}
