// Human units for the dashboard. Decimal prefixes throughout (kB = 1000 B), as network
// tools count traffic; bit rates are bytes * 8. Every function is total: NaN, negative
// or missing input gives a readable text, never "NaN undefined".

const kDecimal = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

// Scales a non-negative value to the largest decimal prefix that keeps it >= 1 and
// formats it with about three significant digits ("1.23 MB", "12.3 MB", "123 MB").
function scaled(value: number, unit: string, prefixes: string[] = kDecimal): string {
  if (!Number.isFinite(value)) return `– ${unit}`;
  const sign = value < 0 ? '-' : '';
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1000 && i < prefixes.length - 1) {
    v /= 1000;
    i += 1;
  }
  let text: string;
  if (i === 0) {
    text = Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  } else {
    text = v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  }
  return `${sign}${text} ${prefixes[i]}${unit}`;
}

/** 1234567 -> "1.23 MB" (decimal: B, kB, MB, GB, TB). */
export function formatBytes(bytes: number): string {
  return scaled(bytes, 'B');
}

/** Bytes per second -> bits per second: 125000 -> "1.00 Mbit/s". */
export function formatBitRate(bytesPerSecond: number): string {
  return scaled(bytesPerSecond * 8, 'bit/s');
}

/** Bytes per second as "1.23 MB/s". */
export function formatByteRate(bytesPerSecond: number): string {
  return scaled(bytesPerSecond, 'B/s');
}

/** Packets per second: 1500 -> "1.50 kpkt/s". */
export function formatPacketRate(packetsPerSecond: number): string {
  return scaled(packetsPerSecond, 'pkt/s');
}

/** Plain counts (packets, flows, hosts) with a short prefix: 1500 -> "1.50 k". */
export function formatCount(n: number): string {
  return scaled(n, '').trimEnd();
}

/** Exact integer with thousands separators: 1234567 -> "1,234,567". */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A metric value: bytes in byte units, anything else as a count. */
export function formatMetric(metric: string, value: number): string {
  return metric === 'bytes' ? formatBytes(value) : formatCount(value);
}

/** A rate of a metric (per second). */
export function formatMetricRate(metric: string, perSecond: number): string {
  if (metric === 'bytes') return formatByteRate(perSecond);
  if (metric === 'packets') return formatPacketRate(perSecond);
  return scaled(perSecond, 'flows/s');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "2026-11-30 16:25:00" in UTC (the store's and the API's time zone). */
export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "16:25:00" (UTC), for time axes. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** ISO-8601 UTC with Z and whole seconds, the API's time parameter format. */
export function toIsoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Parses the API's times: ISO-8601 ("2026-01-01T10:00:00Z"), pmacct's
 * "2026-01-01 10:00:00.123456" (UTC), or epoch numbers (ns when > 1e15, ms when > 1e11,
 * else seconds). Returns NaN for anything else.
 */
export function parseApiTime(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return NaN;
    if (Math.abs(value) > 1e15) return value / 1e6;
    if (Math.abs(value) > 1e11) return value;
    return value * 1000;
  }
  if (typeof value !== 'string' || value.length < 10) return NaN;
  let text = value.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00Z';
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  // Date.parse keeps milliseconds only; microseconds are cut, not rounded.
  text = text.replace(/(\.\d{3})\d+/, '$1');
  return Date.parse(text);
}

/** Duration in seconds as "15 min", "1 h", "2 d", "10 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds % 86400 === 0 && seconds >= 86400) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
