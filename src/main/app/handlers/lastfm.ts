// The Last.fm import and what it rejected.
import { ApiError, type ApiHandlers } from '../../../shared/api';
import { ok, type HandlerContext } from './context';

export function lastfmHandlers(ctx: HandlerContext): Pick<ApiHandlers, 'startImport' | 'cancelImport' | 'getLastfmRejected'> {
  const { services } = ctx;
  return {
    startImport: async () => {
      const problem = services.lastfm.notConfigured();
      if (problem) throw new ApiError(409, problem);
      ctx.requireOpen();
      services.lastfm.startImport();
      return ok;
    },
    cancelImport: async () => {
      await services.lastfm.cancelImport();
      return ok;
    },
    getLastfmRejected: ({ limit }) => {
      ctx.requireOpen();
      return services.lastfm ? services.lastfm.rejectedEntries(limit) : { total: 0, byReason: {}, entries: [] };
    },
  };
}
