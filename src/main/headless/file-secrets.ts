// Secrets for the headless host: a JSON file readable by this user only (0600).
// The desktop uses Electron's safeStorage instead.
import fs from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write';
import type { SecretStore } from '../core/ports';

export class FileSecretStore implements SecretStore {
  constructor(private readonly file: string) {}

  private read(): Record<string, string> {
    try {
      const value = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  private write(values: Record<string, string>): void {
    writeFileAtomic(this.file, JSON.stringify(values, null, 2), { mode: 0o600 });
  }

  async get(key: string): Promise<string | null> {
    const value = this.read()[key];
    return typeof value === 'string' ? value : null;
  }

  async set(key: string, value: string): Promise<void> {
    this.write({ ...this.read(), [key]: value });
  }

  async delete(key: string): Promise<void> {
    const values = this.read();
    delete values[key];
    this.write(values);
  }
}
