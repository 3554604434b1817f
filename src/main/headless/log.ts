// electron-log's Node entry for the headless host, behind the same adapter the
// desktop uses: a rotating file in the data directory, secrets redacted by a
// hook before any transport sees them.
import path from 'node:path';
import log from 'electron-log/node';
import type { Logger } from '../core/logger';
import { configureElectronLog, type ElectronLogInstance } from '../log-adapter';

export interface HeadlessLog {
  logger: Logger;
  file: string;
}

export function createHeadlessLog(dataDir: string, options: { console?: boolean; level?: 'debug' | 'info' | 'warn' } = {}): HeadlessLog {
  const file = path.join(dataDir, 'logs', 'encore.log');
  const instance = log.create({ logId: `encore-${dataDir}` }) as unknown as ElectronLogInstance;
  return { logger: configureElectronLog(instance, { file, level: options.level ?? 'info', console: options.console ?? true }), file };
}
