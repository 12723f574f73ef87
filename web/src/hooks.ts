// React glue: URL state, theme, API requests, and the concrete time range.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { getJson, type Summary } from './api';
import { parseApiTime, toIsoSeconds } from './format';
import { parseState, resolveRange, withState, type AppState } from './urlState';

/** The app state, read from and written to the URL (pushState; back/forward work). */
export function useUrlState(): [AppState, (next: AppState, replace?: boolean) => void] {
  const [state, setState] = useState<AppState>(() => parseState(location.search));
  useEffect(() => {
    const onPop = () => setState(parseState(location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const update = useCallback((next: AppState, replace = false) => {
    const search = withState(location.search, next);
    const url = `${location.pathname}${search}${location.hash}`;
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    setState(next);
  }, []);
  return [state, update];
}

export type Theme = 'light' | 'dark';

/** Light/dark: the user's choice (kept in localStorage) or else prefers-color-scheme. */
export function useTheme(): [Theme, () => void] {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const [system, setSystem] = useState<Theme>(media?.matches ? 'dark' : 'light');
  const [chosen, setChosen] = useState<Theme | null>(() => {
    const v = localStorage.getItem('flowlens.theme');
    return v === 'light' || v === 'dark' ? v : null;
  });
  useEffect(() => {
    if (!media) return;
    const onChange = (e: MediaQueryListEvent) => setSystem(e.matches ? 'dark' : 'light');
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [media]);
  const theme = chosen ?? system;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = useCallback(() => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('flowlens.theme', next);
    setChosen(next);
  }, [theme]);
  return [theme, toggle];
}

export interface Loadable<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/** GETs path with params whenever the key (path + params) changes; null path = idle. */
export function useApi<T>(path: string | null, params: Record<string, string | number | undefined> = {}, reload = 0): Loadable<T> {
  const key = path === null ? null : JSON.stringify([path, params, reload]);
  const [result, setResult] = useState<Loadable<T>>({ data: undefined, error: undefined, loading: path !== null });
  useEffect(() => {
    if (key === null || path === null) {
      setResult({ data: undefined, error: undefined, loading: false });
      return;
    }
    const ctl = new AbortController();
    setResult((r) => ({ data: r.data, error: undefined, loading: true }));
    getJson<T>(path, params, ctl.signal).then(
      (data) => setResult({ data, error: undefined, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setResult({ data: undefined, error, loading: false });
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return result;
}

export interface ConcreteRange {
  fromMs: number;
  toMs: number;
  from: string; // ISO for the API
  to: string;
}

/**
 * The state's range as concrete times. `refresh` (a counter) re-reads "now" for presets;
 * `all` asks /summary for the store's extent first.
 */
export function useRange(state: AppState, refresh: number): { range: ConcreteRange | null; loading: boolean; error?: Error } {
  const extent = useApi<Summary>(state.range === 'all' ? '/api/v1/summary' : null, {}, refresh);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const now = useMemo(() => Date.now(), [refresh, state.range, state.from, state.to]);
  const range = useMemo(() => {
    const ext = extent.data ? { firstMs: parseApiTime(extent.data.first), lastMs: parseApiTime(extent.data.last) } : undefined;
    const r = resolveRange(state, now, ext);
    return r ? { ...r, from: toIsoSeconds(r.fromMs), to: toIsoSeconds(r.toMs) } : null;
  }, [state.range, state.from, state.to, now, extent.data]);
  return { range, loading: extent.loading, error: extent.error };
}
