// Status and control: services, tracking, restores, the simulated sleep, settings and the log.
import { ApiError, type ApiHandlers } from '../../../shared/api';
import { restoreFromJournal } from '../journal';
import { tail } from '../log-tail';
import { ok, type HandlerContext } from './context';

type ControlCalls = 'getStatus' | 'restartService' | 'startService' | 'stopService' | 'restoreAll' | 'pauseTracking' | 'resumeTracking' | 'simulateSuspend' | 'simulateResume' | 'getRestores' | 'getSettings' | 'saveSettings' | 'getLogTail';

export function controlHandlers(ctx: HandlerContext): Pick<ApiHandlers, ControlCalls> {
  const { supervisor, simulated } = ctx;
  return {
    getStatus: () => supervisor.snapshot(),
    restartService: async ({ id }) => {
      void supervisor.restart(id);
      return ok;
    },
    startService: async ({ id }) => {
      if (supervisor.roleOf(id) === 'store') throw new ApiError(400, 'The database is always on; use restart.');
      void supervisor.setWanted(id, true);
      return ok;
    },
    stopService: async ({ id }) => {
      if (supervisor.roleOf(id) === 'store') throw new ApiError(400, 'The database cannot be turned off.');
      await supervisor.setWanted(id, false);
      return ok;
    },
    restoreAll: async () => {
      void supervisor.restore('restore all (you asked)');
      return ok;
    },
    pauseTracking: async () => {
      await supervisor.setTrackingPaused(true);
      return ok;
    },
    resumeTracking: async () => {
      void supervisor.setTrackingPaused(false);
      return ok;
    },
    simulateSuspend: async () => {
      simulated.suspend();
      await supervisor.settle();
      return ok;
    },
    simulateResume: async () => {
      simulated.resume();
      return ok;
    },
    getRestores: ({ limit }) => {
      ctx.requireOpen();
      return { restores: ctx.state.recentJournal(limit, ['restore']).map(restoreFromJournal) };
    },
    getSettings: () => ctx.settings.view(),
    saveSettings: (input) => ctx.settings.save(input),
    getLogTail: ({ lines }) => ({ lines: ctx.logFile ? tail(ctx.logFile, lines) : [], file: ctx.logFile }),
  };
}
