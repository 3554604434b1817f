import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mountSmallDisk, type SmallDisk } from '../../tests/support/tmpfs';
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

describe('a log file on a full disk', () => {
  const afterEachRestore: Array<() => void> = [];
  afterEach(() => {
    for (const fn of afterEachRestore.splice(0)) fn();
  });
  const disk = mountSmallDisk(4);
  const skip = typeof disk === 'string' ? disk : null;
  if (skip) console.log(`full-disk log test skipped: ${skip}`);
  afterAll(() => {
    if (typeof disk !== 'string') disk.unmount();
  });

  it.skipIf(skip !== null)('fails quietly: one warning when writing starts to fail, one when it works again, no stack traces', () => {
    const small = disk as SmallDisk;
    const file = path.join(small.dir, 'logs', 'encore.log');
    const log = electronLog.create({ logId: `test-full-${Math.random()}` }) as ElectronLogInstance & { transports: { console: { writeFn: (o: { message: { data: unknown[] } }) => void } } };
    // Everything electron-log would print: its failure reports go to the console of the
    // first logger made in the process (the default one, whose file transport listens
    // on the shared file registry), so both consoles are watched.
    const printed: unknown[][] = [];
    const defaultConsole = (electronLog as unknown as typeof log).transports.console;
    const defaultWrite = defaultConsole.writeFn;
    defaultConsole.writeFn = ({ message }) => printed.push(message.data);
    afterEachRestore.push(() => (defaultConsole.writeFn = defaultWrite));
    log.transports.console.writeFn = ({ message }) => printed.push(message.data);
    const warnings: string[] = [];
    const logger = configureElectronLog(log, { file, level: 'debug', warn: (line) => warnings.push(line) });
    logger.info('before the disk filled');
    small.fill();
    try {
      for (let i = 0; i < 200; i++) logger.info(`line ${i} while the disk is full ${'x'.repeat(100)}`);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^Encore: cannot write the log file ${file.replace(/[.]/g, '\\.')} \\(ENOSPC: no space left on device.*\\); log lines are dropped until it can be written again`));
      expect(printed).toEqual([]);
    } finally {
      small.free();
    }
    logger.warn('after space came back');
    expect(warnings).toHaveLength(2);
    const text = fs.readFileSync(file, 'utf8');
    // The file's last page had room for a few lines before the writes began to fail (the first failure wrote part of its line).
    const lost = 200 - text.split('\n').filter((l) => l.includes('while the disk is full') && l.endsWith('x'.repeat(100))).length;
    expect(lost).toBeGreaterThan(100);
    expect(warnings[1]).toMatch(new RegExp(`can be written again \\(the log file could not be written from .* until now; ${lost} line\\(s\\) were lost\\)`));
    expect(printed).toEqual([]);
    expect(text).toMatch(new RegExp(`before the disk filled[\\s\\S]*after space came back[\\s\\S]*\\[warn\\]\\s+the log file could not be written from .*; ${lost} line\\(s\\) were lost`));
    // Quiet again after: nothing more said while it works.
    logger.info('and on');
    expect(warnings).toHaveLength(2);
  });
});
