import { useEffect, useState } from 'preact/hooks';
import type { ApiName, ApiRequest, ApiResponse } from '../../shared/api';
import { useApp } from '../context';
import type { Loaded } from './use-load';

/**
 * One API call, made again whenever `key` changes (a JSON of the request is a
 * good key). The previous call is cancelled (over HTTP its request is aborted)
 * and its answer ignored, so a slow answer to an old search never replaces
 * the newer one; the previous data stays on screen while the next loads.
 * `request` null makes no call.
 */
export function useQuery<K extends ApiName>(name: K, request: ApiRequest<K> | null, refresh = 0): Loaded<ApiResponse<K>> {
  const { transport } = useApp();
  const [state, setState] = useState<Loaded<ApiResponse<K>>>({ data: null, error: null, loading: request !== null });
  const key = request === null ? null : JSON.stringify(request);
  useEffect(() => {
    if (request === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    transport.call(name, request, controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ data: s.data, error: e instanceof Error ? e.message : String(e), loading: false }));
      },
    );
    return () => controller.abort();
    // `key` stands for `request`: a new object with the same content is the same call.
  }, [transport, name, key, refresh]);
  return state;
}
