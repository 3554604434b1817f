// The preload's side of IpcResult (shared/api.ts): a failed call becomes an
// error whose message is the one a person should read.
import type { FieldError, IpcResult } from '../shared/api';

/** A failed call as the window sees it: the message is meant for a person. */
export class EncoreCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The fields a refused request was wrong in, each with its own message. */
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'EncoreCallError';
  }
}

export function unwrapIpcResult<T>(result: unknown): T {
  if (result && typeof result === 'object' && 'ok' in result) {
    const r = result as IpcResult<T>;
    if (r.ok) return r.value;
    throw new EncoreCallError(r.error.message, r.error.status, r.error.errors ?? []);
  }
  throw new EncoreCallError('Encore sent an answer the window does not understand.', 500);
}
