import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../api/client.ts';

export type RequestState<T> =
  | { status: 'loading'; value?: T | undefined }
  | { status: 'done'; value: T }
  | { status: 'error'; error: ApiError; value?: T | undefined };

/**
 * Loads data for a page and reloads it when `deps` change or `reload()` is called. The previous
 * value stays visible while reloading, and an answer that arrives after a newer request is dropped.
 */
export function useRequest<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<RequestState<T>>({ status: 'loading' });
  const latest = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller lists what `load` depends on
  const stableLoad = useCallback(load, deps);

  const run = useCallback(() => {
    const ticket = ++latest.current;
    setState((s) => ({ status: 'loading', value: s.value }));
    stableLoad().then(
      (value) => ticket === latest.current && setState({ status: 'done', value }),
      (err: unknown) =>
        ticket === latest.current && setState((s) => ({ status: 'error', error: toApiError(err), value: s.value }))
    );
  }, [stableLoad]);

  useEffect(() => {
    run();
    // Unmounting or reloading with new deps makes any answer still on its way stale.
    const tickets = latest;
    return () => {
      tickets.current++;
    };
  }, [run]);

  return { state, reload: run };
}
