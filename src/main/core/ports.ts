// What a host hands the core. The core never asks "am I in Electron?".
import type { Disposable } from './disposable';

export type PowerEvent =
  | { type: 'suspend'; source: PowerSource }
  | { type: 'resume'; source: PowerSource; sleptMs?: number }
  | { type: 'lock-screen' | 'unlock-screen' | 'shutdown'; source: PowerSource }
  | { type: 'online' | 'offline'; source: PowerSource }
  /** The wall clock was set back (NTP, by hand): not a wake. */
  | { type: 'clock-step'; source: PowerSource; stepMs: number };

export type PowerSource = 'electron' | 'clock-jump' | 'logind' | 'simulated' | 'network';

/** One adapter per trigger (powerMonitor, clock jump, logind, the API). */
export interface PowerTrigger extends Disposable {
  readonly name: PowerSource;
  start(emit: (event: PowerEvent) => void): void;
}

/** Secrets (Last.fm key, Roon tokens): safeStorage on the desktop, a 0600 file elsewhere. */
export interface SecretStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}
