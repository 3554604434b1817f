import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { configureElectronLog, type ElectronLogInstance } from './log-adapter';

// The real electron-log (its node entry: same core and file transport as the
// main-process entry, without Electron), each test with its own instance.
const require = createRequire(import.meta.url);
const electronLog = require('electron-log/node') as ElectronLogInstance & { create(o: { logId: string }): ElectronLogInstance };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(maxBytes?: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-log-'));
  dirs.push(dir);
  const file = path.join(dir, 'logs', 'encore.log');
  const log = electronLog.create({ logId: `test-${Math.random()}` });
  const logger = configureElectronLog(log, { file, maxBytes, level: 'debug' });
  return { log, logger, file, read: () => fs.readFileSync(file, 'utf8') };
}

describe('configureElectronLog', () => {
  it('writes scoped lines to our file', () => {
    const { logger, file, read, log } = setup();
    logger.info('started');
    logger.scope('roon').scope('moo').warn('socket closed', { code: 1006 });
    logger.debug('detail');
    expect(log.transports.file.getFile().path).toBe(file);
    const text = read();
    expect(text).toMatch(/\[info\]\s+started/);
    expect(text).toMatch(/\[warn\]\s+\(roon\.moo\)\s+socket closed/);
    expect(text).toContain('1006');
    expect(text).toMatch(/\[debug\]\s+detail/);
  });

  it('takes secrets out of messages, objects and errors before they reach the file', () => {
    const { logger, read } = setup();
    const key = '0123456789abcdef0123456789abcdef';
    logger.info(`GET /2.0/?method=user.getrecenttracks&api_key=${key}&user=me`);
    logger.warn('settings saved', { lastfm: { apiKey: key, user: 'me' }, token: 'roon-token-xyz' });
    logger.error('request failed', new Error(`401 for api_key=${key}`));
    const text = read();
    expect(text).not.toContain(key);
    expect(text).not.toContain('roon-token-xyz');
    expect(text).toContain('[redacted]');
    expect(text).toContain("user: 'me'");
  });

  it('rotates the file beyond the size limit', () => {
    const { logger, file } = setup(2_000);
    for (let i = 0; i < 100; i++) logger.info(`line ${i} ${'x'.repeat(40)}`);
    expect(fs.existsSync(file.replace(/\.log$/, '.old.log'))).toBe(true);
    expect(fs.statSync(file).size).toBeLessThan(2_500);
  });

  it('adds the redaction hook once however often it is configured', () => {
    const { log, file } = setup();
    configureElectronLog(log, { file });
    expect(log.hooks).toHaveLength(1);
  });
});
