import { describe, expect, it } from 'vitest';
import type { Exporters } from './api';
import { compareRows, endpointText, errorList, exporterRow, exporterRows, formatAge, formatRate, formatSkew, samplingOf, sumRows, totalsView } from './exporters';

// An answer of GET /api/v1/exporters as the contract gives it: a healthy v9 router, an
// IPFIX probe whose data sets waited for a template that never came (held_expired), an
// sFlow switch an hour off with one interface reporting errors, and a busy v5 exporter.
const kAnswer: Exporters = {
  collecting: true,
  listeners: ['udp://0.0.0.0:2055', 'udp://[::]:6343'],
  workers: 2,
  receive_buffer_bytes: 67108864,
  totals: {
    datagrams: 6550,
    bytes: 9_123_456,
    records: 181_000,
    kernel_drops: 17,
    truncated: 0,
    receive_errors: 0,
    decode_errors: { held_expired: 3, timestamp: 2, too_short: 0 },
  },
  exporters: [
    {
      exporter: '192.0.2.1', port: 50000, last_seen: '2026-11-30T20:00:00Z', last_seen_ns: 1_796_068_800_000_000_000,
      datagrams: 1200, netflow_v5: 0, netflow_v9: 1200, ipfix: 0, sflow: 0, records: 30_000,
      templates_seen: 4, templates_withdrawn: 0, options_records: 2, sets_held: 5, sets_decoded_from_hold: 5,
      sets_dropped_no_template: 0, bytes_dropped_no_template: 0, counter_samples: 0,
      sampling_rate_announced: 1000, sampling_rate_override: 0, timestamps_corrected: 0, clock_skew_s: 0.412,
      decode_errors: {}, interfaces: [],
    },
    {
      exporter: '198.51.100.7', port: 4739, last_seen: '2026-11-30T19:59:58Z', last_seen_ns: 1_796_068_798_000_000_000,
      datagrams: 50, netflow_v5: 0, netflow_v9: 0, ipfix: 50, sflow: 0, records: 1000,
      templates_seen: 0, templates_withdrawn: 0, options_records: 0, sets_held: 3, sets_decoded_from_hold: 0,
      sets_dropped_no_template: 3, bytes_dropped_no_template: 4200, counter_samples: 0,
      sampling_rate_announced: 0, sampling_rate_override: 0, timestamps_corrected: 0, clock_skew_s: -0.2,
      decode_errors: { held_expired: 3 }, interfaces: [],
    },
    {
      exporter: '2001:db8::5', port: 6343, last_seen: '2026-11-30T19:50:00Z', last_seen_ns: 1_796_068_200_000_000_000,
      datagrams: 300, netflow_v5: 0, netflow_v9: 0, ipfix: 0, sflow: 300, records: 150_000,
      templates_seen: 0, templates_withdrawn: 0, options_records: 0, sets_held: 0, sets_decoded_from_hold: 0,
      sets_dropped_no_template: 0, bytes_dropped_no_template: 0, counter_samples: 40,
      sampling_rate_announced: 512, sampling_rate_override: 2048, timestamps_corrected: 0, clock_skew_s: -3600.5,
      decode_errors: {},
      interfaces: [
        { if_index: 7, in_octets: 5e9, out_octets: 2e9, in_errors: 0, out_errors: 0, in_discards: 0, out_discards: 0, speed: 1e10, updated: '2026-11-30T19:50:00Z' },
        { if_index: 3, in_octets: 1e6, out_octets: 2e6, in_errors: 12, out_errors: 0, in_discards: 1, out_discards: 0, speed: 1e9, updated: '2026-11-30T19:49:30Z' },
      ],
    },
    {
      exporter: '203.0.113.9', port: 9995, last_seen: '2026-11-30T20:00:01Z', last_seen_ns: 1_796_068_801_000_000_000,
      datagrams: 5000, netflow_v5: 4998, netflow_v9: 2, ipfix: 0, sflow: 0, records: 0,
      templates_seen: 0, templates_withdrawn: 0, options_records: 0, sets_held: 0, sets_decoded_from_hold: 0,
      sets_dropped_no_template: 0, bytes_dropped_no_template: 0, counter_samples: 0,
      sampling_rate_announced: 0, sampling_rate_override: 0, timestamps_corrected: 2, clock_skew_s: 60,
      decode_errors: { timestamp: 2 }, interfaces: [],
    },
  ],
};

describe('exporterRows', () => {
  const rows = exporterRows(kAnswer);
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));

  it('flags the exporter whose held data sets expired, with both of its problems', () => {
    const r = byKey['198.51.100.7'];
    expect(r.problems.map((p) => p.kind)).toEqual(['dropped_sets', 'decode_errors']);
    expect(r.setsDropped).toBe(3);
    expect(r.errorsText).toBe('held_expired=3');
    expect(r.problems[0].text).toContain('4.20 kB');
  });

  it('flags a clock more than 60 s off, either way, but not exactly 60 s', () => {
    expect(byKey['2001:db8::5'].skewFlag).toBe(true);
    expect(byKey['2001:db8::5'].problems.map((p) => p.kind)).toEqual(['clock_skew']);
    expect(byKey['203.0.113.9'].skewFlag).toBe(false);
    expect(exporterRow({ exporter: 'x', clock_skew_s: 60.001 }).skewFlag).toBe(true);
  });

  it('leaves a healthy exporter unflagged', () => {
    expect(byKey['192.0.2.1'].problems).toEqual([]);
    expect(byKey['192.0.2.1'].errorsText).toBe('');
  });

  it('sorts problem rows first (most problems first), then by datagrams', () => {
    expect(rows.map((r) => r.key)).toEqual(['198.51.100.7', '203.0.113.9', '2001:db8::5', '192.0.2.1']);
    // The v5 exporter's timestamp corrections are decode errors: a problem, so it sorts
    // with the problem rows; among the one-problem rows its 5000 datagrams come first.
    expect(byKey['203.0.113.9'].problems.map((p) => p.kind)).toEqual(['decode_errors']);
  });

  it('names the protocols seen with their datagram counts, in a fixed order', () => {
    expect(byKey['192.0.2.1'].protocolsText).toBe('v9 1,200');
    expect(byKey['203.0.113.9'].protocolsText).toBe('v5 4,998 · v9 2');
    expect(byKey['2001:db8::5'].protocols).toEqual([{ name: 'sFlow', count: 300 }]);
    expect(exporterRow({ exporter: 'x' }).protocolsText).toBe('–');
  });

  it('shows both sampling rates and takes the override when it is set', () => {
    expect(byKey['2001:db8::5'].sampling).toEqual({ announced: 512, override: 2048, inEffect: 'override', rate: 2048 });
    expect(byKey['192.0.2.1'].sampling).toEqual({ announced: 1000, override: 0, inEffect: 'announced', rate: 1000 });
    expect(byKey['198.51.100.7'].sampling.inEffect).toBe('none');
    expect(samplingOf(0, 64)).toEqual({ announced: 0, override: 64, inEffect: 'override', rate: 64 });
    expect([formatRate(0), formatRate(1000)]).toEqual(['none', '1:1,000']);
  });

  it('brackets IPv6 addresses in the endpoint', () => {
    expect(byKey['2001:db8::5'].endpoint).toBe('[2001:db8::5]:6343');
    expect(byKey['192.0.2.1'].endpoint).toBe('192.0.2.1:50000');
    expect(endpointText('192.0.2.1', 0)).toBe('192.0.2.1');
  });

  it('lists sFlow interfaces by ifIndex and marks the one with errors', () => {
    const ifs = byKey['2001:db8::5'].interfaces;
    expect(ifs.map((i) => [i.ifIndex, i.problem])).toEqual([
      [3, true],
      [7, false],
    ]);
    expect(ifs[1].speed).toBe(1e10);
    expect(ifs[0].updatedMs).toBe(Date.UTC(2026, 10, 30, 19, 49, 30));
    expect(exporterRow({ exporter: 'x', interfaces: [{ if_index: 1, updated: 'x', updated_ns: 1_796_068_800_123_000_000 } as never] }).interfaces[0].updatedMs).toBe(1_796_068_800_123);
  });

  it('reads last seen from last_seen_ns, else from last_seen', () => {
    expect(byKey['192.0.2.1'].lastSeenMs).toBe(1_796_068_800_000);
    expect(exporterRow({ exporter: 'x', last_seen: '2026-11-30T20:00:00Z' }).lastSeenMs).toBe(Date.UTC(2026, 10, 30, 20));
    expect(exporterRow({ exporter: 'x' }).lastSeenMs).toBeNaN();
  });

  it('sums the rows to the totals of a consistent answer', () => {
    const s = sumRows(rows);
    expect(s).toEqual({ datagrams: 6550, records: 181_000, setsDropped: 3, errorCount: 5, problemRows: 3 });
    const t = totalsView(kAnswer.totals);
    expect([s.datagrams, s.records, s.errorCount]).toEqual([t.datagrams, t.records, t.errorCount]);
  });

  it('reads a partial or malformed answer as empty instead of failing', () => {
    expect(exporterRows(undefined)).toEqual([]);
    expect(exporterRows({ collecting: false })).toEqual([]);
    expect(exporterRows({ exporters: [null, { exporter: '10.0.0.1', datagrams: 'x' }] as never }).map((r) => [r.key, r.datagrams, r.problems])).toEqual([['10.0.0.1', 0, []]]);
    expect(totalsView(undefined)).toMatchObject({ datagrams: 0, kernelDrops: 0, errors: [], errorCount: 0 });
  });

  it('keeps equal rows in address order', () => {
    const a = exporterRow({ exporter: '10.0.0.2', datagrams: 5 });
    const b = exporterRow({ exporter: '10.0.0.1', datagrams: 5 });
    expect([a, b].sort(compareRows).map((r) => r.key)).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});

describe('totalsView', () => {
  it('keeps only the reasons that occurred, most frequent first, and sums them', () => {
    const t = totalsView(kAnswer.totals);
    expect(t.errors).toEqual([
      ['held_expired', 3],
      ['timestamp', 2],
    ]);
    expect(t.errorCount).toBe(5);
    expect(t.errorsText).toBe('held_expired=3, timestamp=2');
    expect(t.kernelDrops).toBe(17);
  });
  it('orders reasons with equal counts by name', () => {
    expect(errorList({ z: 1, a: 1, m: 4 })).toEqual([
      ['m', 4],
      ['a', 1],
      ['z', 1],
    ]);
    expect(errorList([1, 2])).toEqual([]);
  });
});

describe('formatting', () => {
  it('writes clock skew with its sign, and a rough unit past a minute', () => {
    expect(formatSkew(1.234)).toBe('+1.23 s');
    expect(formatSkew(0)).toBe('0.00 s');
    expect(formatSkew(-3600.5)).toBe('−3,601 s (1.0 h)');
    expect(formatSkew(90)).toBe('+90 s (1.5 min)');
    expect(formatSkew(3 * 365.25 * 86400)).toBe('+94,672,800 s (3.0 y)');
    expect(formatSkew(NaN)).toBe('–');
  });
  it('writes last seen as an age', () => {
    const now = Date.UTC(2026, 10, 30, 20, 0, 0);
    expect(formatAge(now - 4_500, now)).toBe('4 s ago');
    expect(formatAge(now - 180_000, now)).toBe('3 min ago');
    expect(formatAge(now - 2 * 3600_000, now)).toBe('2 h ago');
    expect(formatAge(now - 5 * 86400_000, now)).toBe('5 d ago');
    expect(formatAge(now + 2000, now)).toBe('0 s ago');
    expect(formatAge(NaN, now)).toBe('never');
  });
});
