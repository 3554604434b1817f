// Secrets (Last.fm API key, Roon token) encrypted with safeStorage, kept in
// <data-dir>/desktop-secrets.json, readable by the user only. Not the headless
// host's secrets.json: both hosts may share a data directory, and values
// sealed by safeStorage mean nothing outside this app anyway. Where safeStorage has no
// key (no keychain, no Secret Service) they are stored as plain text in that
// same 0600 file, with a warning: the headless host does no better.
//
// The async safeStorage API is used: Electron 45 deprecates the synchronous
// encryptString/decryptString, and the async one also reports key rotation.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write';
import type { Logger } from '../core/logger';
import type { SecretStore } from '../core/ports';

export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only; 'basic_text' means a key built into Chromium, i.e. obfuscation, not protection. */
  getSelectedStorageBackend?(): string;
}

type Entry = { encrypted: string } | { plain: string };
interface SecretsFile {
  version: 1;
  secrets: Record<string, Entry>;
}

export class SafeStorageSecretStore implements SecretStore {
  readonly file: string;
  private available: Promise<boolean> | null = null;
  /** Writes run one after another, so two quick saves cannot drop each other's change. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly logger: Logger,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.file = path.join(dataDir, 'desktop-secrets.json');
  }

  async get(key: string): Promise<string | null> {
    await this.queue;
    const entry = (await this.read()).secrets[key];
    if (!entry) return null;
    if ('plain' in entry) {
      if (await this.canEncrypt()) await this.set(key, entry.plain); // upgrade now that a keychain exists
      return entry.plain;
    }
    try {
      const { result, shouldReEncrypt } = await this.safeStorage.decryptStringAsync(Buffer.from(entry.encrypted, 'base64'));
      if (shouldReEncrypt) await this.set(key, result);
      return result;
    } catch {
      // The keychain entry changed or was reset: the value is lost, and the person must enter it again.
      this.logger.warn(`secret "${key}" cannot be decrypted any more; enter it again in Settings`);
      return null;
    }
  }

  set(key: string, value: string): Promise<void> {
    return this.mutate(async (secrets) => {
      secrets[key] = (await this.canEncrypt()) ? { encrypted: (await this.safeStorage.encryptStringAsync(value)).toString('base64') } : { plain: value };
    });
  }

  delete(key: string): Promise<void> {
    return this.mutate(async (secrets) => {
      delete secrets[key];
    });
  }

  private mutate(change: (secrets: Record<string, Entry>) => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      const data = await this.read();
      await change(data.secrets);
      await this.write(data);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private canEncrypt(): Promise<boolean> {
    this.available ??= this.safeStorage.isAsyncEncryptionAvailable().then(
      (ok) => {
        if (!ok) {
          this.logger.warn(`no system keychain available: secrets are stored unencrypted in ${this.file}, readable only by you`);
        } else if (this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
          this.logger.warn('no Secret Service or KWallet found: secrets are only obfuscated (basic_text); the file stays readable only by you');
        }
        return ok;
      },
      () => false,
    );
    return this.available;
  }

  private async read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw error;
    }
    try {
      const data = JSON.parse(text) as SecretsFile;
      if (data && typeof data === 'object' && data.secrets && typeof data.secrets === 'object') return { version: 1, secrets: { ...data.secrets } };
    } catch {
      // fall through: never echo the content, it may hold a secret
    }
    this.logger.warn(`${this.file} is not readable as JSON; starting with no stored secrets`);
    return { version: 1, secrets: {} };
  }

  /** Temp file created 0600, then renamed over: never a moment with a wider mode or half a file. */
  private async write(data: SecretsFile): Promise<void> {
    writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  }
}
