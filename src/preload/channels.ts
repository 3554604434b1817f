// The channel of every call, restated without importing the API table's
// values: the table pulls in zod and every schema (about 450 kB) that a
// preload never uses. The types below tie each literal to the table, so a
// missing or misspelt channel fails compilation rather than drifting.
import type { API, ApiName, PROGRESS_PUSH_CHANNEL as ProgressChannel, STATUS_PUSH_CHANNEL as PushChannel } from '../shared/api';

type ChannelTable = { readonly [K in ApiName]: (typeof API)[K]['channel'] };

export const CHANNELS = {
  getStatus: 'encore:status:get',
  restartService: 'encore:service:restart',
  startService: 'encore:service:start',
  stopService: 'encore:service:stop',
  restoreAll: 'encore:restore:all',
  pauseTracking: 'encore:tracking:pause',
  resumeTracking: 'encore:tracking:resume',
  simulateSuspend: 'encore:power:suspend',
  simulateResume: 'encore:power:resume',
  getPlays: 'encore:plays:list',
  getPlaysPerDay: 'encore:plays:per-day',
  getRestores: 'encore:restores:list',
  getSettings: 'encore:settings:get',
  saveSettings: 'encore:settings:save',
  startImport: 'encore:import:start',
  cancelImport: 'encore:import:cancel',
  runJob: 'encore:job:run',
  getLogTail: 'encore:log:tail',
  getTopItems: 'encore:stats:top',
  getHeatmap: 'encore:stats:heatmap',
  getBreakdown: 'encore:stats:breakdown',
  getYearReview: 'encore:stats:year',
  getArtist: 'encore:artist:get',
  getAlbum: 'encore:album:get',
  getTrack: 'encore:track:get',
  searchCatalog: 'encore:catalog:search',
  exportPlays: 'encore:plays:export',
  getLastfmRejected: 'encore:lastfm:rejected',
} as const satisfies ChannelTable;

export const STATUS_PUSH_CHANNEL: typeof PushChannel = 'encore:status:changed';
export const PROGRESS_PUSH_CHANNEL: typeof ProgressChannel = 'encore:status:progress';
