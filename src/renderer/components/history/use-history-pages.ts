import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { HistoryPlay, PlayFilters } from '../../../shared/explore';
import { useApp } from '../../context';

const PAGE = 50;

/**
 * The list after re-reading the first page: while only that page is shown it
 * is simply replaced (plays may have been merged or removed); once more pages
 * are in, the plays newer than the top are put above, and the rest stays as
 * scrolled (a later page never shifts, the cursor is keyset).
 */
export function mergeFirstPage<P extends { id: number; startedAt: string }>(current: readonly P[], first: readonly P[], pageSize: number): P[] {
  if (current.length <= pageSize) return [...first];
  const seen = new Set(current.map((p) => p.id));
  const top = current[0]!.startedAt;
  return [...first.filter((p) => !seen.has(p.id) && p.startedAt >= top), ...current];
}

export interface HistoryPages {
  plays: HistoryPlay[];
  /** True once the last page is in. */
  done: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
}

/**
 * The history for some filters, a page at a time (keyset cursor). New filters
 * start over and cancel whatever was in flight; a refresh (new plays arrived)
 * re-reads the first page and puts the new plays on top without losing how
 * far the list was scrolled.
 */
export function useHistoryPages(filters: PlayFilters, refresh: number): HistoryPages {
  const { transport } = useApp();
  const key = JSON.stringify(filters);
  const [state, setState] = useState<{ key: string; plays: HistoryPlay[]; cursor: string | null; done: boolean; loading: boolean; error: string | null }>({
    key,
    plays: [],
    cursor: null,
    done: false,
    loading: true,
    error: null,
  });
  const inFlight = useRef<AbortController | null>(null);
  const latest = useRef(state);
  latest.current = state;

  const fail = (e: unknown) => (e instanceof Error ? e.message : String(e));

  // First page: on new filters (start over) and on refresh (merge new plays in).
  useEffect(() => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const fresh = latest.current.key !== key;
    setState((s) => (fresh ? { key, plays: [], cursor: null, done: false, loading: true, error: null } : { ...s, loading: true }));
    transport.call('getPlays', { ...filters, limit: PAGE }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setState((s) => {
          if (fresh || s.plays.length <= PAGE) return { key, plays: page.plays, cursor: page.nextCursor, done: page.nextCursor === null, loading: false, error: null };
          return { ...s, plays: mergeFirstPage(s.plays, page.plays, PAGE), loading: false, error: null };
        });
      },
      (e: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, loading: false, error: fail(e) })),
    );
    return () => controller.abort();
  }, [transport, key, refresh]);

  const loadMore = useCallback(() => {
    const s = latest.current;
    if (s.loading || s.done || s.cursor === null || s.key !== key) return;
    const controller = new AbortController();
    inFlight.current = controller;
    setState((x) => ({ ...x, loading: true }));
    transport.call('getPlays', { ...filters, limit: PAGE, cursor: s.cursor }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setState((x) => {
          if (x.key !== key) return x;
          const seen = new Set(x.plays.map((p) => p.id));
          return { ...x, plays: [...x.plays, ...page.plays.filter((p) => !seen.has(p.id))], cursor: page.nextCursor, done: page.nextCursor === null, loading: false };
        });
      },
      (e: unknown) => !controller.signal.aborted && setState((x) => ({ ...x, loading: false, error: fail(e) })),
    );
  }, [transport, key]);

  useEffect(() => () => inFlight.current?.abort(), []);

  return { plays: state.key === key ? state.plays : [], done: state.done, loading: state.loading, error: state.error, loadMore };
}
