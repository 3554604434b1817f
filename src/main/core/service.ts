// The one lifecycle every service follows (Roon, Last.fm, scheduler, database).
// The supervisor owns the state machine; a service only starts, stops, answers
// a health probe and reports what it sees through the host it was started with.
import type { ImportProgress, JobStatus, ServiceId, ZoneNowPlaying } from '../../shared/status';

export interface ServiceReport {
  /** A sub-state the service itself knows about; `running` clears it. */
  condition?: 'running' | 'waiting-authorisation' | 'waiting';
  /** One plain sentence for a person. */
  detail?: string;
  /** Something worked just now (a poll, a frame, a job): feeds the heartbeat. */
  success?: boolean;
  nowPlaying?: ZoneNowPlaying[];
  jobs?: JobStatus[];
  import?: ImportProgress;
}

/**
 * Handed to a service on each start. It is tied to that one start: after the
 * service is stopped, calls on it are ignored, so a stale socket cannot
 * overwrite the status of the next connection.
 */
export interface ServiceHost {
  report(report: ServiceReport): void;
  /**
   * The running service lost what it depends on (socket closed, fatal error).
   * The supervisor stops it and retries with backoff; `retryNow` skips the
   * first delay (a link that was fine a moment ago is worth one quick try).
   */
  fail(error: Error, options?: { retryNow?: boolean }): void;
  /** The service cannot work until the user acts (bad API key): no retries. */
  fatal(error: Error): void;
}

export type HealthProbe = { ok: true } | { ok: false; reason: string };

/**
 * What a service is to the supervisor, so core never names one: the `store`
 * (one) opens first and closes last, and the others wait for it; `tracker`s
 * record listens and stop while tracking is paused; `worker`s run on regardless.
 */
export type ServiceRole = 'store' | 'tracker' | 'worker';

export interface Service {
  readonly id: ServiceId;
  readonly role: ServiceRole;
  readonly label: string;
  /** Why it cannot start at all ("Last.fm user and API key are not set"), or null. */
  notConfigured(): string | null;
  /**
   * Resolves once the service runs. Must honour `signal`: when it aborts, every
   * socket opened and request made by this start is closed and the promise
   * rejects promptly. Never called twice without a stop() between.
   */
  start(signal: AbortSignal, host: ServiceHost): Promise<void>;
  /** Releases every timer, socket and listener. Idempotent; never throws. */
  stop(): Promise<void>;
  /** Called by the heartbeat while the service is running. */
  probe(): HealthProbe;
  /** The machine is about to sleep (called before stop()). Must return within a second. */
  prepareForSleep?(): Promise<void> | void;
}

/** An error a person can act on; `retryable: false` stops the retries. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly options: { retryable?: boolean; network?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ServiceError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? true;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ENETDOWN']);

/** True when an error says the network is not there (yet): worth retrying as soon as it is back. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; i++) {
    if (e instanceof ServiceError && e.options.network) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const OFFLINE_CODES = /\b(ENETUNREACH|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|ENETDOWN)\b/;

/**
 * True when the machine seems to have no network (no route, no DNS), as
 * opposed to a peer that refused or dropped us: only then does the status say
 * "waiting for the network".
 */
export function isOfflineError(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OFFLINE_CODES.test(code)) return true;
    if (e instanceof Error && OFFLINE_CODES.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
