// The pure layers run in plain Node: the lint rule that keeps Electron and
// native modules out of them must actually fire.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it.each(['src/shared/example.ts', 'src/main/core/example.ts'])('%s may not import electron or better-sqlite3 values', async (file) => {
    expect((await problems(file, "import { app } from 'electron';\nexport const a = app;\n")).join('\n')).toMatch(/no-restricted-imports/);
    expect((await problems(file, "import Database from 'better-sqlite3';\nexport const d = Database;\n")).join('\n')).toMatch(/no-restricted-imports/);
  });

  it('type-only imports are fine in the pure layers', async () => {
    expect(await problems('src/main/core/example.ts', "import type { App } from 'electron';\nexport type A = App;\n")).toEqual([]);
  });

  it('only src/main/electron imports electron', async () => {
    expect((await problems('src/main/headless/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).join('\n')).toMatch(/no-restricted-imports/);
    expect(await problems('src/main/electron/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });
});

describe('redaction', () => {
  it('keeps secrets out of log lines', async () => {
    const { redact } = await import('../src/main/core/logger');
    expect(redact('GET /2.0/?method=user.getrecenttracks&api_key=0123456789abcdef&user=me')).toBe('GET /2.0/?method=user.getrecenttracks&api_key=[redacted]&user=me');
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
    expect(redact({ lastfm: { apiKey: 'k', user: 'me' }, token: 't' })).toEqual({ lastfm: { apiKey: '[redacted]', user: 'me' }, token: '[redacted]' });
  });
});

describe('headless log file', () => {
  it('writes scoped lines to <data-dir>/logs/encore.log with secrets redacted', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { createHeadlessLog } = await import('../src/main/headless/log');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-log-'));
    const { logger, file } = createHeadlessLog(dir, { console: false });
    logger.scope('lastfm').info('request failed: https://ws.example/2.0/?api_key=0123456789abcdef&user=me', { apiKey: 'fedcba' });
    const until = Date.now() + 5000;
    while ((!fs.existsSync(file) || !fs.readFileSync(file, 'utf8').includes('request failed')) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const text = fs.readFileSync(file, 'utf8');
    expect(file).toBe(path.join(dir, 'logs', 'encore.log'));
    expect(text).toMatch(/\(lastfm\)/);
    expect(text).toContain('api_key=[redacted]');
    expect(text).not.toContain('0123456789abcdef');
    expect(text).not.toContain('fedcba');
  });
});
