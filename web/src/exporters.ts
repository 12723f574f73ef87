// Exporter health (GET /api/v1/exporters) as the Exporters page shows it: one row per
// flow exporter with what it sent and what went wrong, problem rows first, so the
// misbehaving exporter is at the top. Pure functions over the API's JSON; every reader
// is total (a missing or non-numeric field reads as 0 / empty, never NaN).

import type { ExporterInterface, ExporterStats, Exporters, ExportersTotals } from './api';
import { formatBytes, formatInteger, parseApiTime } from './format';

/** |clock skew| above this many seconds is a problem (exporter clock or timezone wrong). */
export const kSkewLimitS = 60;
/** An exporter silent for longer than this is shown as quiet (not a problem by itself). */
export const kQuietAfterS = 300;
/** The page re-reads the endpoint this often: it is live state, not a time range. */
export const kRefreshMs = 5000;

/** What each decode-error reason means (the API's snake_case names). */
export const kErrorReasons: Record<string, string> = {
  too_short: 'datagram shorter than the smallest header of any known protocol',
  unknown_version: 'version field is not 5 (NetFlow v5 / sFlow v5), 9 or 10',
  v5_length: 'NetFlow v5: 24 + 48 × count exceeds the datagram',
  header_length: 'IPFIX: message length field disagrees with the datagram',
  set_length: 'v9/IPFIX: set length < 4 or past the end of the datagram',
  bad_template: 'template record cut short, zero length or out-of-range id',
  template_record_length: 'template whose records would have no bytes',
  variable_length: 'IPFIX variable-length field runs past the record',
  held_overflow: 'data set waiting for its template dropped: too many sets held',
  held_expired: 'data set waiting for its template dropped: the template did not come in time',
  sflow_truncated: 'sFlow header, sample or record runs past its container',
  sflow_address_type: 'sFlow agent address type is neither IPv4 nor IPv6',
  sflow_header_not_ip: 'sFlow sampled header is not IP',
  timestamp: 'flow time before 2000 or far from the receive time (corrected to the receive time)',
};

export type ProblemKind = 'dropped_sets' | 'decode_errors' | 'clock_skew';
export interface Problem {
  kind: ProblemKind;
  text: string;
}

export type ProtocolName = 'v5' | 'v9' | 'IPFIX' | 'sFlow';
export interface ProtocolCount {
  name: ProtocolName;
  count: number; // datagrams
}

export interface Sampling {
  announced: number; // 0: none announced
  override: number; // 0: no override configured
  /** Which rate the records are scaled by: the override wins when set. */
  inEffect: 'override' | 'announced' | 'none';
  rate: number; // the rate in effect (0: none, records are not scaled)
}

export interface InterfaceRow {
  ifIndex: number;
  inOctets: number;
  outOctets: number;
  inErrors: number;
  outErrors: number;
  inDiscards: number;
  outDiscards: number;
  speed: number; // bit/s
  updatedMs: number;
  problem: boolean; // any errors or discards
}

export interface ExporterRow {
  key: string; // the exporter address; unique per row
  address: string;
  port: number;
  endpoint: string; // "192.0.2.1:50000", "[2001:db8::1]:6343"
  protocols: ProtocolCount[]; // only those seen
  protocolsText: string; // "v5 12 · IPFIX 3"; "–" when none
  datagrams: number;
  records: number;
  templatesSeen: number;
  templatesWithdrawn: number;
  optionsRecords: number;
  setsHeld: number;
  setsDecodedFromHold: number;
  setsDropped: number;
  bytesDropped: number;
  counterSamples: number;
  timestampsCorrected: number;
  sampling: Sampling;
  skewS: number;
  skewFlag: boolean; // |skew| > kSkewLimitS
  lastSeenMs: number; // NaN when unknown
  errors: [string, number][]; // reason, count; most frequent first
  errorCount: number;
  errorsText: string; // "held_expired=3, too_short=1"; "" when none
  interfaces: InterfaceRow[]; // by ifIndex
  problems: Problem[];
}

export interface TotalsView {
  datagrams: number;
  bytes: number;
  records: number;
  kernelDrops: number;
  truncated: number;
  receiveErrors: number;
  errors: [string, number][];
  errorCount: number;
  errorsText: string;
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** reason=count pairs with a count > 0, most frequent first (then by name). */
export function errorList(errors: unknown): [string, number][] {
  if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return [];
  return Object.entries(errors as Record<string, unknown>)
    .map(([k, v]): [string, number] => [k, num(v)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function errorsText(list: [string, number][]): string {
  return list.map(([k, n]) => `${k}=${n}`).join(', ');
}

/** "192.0.2.1:50000", "[2001:db8::1]:6343"; the address alone when the port is 0. */
export function endpointText(address: string, port: number): string {
  if (!port) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function samplingOf(announced: number, override: number): Sampling {
  if (override > 0) return { announced, override, inEffect: 'override', rate: override };
  if (announced > 0) return { announced, override, inEffect: 'announced', rate: announced };
  return { announced, override, inEffect: 'none', rate: 0 };
}

/** A sampling rate as "1:1,000", or "none" for 0. */
export function formatRate(rate: number): string {
  return rate > 0 ? `1:${formatInteger(rate)}` : 'none';
}

/** Clock skew: "+1.23 s" under a minute, else whole seconds and a rough unit ("+7,200 s (2.0 h)"). */
export function formatSkew(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const sign = seconds > 0 ? '+' : seconds < 0 ? '−' : '';
  const a = Math.abs(seconds);
  if (a < 60) return `${sign}${a.toFixed(2)} s`;
  const units: [number, string][] = [
    [365.25 * 86400, 'y'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
  ];
  const [size, unit] = units.find(([s]) => a >= s) ?? [60, 'min'];
  return `${sign}${formatInteger(a)} s (${(a / size).toFixed(1)} ${unit})`;
}

/** Age of a time relative to now: "4 s ago", "3 min ago", "2 h ago", "5 d ago"; "never" for NaN. */
export function formatAge(thenMs: number, nowMs: number): string {
  if (!Number.isFinite(thenMs) || thenMs <= 0) return 'never';
  const s = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function interfaceRow(raw: Partial<ExporterInterface>): InterfaceRow {
  const row = {
    ifIndex: num(raw.if_index),
    inOctets: num(raw.in_octets),
    outOctets: num(raw.out_octets),
    inErrors: num(raw.in_errors),
    outErrors: num(raw.out_errors),
    inDiscards: num(raw.in_discards),
    outDiscards: num(raw.out_discards),
    speed: num(raw.speed),
    updatedMs: num(raw.updated_ns) > 0 ? Math.round(num(raw.updated_ns) / 1e6) : parseApiTime(raw.updated),
  };
  return { ...row, problem: row.inErrors + row.outErrors + row.inDiscards + row.outDiscards > 0 };
}

/** One exporter of the API's answer as a table row, with its problems. */
export function exporterRow(raw: Partial<ExporterStats>): ExporterRow {
  const address = typeof raw.exporter === 'string' ? raw.exporter : String(raw.exporter ?? '');
  const port = num(raw.port);
  const protocols = (
    [
      ['v5', raw.netflow_v5],
      ['v9', raw.netflow_v9],
      ['IPFIX', raw.ipfix],
      ['sFlow', raw.sflow],
    ] as [ProtocolName, unknown][]
  )
    .map(([name, v]) => ({ name, count: num(v) }))
    .filter((p) => p.count > 0);
  const errors = errorList(raw.decode_errors);
  const errorCount = errors.reduce((n, [, c]) => n + c, 0);
  // Nanoseconds past 2^53 are not exact in a double; milliseconds after rounding are.
  const nsMs = Math.round(num(raw.last_seen_ns) / 1e6);
  const skewS = num(raw.clock_skew_s);
  const row: ExporterRow = {
    key: address,
    address,
    port,
    endpoint: endpointText(address, port),
    protocols,
    protocolsText: protocols.length ? protocols.map((p) => `${p.name} ${formatInteger(p.count)}`).join(' · ') : '–',
    datagrams: num(raw.datagrams),
    records: num(raw.records),
    templatesSeen: num(raw.templates_seen),
    templatesWithdrawn: num(raw.templates_withdrawn),
    optionsRecords: num(raw.options_records),
    setsHeld: num(raw.sets_held),
    setsDecodedFromHold: num(raw.sets_decoded_from_hold),
    setsDropped: num(raw.sets_dropped_no_template),
    bytesDropped: num(raw.bytes_dropped_no_template),
    counterSamples: num(raw.counter_samples),
    timestampsCorrected: num(raw.timestamps_corrected),
    sampling: samplingOf(num(raw.sampling_rate_announced), num(raw.sampling_rate_override)),
    skewS,
    skewFlag: Math.abs(skewS) > kSkewLimitS,
    lastSeenMs: nsMs > 0 ? nsMs : parseApiTime(raw.last_seen),
    errors,
    errorCount,
    errorsText: errorsText(errors),
    interfaces: (Array.isArray(raw.interfaces) ? raw.interfaces : [])
      .filter((i): i is ExporterInterface => !!i && typeof i === 'object')
      .map(interfaceRow)
      .sort((a, b) => a.ifIndex - b.ifIndex),
    problems: [],
  };
  if (row.setsDropped > 0)
    row.problems.push({
      kind: 'dropped_sets',
      text: `${formatInteger(row.setsDropped)} data set${row.setsDropped === 1 ? '' : 's'} (${formatBytes(row.bytesDropped)}) dropped: their template never came`,
    });
  if (row.errorCount > 0) row.problems.push({ kind: 'decode_errors', text: `${formatInteger(row.errorCount)} decode error${row.errorCount === 1 ? '' : 's'}: ${row.errorsText}` });
  if (row.skewFlag) row.problems.push({ kind: 'clock_skew', text: `clock skew ${formatSkew(skewS)} (more than ${kSkewLimitS} s): the exporter's clock or time zone is off` });
  return row;
}

/** Problem rows first (more problems first), then by datagrams (most first), then by address. */
export function compareRows(a: ExporterRow, b: ExporterRow): number {
  return b.problems.length - a.problems.length || b.datagrams - a.datagrams || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Every exporter of an answer as rows, sorted by compareRows. */
export function exporterRows(answer: Partial<Exporters> | null | undefined): ExporterRow[] {
  const list = Array.isArray(answer?.exporters) ? answer.exporters : [];
  return list
    .filter((e): e is ExporterStats => !!e && typeof e === 'object')
    .map(exporterRow)
    .sort(compareRows);
}

export function totalsView(totals: Partial<ExportersTotals> | null | undefined): TotalsView {
  const t = totals ?? {};
  const errors = errorList(t.decode_errors);
  return {
    datagrams: num(t.datagrams),
    bytes: num(t.bytes),
    records: num(t.records),
    kernelDrops: num(t.kernel_drops),
    truncated: num(t.truncated),
    receiveErrors: num(t.receive_errors),
    errors,
    errorCount: errors.reduce((n, [, c]) => n + c, 0),
    errorsText: errorsText(errors),
  };
}

/** Column sums over the rows (the table's footer). */
export function sumRows(rows: ExporterRow[]): { datagrams: number; records: number; setsDropped: number; errorCount: number; problemRows: number } {
  return rows.reduce(
    (s, r) => ({
      datagrams: s.datagrams + r.datagrams,
      records: s.records + r.records,
      setsDropped: s.setsDropped + r.setsDropped,
      errorCount: s.errorCount + r.errorCount,
      problemRows: s.problemRows + (r.problems.length > 0 ? 1 : 0),
    }),
    { datagrams: 0, records: 0, setsDropped: 0, errorCount: 0, problemRows: 0 },
  );
}
