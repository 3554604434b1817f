import { createContext } from 'preact';
import { useCallback, useContext, useState } from 'preact/hooks';
import type { EncoreApi } from '../shared/api';
import type { Transport } from './bridge';
import type { Tone } from './lib/states';

export interface AppContextValue {
  api: EncoreApi;
  /** The same calls, cancellable; with a download URL for streamed routes over HTTP. */
  transport: Transport;
  /** Shows a short message at the bottom of the window. */
  notify(tone: Tone, text: string): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext.Provider>');
  return value;
}

/**
 * Runs a button's action: the button is busy meanwhile (no double clicks) and
 * a failure becomes a toast saying what failed and why.
 */
export function useAction(): [busy: string | null, run: (key: string, what: string, action: () => Promise<unknown>) => Promise<void>] {
  const { notify } = useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const run = useCallback(
    async (key: string, what: string, action: () => Promise<unknown>) => {
      setBusy(key);
      try {
        await action();
      } catch (e) {
        notify('error', `${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        setBusy((b) => (b === key ? null : b));
      }
    },
    [notify],
  );
  return [busy, run];
}
