import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../core/logger';
import { SafeStorageSecretStore, type SafeStorageLike } from './secrets';

/** A reversible stand-in cipher: enough to tell encrypted bytes from plain ones. */
class FakeSafeStorage implements SafeStorageLike {
  available = true;
  backend = 'gnome_libsecret';
  rotate = false;
  broken = false;
  encryptions = 0;
  async isAsyncEncryptionAvailable() {
    return this.available;
  }
  async encryptStringAsync(plain: string) {
    this.encryptions++;
    return Buffer.from(`enc:${[...plain].reverse().join('')}`);
  }
  async decryptStringAsync(data: Buffer) {
    if (this.broken) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    const text = data.toString();
    if (!text.startsWith('enc:')) throw new Error('not ours');
    return { result: [...text.slice(4)].reverse().join(''), shouldReEncrypt: this.rotate };
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const SECRET = '0123456789abcdef0123456789abcdef';

function setup(platform: NodeJS.Platform = 'linux') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-secrets-'));
  dirs.push(dir);
  const safeStorage = new FakeSafeStorage();
  const logger = new MemoryLogger();
  const fresh = () => new SafeStorageSecretStore(dir, safeStorage, logger, platform);
  return { dir, safeStorage, logger, store: fresh(), fresh, text: () => fs.readFileSync(path.join(dir, 'desktop-secrets.json'), 'utf8') };
}

describe('SafeStorageSecretStore', () => {
  it('round-trips a secret through safeStorage, and the file never holds it in the clear', async () => {
    const { store, fresh, text } = setup();
    await store.set('lastfm.apiKey', SECRET);
    expect(await store.get('lastfm.apiKey')).toBe(SECRET);
    expect(await fresh().get('lastfm.apiKey')).toBe(SECRET);
    expect(text()).not.toContain(SECRET);
    expect(await store.get('missing')).toBeNull();
  });

  it.skipIf(process.platform === 'win32')('keeps the file readable by the user only', async () => {
    const { store, dir } = setup();
    await store.set('roon.token', 'abc');
    expect(fs.statSync(path.join(dir, 'desktop-secrets.json')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['desktop-secrets.json']); // no temp file left behind
  });

  it('falls back to a plain 0600 file with one warning when no keychain exists', async () => {
    const { store, safeStorage, logger, text } = setup();
    safeStorage.available = false;
    await store.set('a', 'one');
    await store.set('b', 'two');
    expect(await store.get('a')).toBe('one');
    expect(JSON.parse(text())).toEqual({ version: 1, secrets: { a: { plain: 'one' }, b: { plain: 'two' } } });
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logger.lines[0]!.message).toMatch(/no system keychain/);
  });

  it('encrypts a plain secret once a keychain is available', async () => {
    const { store, safeStorage, fresh, text } = setup();
    safeStorage.available = false;
    await store.set('lastfm.apiKey', SECRET);
    safeStorage.available = true;
    expect(await fresh().get('lastfm.apiKey')).toBe(SECRET);
    expect(text()).not.toContain(SECRET);
  });

  it('re-encrypts when safeStorage asks for it (key rotation)', async () => {
    const { store, safeStorage } = setup();
    await store.set('k', 'value');
    expect(safeStorage.encryptions).toBe(1);
    safeStorage.rotate = true;
    expect(await store.get('k')).toBe('value');
    expect(safeStorage.encryptions).toBe(2);
  });

  it('answers null with a warning when a value can no longer be decrypted', async () => {
    const { store, safeStorage, logger } = setup();
    await store.set('lastfm.apiKey', SECRET);
    safeStorage.broken = true;
    expect(await store.get('lastfm.apiKey')).toBeNull();
    expect(logger.lines.at(-1)).toMatchObject({ level: 'warn' });
    expect(logger.lines.at(-1)!.message).toMatch(/enter it again/);
  });

  it('warns that basic_text on Linux is only obfuscation', async () => {
    const { store, safeStorage, logger } = setup('linux');
    safeStorage.backend = 'basic_text';
    await store.set('k', 'v');
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(/basic_text/);
  });

  it('never logs a value, even from a corrupt file', async () => {
    const { store, dir, logger } = setup();
    fs.writeFileSync(path.join(dir, 'desktop-secrets.json'), `{"secrets": {"k": {"plain": "${SECRET}"}`);
    expect(await store.get('k')).toBeNull();
    await store.set('k', SECRET);
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
    expect(logger.lines.some((l) => /not readable as JSON/.test(l.message))).toBe(true);
  });

  it("leaves the headless host's secrets.json alone", async () => {
    const { store, dir } = setup();
    fs.writeFileSync(path.join(dir, 'secrets.json'), '{"lastfm.apiKey": "headless"}');
    await store.set('lastfm.apiKey', SECRET);
    expect(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).toBe('{"lastfm.apiKey": "headless"}');
  });

  it('loses no write when several land at once, and deletes', async () => {
    const { store, fresh } = setup();
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    const reader = fresh();
    for (let i = 0; i < 10; i++) expect(await reader.get(`k${i}`)).toBe(`v${i}`);
    await store.delete('k3');
    expect(await fresh().get('k3')).toBeNull();
    expect(await fresh().get('k4')).toBe('v4');
  });
});
