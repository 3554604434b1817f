// Every API handler, by area, behind one rule for a database another program holds.
import { ApiError, type ApiHandlers } from '../../../shared/api';
import { DatabaseError, isBusy } from '../../db/database';
import type { HandlerContext } from './context';
import { controlHandlers } from './control';
import { exploreHandlers } from './explore';
import { jobHandlers } from './jobs';
import { lastfmHandlers } from './lastfm';

export type { HandlerContext } from './context';

export function createHandlers(ctx: HandlerContext): ApiHandlers {
  const handlers: ApiHandlers = { ...controlHandlers(ctx), ...exploreHandlers(ctx), ...lastfmHandlers(ctx), ...jobHandlers(ctx) };
  // A call refused by another program's lock (a read kept out by an exclusive
  // lock, a write that cannot wait): a 503 saying so, not a 500.
  for (const name of Object.keys(handlers) as Array<keyof ApiHandlers>) {
    const call = handlers[name] as (request: unknown) => unknown;
    (handlers as Record<keyof ApiHandlers, (request: unknown) => unknown>)[name] = async (request: unknown) => {
      try {
        return await call(request);
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (error instanceof DatabaseError) throw new ApiError(503, error.message);
        throw new ApiError(503, `The database is locked by another program (${(error as Error).message}). Close the other copy of Encore or the tool that has ${ctx.database.options.file} open; Encore retries by itself.`);
      }
    };
  }
  return handlers;
}
