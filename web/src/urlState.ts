// The dashboard's state lives in the page URL's query string so a view can be shared
// and the back button works. parseState/serializeState are inverses for every state
// they produce; defaults are left out of the URL to keep links short. `token` is not
// part of the state: it is carried over unchanged by withState().

export type View = 'overview' | 'date' | 'top' | 'flows' | 'exporters';
export type Preset = '15m' | '1h' | '24h' | '7d' | '30d' | 'all' | 'custom';
export type DailyMetric = 'bytes' | 'packets';
export type FlowSortKey = 'start' | '-start' | 'bytes' | 'packets';
export type TopMetric = 'bytes' | 'packets' | 'flows';

export interface Filters {
  proto?: string;
  host?: string;
  src_host?: string;
  dst_host?: string;
  port?: string;
  direction?: string;
}

export const kFilterKeys: (keyof Filters)[] = ['proto', 'host', 'src_host', 'dst_host', 'port', 'direction'];

export interface AppState {
  view: View;
  range: Preset;
  from?: string; // ISO, custom range only
  to?: string;
  filters: Filters;
  host?: string; // Date Access Trend host
  dailyMetric: DailyMetric;
  topMetric: TopMetric;
  sort: FlowSortKey;
  limit: number;
  cursor?: string; // flow explorer page
}

export const kViews: View[] = ['overview', 'date', 'top', 'flows', 'exporters'];
export const kPresets: Preset[] = ['15m', '1h', '24h', '7d', '30d', 'all', 'custom'];
export const kPresetSeconds: Record<Exclude<Preset, 'all' | 'custom'>, number> = {
  '15m': 900,
  '1h': 3600,
  '24h': 86400,
  '7d': 7 * 86400,
  '30d': 30 * 86400,
};
export const kSorts: FlowSortKey[] = ['start', '-start', 'bytes', 'packets'];
export const kPageSizes = [50, 100, 500, 1000];

export const kDefaultState: AppState = {
  view: 'overview',
  range: '1h',
  filters: {},
  dailyMetric: 'bytes',
  topMetric: 'bytes',
  sort: 'start',
  limit: 100,
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function nonEmpty(value: string | null): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** Reads the state from a query string ("?view=top&range=24h"); unknown values fall back to defaults. */
export function parseState(search: string): AppState {
  const q = new URLSearchParams(search);
  const filters: Filters = {};
  for (const key of kFilterKeys) {
    const v = nonEmpty(q.get(key));
    if (v !== undefined) filters[key] = v;
  }
  const from = nonEmpty(q.get('from'));
  const to = nonEmpty(q.get('to'));
  let range = oneOf(q.get('range'), kPresets, from && to ? 'custom' : kDefaultState.range);
  if (range === 'custom' && !(from && to)) range = kDefaultState.range;
  const limit = Number(q.get('limit'));
  const state: AppState = {
    view: oneOf(q.get('view'), kViews, kDefaultState.view),
    range,
    filters,
    dailyMetric: oneOf(q.get('metric'), ['bytes', 'packets'] as const, kDefaultState.dailyMetric),
    topMetric: oneOf(q.get('top_metric'), ['bytes', 'packets', 'flows'] as const, kDefaultState.topMetric),
    sort: oneOf(q.get('sort'), kSorts, kDefaultState.sort),
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 10000 ? limit : kDefaultState.limit,
  };
  if (range === 'custom') {
    state.from = from;
    state.to = to;
  }
  const host = nonEmpty(q.get('daily_host'));
  if (host) state.host = host;
  const cursor = nonEmpty(q.get('cursor'));
  if (cursor) state.cursor = cursor;
  return state;
}

/** Writes the state as a query string without the leading '?', defaults left out. */
export function serializeState(s: AppState): string {
  const q = new URLSearchParams();
  if (s.view !== kDefaultState.view) q.set('view', s.view);
  if (s.range === 'custom' && s.from && s.to) {
    q.set('range', 'custom');
    q.set('from', s.from);
    q.set('to', s.to);
  } else if (s.range !== kDefaultState.range && s.range !== 'custom') {
    q.set('range', s.range);
  }
  for (const key of kFilterKeys) {
    const v = s.filters[key];
    if (v) q.set(key, v);
  }
  if (s.host) q.set('daily_host', s.host);
  if (s.dailyMetric !== kDefaultState.dailyMetric) q.set('metric', s.dailyMetric);
  if (s.topMetric !== kDefaultState.topMetric) q.set('top_metric', s.topMetric);
  if (s.sort !== kDefaultState.sort) q.set('sort', s.sort);
  if (s.limit !== kDefaultState.limit) q.set('limit', String(s.limit));
  if (s.cursor) q.set('cursor', s.cursor);
  return q.toString();
}

/** The full query string for a new state, keeping the page's `token` (if any) first. */
export function withState(currentSearch: string, s: AppState): string {
  const token = new URLSearchParams(currentSearch).get('token');
  const body = serializeState(s);
  const parts: string[] = [];
  if (token) parts.push(`token=${encodeURIComponent(token)}`);
  if (body) parts.push(body);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * The concrete [from, to) of a range in ms. Presets end at `nowMs` rounded up to the
 * next whole minute (so a minute's repeated loads hit the same buckets). `all` needs
 * the store's extent (`extent`, from /summary); without it returns null.
 */
export function resolveRange(
  s: Pick<AppState, 'range' | 'from' | 'to'>,
  nowMs: number,
  extent?: { firstMs: number; lastMs: number },
): { fromMs: number; toMs: number } | null {
  if (s.range === 'custom') {
    const fromMs = Date.parse(s.from ?? '');
    const toMs = Date.parse(s.to ?? '');
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return null;
    return { fromMs, toMs };
  }
  if (s.range === 'all') {
    if (!extent || !Number.isFinite(extent.firstMs) || !Number.isFinite(extent.lastMs) || extent.lastMs <= 0) return null;
    const day = 86400_000;
    return { fromMs: Math.floor(extent.firstMs / day) * day, toMs: Math.floor(extent.lastMs / day) * day + day };
  }
  const minute = 60_000;
  const toMs = Math.ceil(nowMs / minute) * minute;
  return { fromMs: toMs - kPresetSeconds[s.range] * 1000, toMs };
}

/** Filters as API query parameters (only the set ones). */
export function filterParams(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of kFilterKeys) {
    const v = f[key]?.trim();
    if (v) out[key] = v;
  }
  return out;
}

/** The flow-explorer filter a click on a top entry means (dimension -> filter key). */
export function filterForTopEntry(dimension: string, key: string): Filters {
  switch (dimension) {
    case 'src-host':
      return { src_host: key };
    case 'dst-host':
      return { dst_host: key };
    case 'proto':
      return { proto: key };
    default:
      // port, src-port, dst-port: the API filters on "source or destination port".
      return { port: key };
  }
}
