// CSV export of flow rows (RFC 4180: fields with comma, quote or newline are quoted,
// quotes doubled). Columns as pmacct's CSV, plus direction.

import type { Flow } from './api';

export const kCsvColumns: (keyof Flow)[] = [
  'ip_src', 'ip_dst', 'port_src', 'port_dst', 'ip_proto', 'direction',
  'timestamp_start', 'timestamp_end', 'packets', 'bytes',
];

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function flowsToCsv(rows: Flow[]): string {
  const lines = [kCsvColumns.join(',')];
  for (const r of rows) lines.push(kCsvColumns.map((c) => csvField(r[c])).join(','));
  return lines.join('\n') + '\n';
}
