// electron-builder.yml is valid for the electron-builder we install, and the
// settings that keep the packaged app safe are the ones we mean.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const CONFIG_FILE = path.join(ROOT, 'electron-builder.yml');
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder (its own YAML parser); it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown };

type Target = string | { target: string; arch?: string[] };
interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  extraResources: { from: string; to: string }[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  mac: { target: Target[]; hardenedRuntime: boolean; category: string; extendInfo: Record<string, unknown>; icon: string };
  win: { target: Target[]; icon: string };
  linux: { target: Target[]; icon: string };
}

const config = yaml.load(fs.readFileSync(CONFIG_FILE, 'utf8')) as BuilderConfig;
const targets = (list: Target[]) => list.map((t) => (typeof t === 'string' ? { target: t, arch: [] } : { arch: [], ...t }));

describe('electron-builder.yml', () => {
  // Compiling electron-builder's schema takes most of a second: once for both tests.
  let compiled: { ajv: Ajv; validate: ReturnType<Ajv['compile']> } | null = null;
  const schemaValidator = () => {
    if (!compiled) {
      const schema = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
      const ajv = new Ajv({ allErrors: true, strict: false });
      compiled = { ajv, validate: ajv.compile(schema) };
    }
    return compiled;
  };

  it("validates against electron-builder's own JSON schema (app-builder-lib/scheme.json)", () => {
    const { ajv, validate } = schemaValidator();
    const ok = validate(config);
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has a schema with teeth: a misplaced or misspelt option fails', () => {
    const { validate } = schemaValidator();
    expect(validate({ ...config, mac: { ...config.mac, LSUIElement: true } })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsnode: false } })).toBe(false);
  });

  it('passes the validation electron-builder runs before a build, loading the file its own way', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<object>;
      validateConfiguration(config: object, debug: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    const loaded = await getConfig(ROOT, CONFIG_FILE, null);
    await expect(validateConfiguration(loaded, { isEnabled: false, add() {} })).resolves.toBeUndefined();
    expect(loaded).toMatchObject({ appId: config.appId, productName: 'Encore' });
  });

  it('sets every security fuse', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('packs into an asar, with better-sqlite3 unpacked and rebuilt for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(config.npmRebuild).toBe(true);
  });

  it('ships the build output and package.json, and nothing of the sources', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json']));
    expect(config.files.some((f) => /^src|^tests|^\*\*$/.test(f))).toBe(false);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; productName: string };
    expect(pkg.main.startsWith('dist/')).toBe(true);
    expect(config.productName).toBe(pkg.productName);
  });

  it('puts the tray icons beside the asar, where src/main/electron/paths.ts looks for them', () => {
    expect(config.extraResources).toContainEqual({ from: 'assets/tray', to: 'tray' });
    for (const platformIcon of [config.mac.icon, config.win.icon, config.linux.icon]) expect(fs.existsSync(path.join(ROOT, platformIcon))).toBe(true);
  });

  it('is menu-bar only on macOS, with the hardened runtime, for both architectures', () => {
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.category).toBe('public.app-category.music');
    expect(targets(config.mac.target)).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
  });

  it('builds NSIS on Windows, and AppImage and deb on Linux', () => {
    expect(targets(config.win.target).map((t) => t.target)).toEqual(['nsis']);
    expect(targets(config.linux.target).map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
  });
});
