// electron-log's Node entry for the headless host: a rotating file in the data
// directory, secrets redacted by a hook before any transport sees them.
import path from 'node:path';
import log from 'electron-log/node';
import { redact, type Logger } from '../core/logger';

export interface HeadlessLog {
  logger: Logger;
  file: string;
}

export function createHeadlessLog(dataDir: string, options: { console?: boolean; level?: 'debug' | 'info' | 'warn' } = {}): HeadlessLog {
  const file = path.join(dataDir, 'logs', 'encore.log');
  const instance = log.create({ logId: `encore-${dataDir}` });
  instance.transports.file.resolvePathFn = () => file;
  instance.transports.file.maxSize = 5 * 1024 * 1024;
  instance.transports.file.level = options.level ?? 'info';
  instance.transports.console.level = options.console === false ? false : (options.level ?? 'info');
  instance.hooks.push((message) => {
    message.data = message.data.map((d) => redact(d));
    return message;
  });
  const wrap = (scoped: { debug: (...a: unknown[]) => void; info: (...a: unknown[]) => void; warn: (...a: unknown[]) => void; error: (...a: unknown[]) => void }): Logger => ({
    debug: (m, ...d) => scoped.debug(m, ...d),
    info: (m, ...d) => scoped.info(m, ...d),
    warn: (m, ...d) => scoped.warn(m, ...d),
    error: (m, ...d) => scoped.error(m, ...d),
    scope: (name) => wrap(instance.scope(name)),
  });
  return { logger: wrap(instance.scope('app')), file };
}
