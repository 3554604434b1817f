// Logging as a port; hosts back it with electron-log. Secrets never reach a sink.

export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  /** A logger whose lines carry the scope ("roon", "restore"). */
  scope(name: string): Logger;
}

const SECRET_KEYS = /^(api_?key|apikey|token|secret|password|authorization|sk|session_?key)$/i;
const SECRET_IN_TEXT = [
  /((?:api_key|apikey|token|sk|secret|password)=)[^&\s"']+/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g,
  /("(?:apiKey|api_key|token|secret|password)"\s*:\s*")[^"]*/gi,
];

/** Removes secrets from a log line or a value about to be logged. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const re of SECRET_IN_TEXT) out = out.replace(re, '$1[redacted]');
    return out;
  }
  if (value instanceof Error) {
    const copy = new Error(redact(value.message) as string);
    copy.name = value.name;
    copy.stack = value.stack ? (redact(value.stack) as string) : undefined;
    return copy;
  }
  if (value && typeof value === 'object' && depth < 6) {
    if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  scope: string;
  message: string;
  details: unknown[];
}

/** A logger that keeps lines in memory: for tests and for the benches. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly scopeName = 'app',
    private readonly echo = false,
  ) {}
  private push(level: LogLine['level'], message: string, details: unknown[]) {
    const line = { level, scope: this.scopeName, message: redact(message) as string, details: details.map((d) => redact(d)) };
    this.lines.push(line);
    if (this.lines.length > 5000) this.lines.splice(0, 1000);
    if (this.echo) console.log(`[${level}] (${this.scopeName}) ${line.message}`, ...line.details);
  }
  debug(m: string, ...d: unknown[]) { this.push('debug', m, d); }
  info(m: string, ...d: unknown[]) { this.push('info', m, d); }
  warn(m: string, ...d: unknown[]) { this.push('warn', m, d); }
  error(m: string, ...d: unknown[]) { this.push('error', m, d); }
  scope(name: string): Logger { return new MemoryLogger(this.lines, name, this.echo); }
}

export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  scope() { return silentLogger; },
};
