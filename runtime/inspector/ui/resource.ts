/**
 * A view's data from one API path: fetched when the path changes, kept
 * while a newer answer is on its way (so live pages never blank out), and
 * replaceable in place by a live update.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api-client.ts';

export interface Resource<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** Fetches the path again. */
  readonly reload: () => void;
  /** Replaces the data (a live update), clearing any error. */
  readonly set: (data: T) => void;
}

export function useResource<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const current = useRef(path);
  current.current = path;

  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setLoading(true);
    getJson<T>(path, abort.signal).then(
      (answer) => {
        if (current.current !== path) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (failure: Error) => {
        if (failure.name === 'AbortError' || current.current !== path) return;
        setError(failure.message);
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const set = useCallback((next: T) => {
    setData(next);
    setError(null);
    setLoading(false);
  }, []);
  return { data, error, loading, reload, set };
}

/** Re-renders every `ms` so ages ("12 s ago") stay true between updates. */
export function useTick(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
