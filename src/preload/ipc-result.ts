// What an IPC handler sends back. Errors travel as data, not as a thrown
// Error: Electron would prefix a thrown message with "Error invoking remote
// method 'encore:…': Error: …", and a person should read only the last part.

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { status: number; message: string } };

/** A failed call as the window sees it: the message is meant for a person. */
export class EncoreCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'EncoreCallError';
  }
}

export function unwrapIpcResult<T>(result: unknown): T {
  if (result && typeof result === 'object' && 'ok' in result) {
    const r = result as IpcResult<T>;
    if (r.ok) return r.value;
    throw new EncoreCallError(r.error.message, r.error.status);
  }
  throw new EncoreCallError('Encore sent an answer the window does not understand.', 500);
}
