// The headless host: the same core in plain Node, reached over loopback HTTP.
import fs from 'node:fs';
import path from 'node:path';
import { createEncore, type Encore } from '../app';
import { systemClock, type Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { PowerTrigger } from '../core/ports';
import type { Config } from '../../shared/config';
import { writeFileAtomic } from '../core/atomic-write';
import { FileSecretStore } from './file-secrets';
import { startHttpHost, type HttpHost } from './http-server';
import { createHeadlessLog } from './log';
import { LogindTrigger } from './logind-trigger';

export interface HeadlessOptions {
  dataDir: string;
  config?: Config;
  /** Overrides config.headless.port (0 picks one). */
  port?: number;
  rendererDir?: string | null;
  clock?: Clock;
  logger?: Logger;
  /** Default: logind on Linux. Tests pass []. */
  powerTriggers?: PowerTrigger[];
  writeRuntimeFile?: boolean;
  consoleLog?: boolean;
}

export interface Headless {
  url: string;
  token: string;
  encore: Encore;
  http: HttpHost;
  runtimeFile: string | null;
  close(): Promise<void>;
}

function runtimeFilePath(dataDir: string): string {
  return path.join(dataDir, 'runtime.json');
}

export async function startHeadless(options: HeadlessOptions): Promise<Headless> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const log = options.logger ? { logger: options.logger, file: null } : createHeadlessLog(options.dataDir, { console: options.consoleLog ?? true });
  const encore = await createEncore({
    dataDir: options.dataDir,
    config: options.config,
    clock: options.clock,
    logger: log.logger,
    secrets: new FileSecretStore(path.join(options.dataDir, 'secrets.json')),
    powerTriggers: options.powerTriggers ?? [new LogindTrigger(log.logger)],
    logFile: log.file,
  });
  const port = options.port ?? options.config?.headless.port ?? 0;
  let http: HttpHost;
  try {
    http = await startHttpHost({ encore, logger: log.logger, clock: options.clock ?? systemClock, port, rendererDir: options.rendererDir ?? null });
  } catch (error) {
    await encore.shutdown();
    throw error;
  }
  let runtimeFile: string | null = null;
  if (options.writeRuntimeFile !== false) {
    runtimeFile = runtimeFilePath(options.dataDir);
    try {
      writeFileAtomic(runtimeFile, JSON.stringify({ url: http.url, token: http.token, pid: process.pid }, null, 2) + '\n', { mode: 0o600 });
    } catch (error) {
      // Without it no client finds the API: stop, naming the file and the cause.
      await http.close();
      await encore.shutdown();
      throw error;
    }
  }
  let closing: Promise<void> | null = null;
  return {
    url: http.url,
    token: http.token,
    encore,
    http,
    runtimeFile,
    close: () =>
      (closing ??= (async () => {
        await http.close();
        await encore.shutdown();
        if (runtimeFile) fs.rmSync(runtimeFile, { force: true });
      })()),
  };
}
