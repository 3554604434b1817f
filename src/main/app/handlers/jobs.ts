// The scheduler's jobs, run by hand.
import { ApiError, type ApiHandlers } from '../../../shared/api';
import { ok, type HandlerContext } from './context';

export function jobHandlers(ctx: HandlerContext): Pick<ApiHandlers, 'runJob'> {
  const { services, log } = ctx;
  return {
    runJob: async ({ id }) => {
      if (!services.scheduler.hasJob(id)) throw new ApiError(404, `There is no job "${id}".`);
      void services.scheduler.runNow(id).catch((error: unknown) => log.warn(`run now ${id} failed`, error));
      return ok;
    },
  };
}
