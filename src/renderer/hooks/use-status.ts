import { useEffect, useState } from 'preact/hooks';
import type { EncoreApi } from '../../shared/api';
import type { StatusSnapshot } from '../../shared/status';

export interface StatusState {
  snapshot: StatusSnapshot | null;
  /** Why the first snapshot could not be read, if it could not. */
  error: string | null;
}

/**
 * The latest snapshot: pushed ones as they come, plus one read at start so the
 * window is filled even before the first push. Older versions never replace
 * newer ones (a slow getStatus can answer after a push).
 */
export function useStatus(api: EncoreApi): StatusState {
  const [state, setState] = useState<StatusState>({ snapshot: null, error: null });
  useEffect(() => {
    let live = true;
    const accept = (snapshot: StatusSnapshot) => {
      if (!live) return;
      setState((prev) =>
        prev.snapshot && prev.snapshot.version > snapshot.version && prev.snapshot.generatedAt >= snapshot.generatedAt
          ? prev
          : { snapshot, error: null },
      );
    };
    const unsubscribe = api.onStatus(accept);
    api.getStatus({}).then(accept, (e: unknown) => {
      if (live) setState((prev) => (prev.snapshot ? prev : { snapshot: null, error: e instanceof Error ? e.message : String(e) }));
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [api]);
  return state;
}
