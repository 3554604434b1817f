// The built-in jobs. Their ids match DEFAULT_JOBS in the shared config.
import type { JobRegistry } from '../job';
import { dailyExport } from './daily-export';
import { dbBackup } from './db-backup';
import { dbMaintenance } from './db-maintenance';
import { lastfmSync } from './lastfm-sync';

export function builtinJobs(): JobRegistry {
  return {
    'lastfm-sync': { label: 'Last.fm sync', run: lastfmSync },
    'db-backup': { label: 'Database backup', run: dbBackup },
    'db-maintenance': { label: 'Database maintenance', run: dbMaintenance },
    'daily-export': { label: 'Daily export', run: dailyExport },
  };
}
