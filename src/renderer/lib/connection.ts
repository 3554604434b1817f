/** Whether the window can hear from Encore: a tiny observable the browser bridge feeds. */
export interface ConnectionState {
  readonly connected: boolean;
  set(connected: boolean): void;
  subscribe(listener: (connected: boolean) => void): () => void;
}

export function createConnectionState(): ConnectionState {
  const listeners = new Set<(connected: boolean) => void>();
  let connected = true;
  return {
    get connected() {
      return connected;
    },
    set(next) {
      if (next === connected) return;
      connected = next;
      for (const listener of [...listeners]) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
