// electron-log behind our Logger port. Shared by both hosts: the desktop app
// passes electron-log's main-process entry, the headless host its node entry;
// neither is imported here, so this file runs anywhere.
//
// A log file that cannot be written (a full disk) fails quietly: electron-log
// reports every line it could not write with a stack trace on the console,
// thousands a minute from a busy app, which buries what matters and fills a
// journal on another disk. Here that is one warning when writing starts to
// fail and one when it works again (with how many lines were lost), also
// written into the file so the gap shows where it is.
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
  /** Where the two warnings about a log file that cannot be written go; stderr by default. */
  warn?: (line: string) => void;
}

/** What electron-log's file object is underneath (an EventEmitter with a synchronous writeLine). */
interface LogFile {
  path: string;
  writeLine(text: string): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event: 'error'): unknown;
}

const quieted = new WeakSet<object>();

function writeToStderr(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    /* nowhere left to say it */
  }
}

/**
 * Takes electron-log's error reporting off our log file and puts the
 * one-warning-each-way reporting in its place. Writes are synchronous (the
 * transport's default), so whether a line failed is known when writeLine returns.
 */
function quietFileFailures(log: ElectronLogInstance, warn: (line: string) => void): void {
  const file = log.transports.file.getFile() as unknown as Partial<LogFile>;
  if (typeof file.on !== 'function' || typeof file.writeLine !== 'function' || typeof file.removeAllListeners !== 'function' || quieted.has(file)) return;
  const logFile = file as LogFile;
  quieted.add(logFile);
  let failedNow: Error | null = null;
  let failing: { since: Date; lost: number } | null = null;
  // The registry's listener is what prints each failure with its stack.
  logFile.removeAllListeners('error');
  logFile.on('error', (error) => (failedNow = error));
  const writeLine = logFile.writeLine.bind(logFile);
  logFile.writeLine = (text: string) => {
    failedNow = null;
    writeLine(text);
    const error = failedNow as Error | null;
    if (error) {
      if (failing) {
        failing.lost++;
        return;
      }
      failing = { since: new Date(), lost: 1 };
      const reason = error.message.replace(/^Couldn't write to .*?\. /, '');
      warn(`Encore: cannot write the log file ${logFile.path} (${reason}); log lines are dropped until it can be written again (no further warning until then).`);
      return;
    }
    if (!failing) return;
    const was = failing;
    failing = null;
    const note = `the log file could not be written from ${was.since.toISOString()} until now; ${was.lost} line(s) were lost`;
    warn(`Encore: the log file ${logFile.path} can be written again (${note}).`);
    // Into the file alone, where the gap is (the console, if on, just had the warning).
    const processMessage = (log as { processMessage?: (message: object, options: { transports: string[] }) => void }).processMessage;
    if (typeof processMessage === 'function') processMessage.call(log, { data: [note], level: 'warn', date: new Date() }, { transports: ['file'] });
  };
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
  quietFileFailures(log, options.warn ?? writeToStderr);
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
