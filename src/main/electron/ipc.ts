// One ipcMain.handle per entry of the API table. Each checks who is asking,
// validates the payload with the entry's schema, then calls the core.
import type { IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { API, ApiError, type ApiHandlers, type ApiName, type IpcResult } from '../../shared/api';
import type { FieldError } from '../../shared/field-errors';
import { toDisposable, type Disposable } from '../core/disposable';
import { redact, type Logger } from '../core/logger';
import { isTrustedRendererUrl } from './window';

/** The parts of a WebFrameMain the sender check reads. */
export interface FrameIdentity {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}

export interface SenderInfo {
  readonly senderFrame: FrameIdentity | null;
  readonly sender: { readonly id: number };
}

export type SenderCheck = (event: SenderInfo) => boolean;

/**
 * Trusts exactly one frame: the main frame of our status window, showing our
 * renderer file. A subframe, another window or a page that navigated elsewhere is refused.
 */
export function createSenderCheck(options: {
  window: () => { webContents: { id: number; mainFrame: FrameIdentity } } | null;
  rendererFile: string;
}): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    const win = options.window();
    if (!frame || !win) return false;
    const main = win.webContents.mainFrame;
    return (
      event.sender.id === win.webContents.id &&
      frame.parent === null &&
      frame.processId === main.processId &&
      frame.routingId === main.routingId &&
      isTrustedRendererUrl(frame.url, options.rendererFile)
    );
  };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export function registerIpcHandlers(options: { ipcMain: IpcMainLike; handlers: ApiHandlers; isTrustedSender: SenderCheck; logger: Logger }): Disposable {
  const { ipcMain, logger } = options;
  const names = Object.keys(API) as ApiName[];
  for (const name of names) {
    ipcMain.handle(API[name].channel, (event, request) => {
      if (!options.isTrustedSender(event)) {
        logger.warn('refused an IPC call from an unknown sender', { call: name, url: event.senderFrame?.url.slice(0, 200) ?? null });
        return Promise.resolve(failure(403, 'This window may not talk to Encore.'));
      }
      return callApi(name, request, options.handlers, logger);
    });
  }
  return toDisposable(() => {
    for (const name of names) ipcMain.removeHandler(API[name].channel);
  });
}

/** Validates and calls one handler; never throws, so the window always gets a clean answer. */
export async function callApi(name: ApiName, request: unknown, handlers: ApiHandlers, logger: Logger): Promise<IpcResult<unknown>> {
  const parsed = (API[name].request as z.ZodType).safeParse(request === undefined ? {} : request);
  if (!parsed.success) return invalid(parsed.error);
  try {
    const handler = handlers[name] as (request: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof ApiError) return failure(error.status, redact(error.message) as string, error.errors);
    if (error instanceof z.ZodError) return invalid(error);
    logger.error(`${name} failed`, error);
    const message = error instanceof Error && error.message ? (redact(error.message) as string) : 'unknown error';
    return failure(500, `Encore could not do that: ${message}`);
  }
}

function failure(status: number, message: string, errors: FieldError[] = []): IpcResult<never> {
  return { ok: false, error: errors.length ? { status, message, errors } : { status, message } };
}

function invalid(error: z.ZodError): IpcResult<never> {
  const refused = ApiError.invalid(error);
  return failure(refused.status, refused.message, refused.errors);
}
