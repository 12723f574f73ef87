// The REST API client (same origin, JSON). A `?token=` on the page URL is sent as
// `Authorization: Bearer` on every request and as `?token=` on the WebSocket URL.

export interface Counters {
  bytes: number;
  packets: number;
  flows: number;
}
export interface Summary extends Counters {
  stored_flows: number;
  first: string | number | null;
  last: string | number | null;
}
export interface TimeseriesPoint extends Counters {
  time: string;
}
export interface Timeseries {
  from: string;
  step_s: number;
  metric: string;
  resolution: string;
  series: { group: string; points: TimeseriesPoint[] }[];
}
export interface HostDay {
  day: string;
  in_bytes: number;
  in_packets: number;
  out_bytes: number;
  out_packets: number;
}
export interface HostDaily {
  host: string;
  days: HostDay[];
}
export interface TopEntry extends Counters {
  key: string;
}
export interface Top {
  by: string;
  metric: string;
  exact: boolean;
  entries: TopEntry[];
}
export interface Flow {
  ip_src: string;
  ip_dst: string;
  port_src: number;
  port_dst: number;
  ip_proto: string;
  direction?: string;
  timestamp_start: string;
  timestamp_end: string;
  packets: number;
  bytes: number;
}
export interface Flows {
  flows: Record<string, unknown>[]; // see normalizeFlow
  next_cursor: string;
}

function nsToIso(ns: unknown): string | undefined {
  return typeof ns === 'number' && Number.isFinite(ns) ? new Date(ns / 1e6).toISOString() : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0) || 0;
}

/**
 * One row of /api/v1/flows as a Flow. Accepts the pmacct-style names (ip_src, port_src,
 * ip_proto as a name, timestamp_start) and the server's (src, src_port, proto as a name
 * with ip_proto as a number, start / start_ns / end_ns).
 */
export function normalizeFlow(raw: Record<string, unknown>): Flow {
  const protoName = typeof raw.proto === 'string' ? raw.proto : typeof raw.ip_proto === 'string' ? raw.ip_proto : str(raw.ip_proto ?? raw.proto);
  return {
    ip_src: str(raw.ip_src ?? raw.src) ?? '',
    ip_dst: str(raw.ip_dst ?? raw.dst) ?? '',
    port_src: num(raw.port_src ?? raw.src_port),
    port_dst: num(raw.port_dst ?? raw.dst_port),
    ip_proto: protoName ?? '',
    direction: str(raw.direction),
    timestamp_start: str(raw.timestamp_start) ?? nsToIso(raw.start_ns) ?? str(raw.start) ?? '',
    timestamp_end: str(raw.timestamp_end) ?? nsToIso(raw.end_ns) ?? str(raw.end) ?? '',
    packets: num(raw.packets),
    bytes: num(raw.bytes),
  };
}
export interface LocalHost {
  host: string;
  in_bytes: number;
  out_bytes: number;
}
/** What GET /api/v1/hosts answers: `{"hosts": [...]}`, busiest first. */
export interface LocalHosts {
  hosts: LocalHost[];
}

/**
 * The host list of a /api/v1/hosts answer. The server wraps it (`{"hosts": [...]}`);
 * a bare array (older mocks) is accepted too; anything else is an empty list.
 */
export function localHostList(answer: unknown): LocalHost[] {
  const list = Array.isArray(answer) ? answer : (answer as Partial<LocalHosts> | null | undefined)?.hosts;
  return Array.isArray(list) ? list.filter((h): h is LocalHost => !!h && typeof (h as LocalHost).host === 'string') : [];
}

/** An API failure with what the user can do about it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function pageToken(search: string = typeof location === 'undefined' ? '' : location.search): string | null {
  return new URLSearchParams(search).get('token');
}

export function buildUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The hint shown under an error, by HTTP status. */
export function hintFor(status: number): string {
  if (status === 401 || status === 403) return 'The API wants a token: open the page with ?token=YOUR_TOKEN (see --auth-token).';
  if (status === 400) return 'A parameter was rejected; check the range and the filters (the message names the parameter).';
  if (status === 404) return 'Not found: is this the flowlens server, and is the address right?';
  if (status === 502 || status === 503 || status === 504)
    return 'The flowlens server does not answer: is `flowlens run` (or `flowlens serve`) running? Reload when it is.';
  if (status >= 500) return 'The server failed; see the flowlens log, then reload.';
  if (status === 0) return 'Cannot reach the server: is `flowlens run` (or `flowlens serve`) running?';
  return 'Reload the page; if it persists, see the flowlens log.';
}

// The server answers errors with a JSON problem body; its message field name is not
// fixed yet, so several common ones are tried.
function problemMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['detail', 'message', 'error', 'title']) {
    if (typeof b[key] === 'string' && b[key]) {
      const param = typeof b.parameter === 'string' ? b.parameter : typeof b.param === 'string' ? b.param : undefined;
      return param && !(b[key] as string).includes(param) ? `${param}: ${b[key]}` : (b[key] as string);
    }
  }
  return undefined;
}

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = pageToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(buildUrl(path, params), { headers, signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(`Network error: ${(e as Error).message}`, 0, hintFor(0));
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const msg = problemMessage(body) ?? (text.slice(0, 200) || response.statusText);
    throw new ApiError(`HTTP ${response.status}: ${msg}`, response.status, hintFor(response.status));
  }
  if (body === undefined) throw new ApiError(`Not JSON from ${path}`, response.status, hintFor(404));
  return body as T;
}

/** ws(s)://host/api/v1/live with the page's token. */
export function liveUrl(loc: { protocol: string; host: string; search: string }): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const token = pageToken(loc.search);
  return `${scheme}://${loc.host}/api/v1/live${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** sFlow generic interface counters of one ifIndex (latest counter sample). */
export interface ExporterInterface {
  if_index: number;
  in_octets: number;
  out_octets: number;
  in_errors: number;
  out_errors: number;
  in_discards: number;
  out_discards: number;
  speed: number; // bit/s, as the exporter announces ifSpeed
  updated: string;
  updated_ns?: number;
}
/** One flow exporter (router, switch, probe) as the collector counts it. */
export interface ExporterStats {
  exporter: string;
  port: number; // UDP source port of the latest datagram
  last_seen: string;
  last_seen_ns: number;
  datagrams: number;
  netflow_v5: number;
  netflow_v9: number;
  ipfix: number;
  sflow: number;
  records: number;
  templates_seen: number;
  templates_withdrawn: number;
  options_records: number;
  sets_held: number;
  sets_decoded_from_hold: number;
  sets_dropped_no_template: number;
  bytes_dropped_no_template: number;
  counter_samples: number;
  sampling_rate_announced: number; // 0: none
  sampling_rate_override: number; // 0: none
  timestamps_corrected: number;
  clock_skew_s: number; // receive time - export header time, latest datagram
  decode_errors: Record<string, number>; // only the reasons that occurred
  interfaces: ExporterInterface[];
}
export interface ExportersTotals {
  datagrams: number;
  bytes: number;
  records: number;
  kernel_drops: number;
  truncated: number;
  receive_errors: number;
  decode_errors: Record<string, number>;
}
/** What GET /api/v1/exporters answers: the live state of this process's flow collector. */
export interface Exporters {
  collecting: boolean;
  listeners: string[]; // "udp://127.0.0.1:2055"; [] when not collecting
  workers: number;
  receive_buffer_bytes: number;
  totals: ExportersTotals;
  exporters: ExporterStats[];
}
