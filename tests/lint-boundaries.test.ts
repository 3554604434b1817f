// Each layer's import boundary (eslint.config.js) must actually fire: one
// import it refuses and one it allows, per layer.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** One import that must be refused, and one the layer may make, per layer (eslint.config.js). */
const LAYER_CASES: { layer: string; file: string; refused: string[]; allowed: string[] }[] = [
  {
    layer: 'shared',
    file: 'src/shared/example.ts',
    refused: ["import { app } from 'electron';", "import Database from 'better-sqlite3';", "import fs from 'node:fs';", "import { Kysely } from 'kysely';", "import { Supervisor } from '../main/core/supervisor';"],
    allowed: ["import { z } from 'zod';", "import { SERVICE_IDS } from './status';", "import type { App } from 'electron';"],
  },
  {
    layer: 'core',
    file: 'src/main/core/example.ts',
    refused: ["import { app } from 'electron';", "import Database from 'better-sqlite3';", "import { EncoreDatabase } from '../db/database';", "import { RoonService } from '../services/roon/service';", "import { loadConfig } from '../config';", "import { createEncore } from '../app';", "import { WebSocket } from 'ws';"],
    allowed: ["import { SERVICE_IDS } from '../../shared/status';", "import { DisposableStore } from './disposable';", "import type { App } from 'electron';", "import os from 'node:os';"],
  },
  {
    layer: 'db',
    file: 'src/main/db/example.ts',
    refused: ["import { app } from 'electron';", "import { RoonService } from '../services/roon/service';", "import { startHeadless } from '../headless/host';"],
    allowed: ["import Database from 'better-sqlite3';", "import { Kysely } from 'kysely';", "import { systemClock } from '../core/clock';"],
  },
  {
    layer: 'services',
    file: 'src/main/services/roon/example.ts',
    refused: ["import { app } from 'electron';", "import { loadConfig } from '../../config';", "import { createEncore } from '../../app';", "import { TrayController } from '../../electron/tray';"],
    allowed: ["import { PlayStore } from '../../db/plays';", "import { WebSocket } from 'ws';", "import { systemClock } from '../../core/clock';"],
  },
  {
    layer: 'main (composition root)',
    file: 'src/main/example.ts',
    refused: ["import { app } from 'electron';", "import { TrayController } from './electron/tray';", "import { startHeadless } from './headless/host';"],
    allowed: ["import { createServices } from './services';", "import { EncoreDatabase } from './db/database';"],
  },
  {
    layer: 'main (the composition root\'s parts in app/)',
    file: 'src/main/app/handlers/example.ts',
    refused: ["import { app } from 'electron';", "import { TrayController } from '../../electron/tray';", "import { startHeadless } from '../../headless/host';"],
    allowed: ["import { createServices } from '../../services';", "import { EncoreDatabase } from '../../db/database';"],
  },
  {
    layer: 'electron',
    file: 'src/main/electron/example.ts',
    refused: ["import { EncoreDatabase } from '../db/database';", "import { RoonService } from '../services/roon/service';", "import { startHeadless } from '../headless/host';", "import { createEncoreApi } from '../../preload/api';", "import type { IpcResult } from '../../preload/ipc-result';"],
    allowed: ["import { app } from 'electron';", "import { createEncore } from '../app';", "import { DisposableStore } from '../core/disposable';"],
  },
  {
    layer: 'headless',
    file: 'src/main/headless/example.ts',
    refused: ["import { app } from 'electron';", "import { TrayController } from '../electron/tray';", "import { FakeService } from '../../../tests/support/fake-service';", "import { FakeRoonCore } from '../../dev/fakes/roon-core';"],
    allowed: ["import { createEncore } from '../app';", "import http from 'node:http';"],
  },
  {
    layer: 'preload',
    file: 'src/preload/example.ts',
    refused: ["import { API } from '../shared/api';", "import { z } from 'zod';", "import fs from 'node:fs';", "import { createEncore } from '../main/app';"],
    allowed: ["import { contextBridge } from 'electron';", "import type { EncoreApi } from '../shared/api';", "import { CHANNELS } from './channels';"],
  },
  {
    layer: 'renderer',
    file: 'src/renderer/example.ts',
    refused: ["import Database from 'better-sqlite3';", "import { ipcRenderer } from 'electron';", "import fs from 'node:fs';", "import { createEncore } from '../main/app';", "import { CHANNELS } from '../preload/channels';"],
    allowed: ["import { API } from '../shared/api';", "import { useState } from 'preact/hooks';", "import { trackTime } from './lib/format';"],
  },
  {
    layer: 'fakes',
    file: 'src/dev/fakes/example.ts',
    refused: ["import { app } from 'electron';", "import { EncoreDatabase } from '../../main/db/database';", "import { createEncore } from '../../main/app';", "import { startHeadless } from '../../main/headless/host';", "import { FakeService } from '../../../tests/support/fake-service';"],
    allowed: ["import { parseMoo } from '../../main/services/roon/moo';", "import { systemClock } from '../../main/core/clock';", "import { WebSocket } from 'ws';", "import { FakeLastfmServer } from './lastfm-server';"],
  },
];

/** Lints one import (plus a use, so nothing is unused) as if it were in `file`. */
async function importProblems(file: string, line: string): Promise<string[]> {
  const name = /import(?: type)? (?:\{ (\w+) \}|(\w+))/.exec(line);
  const use = `export const used = ${line.startsWith('import type') ? 'null as unknown as ' + (name?.[1] ?? name?.[2]) : (name?.[1] ?? name?.[2])};\n`;
  return (await problems(file, `${line}\n${use}`)).filter((p) => /restricted-imports|layer-imports/.test(p));
}

describe('import boundaries: one rule per layer, and it fires', () => {
  describe.each(LAYER_CASES)('$layer', ({ file, refused, allowed }) => {
    it.each(refused)(`refuses %s`, async (line) => {
      expect((await importProblems(file, line)).join('\n')).toMatch(/no-restricted-imports|encore\/layer-imports/);
    });
    it.each(allowed)(`allows %s`, async (line) => {
      expect(await importProblems(file, line)).toEqual([]);
    });
  });

  it('tests next to the code keep their layer rules, and may use tests/', async () => {
    expect(await importProblems('src/main/core/example.test.ts', "import { FakeService } from '../../../tests/support/fake-service';")).toEqual([]);
    expect((await importProblems('src/main/core/example.test.ts', "import { EncoreDatabase } from '../db/database';")).join('\n')).toMatch(/layer-imports/);
    expect((await importProblems('src/renderer/example.test.ts', "import Database from 'better-sqlite3';")).join('\n')).toMatch(/no-restricted-imports/);
  });

  it('of production code only the demo starts the fakes; tests may use them', async () => {
    const fake = (from: string) => `import { FakeRoonCore } from '${from}dev/fakes/roon-core';`;
    expect(await importProblems('src/main/headless/demo.ts', fake('../../'))).toEqual([]);
    expect(await importProblems('src/main/headless/demo.ts', "import { FakeService } from '../../../tests/support/fake-service';")).not.toEqual([]);
    expect(await importProblems('src/main/headless/demo.ts', "import { EncoreDatabase } from '../db/database';")).not.toEqual([]);
    for (const file of ['src/main/headless/host.ts', 'src/main/app.ts', 'src/main/services/roon/service.ts', 'src/main/electron/main.ts', 'src/main/core/clock.ts']) {
      const depth = file.split('/').length - 2;
      const [message] = await importProblems(file, fake('../'.repeat(depth)));
      expect(message, file).toMatch(/may not import "fakes".*only the demo/);
    }
    expect(await importProblems('src/main/core/example.test.ts', fake('../../'))).toEqual([]);
  });

  it('names the layers and says why', async () => {
    const [message] = await importProblems('src/main/core/example.ts', "import { EncoreDatabase } from '../db/database';");
    expect(message).toBe('encore/layer-imports: src layer "core" may not import "db" (../db/database): the core is pure logic: it is handed ports, it never reaches for the database, a service or a host.');
  });
});

describe('zod schemas are built once', () => {
  const inFunction = "import { z } from 'zod';\nexport function read(v: unknown) {\n  return z.string().safeParse(v).success;\n}\n";
  const atModuleLevel = "import { z } from 'zod';\nconst Id = z.string();\nexport function read(v: unknown) {\n  return Id.safeParse(v).success;\n}\n";

  it('refuses a schema built inside a function, anywhere in src', async () => {
    for (const file of ['src/main/services/roon/example.ts', 'src/shared/example.ts', 'src/renderer/example.ts']) {
      expect((await problems(file, inFunction)).join('\n'), file).toMatch(/no-restricted-syntax: Build zod schemas once/);
    }
  });

  it('allows one built at module level, and tests may build them where they like', async () => {
    expect(await problems('src/main/services/roon/example.ts', atModuleLevel)).toEqual([]);
    expect(await problems('src/main/services/roon/example.test.ts', inFunction)).toEqual([]);
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
