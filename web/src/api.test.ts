import { describe, expect, it } from 'vitest';
import { buildUrl, hintFor, liveUrl, localHostList, normalizeFlow, pageToken } from './api';

describe('api helpers', () => {
  it('builds query strings without empty parameters', () => {
    expect(buildUrl('/api/v1/top', { dimension: 'src-host', limit: 10, proto: '', host: undefined })).toBe('/api/v1/top?dimension=src-host&limit=10');
    expect(buildUrl('/api/v1/summary')).toBe('/api/v1/summary');
    expect(buildUrl('/x', { from: '2026-01-01T00:00:00Z' })).toBe('/x?from=2026-01-01T00%3A00%3A00Z');
  });
  it('carries the page token to the WebSocket URL', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '' })).toBe('ws://127.0.0.1:8080/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'h', search: '?view=top&token=a b' })).toBe('wss://h/api/v1/live?token=a%20b');
    expect(pageToken('?token=t1')).toBe('t1');
    expect(pageToken('')).toBeNull();
  });
  it('says what to do for each kind of failure', () => {
    expect(hintFor(401)).toContain('?token=');
    expect(hintFor(0)).toContain('flowlens run');
    expect(hintFor(400)).toContain('parameter');
    expect(hintFor(502)).toContain('flowlens run');
    expect(hintFor(500)).toContain('log');
  });
});

describe('normalizeFlow', () => {
  const want = {
    ip_src: '10.0.0.1', ip_dst: '10.0.0.2', port_src: 1234, port_dst: 443, ip_proto: 'tcp', direction: 'out',
    timestamp_start: '2026-11-30T16:00:00.000Z', timestamp_end: '2026-11-30T16:00:05.500Z', packets: 3, bytes: 300,
  };
  it("reads the server's field names", () => {
    const t0 = Date.UTC(2026, 10, 30, 16) * 1e6;
    expect(normalizeFlow({ start: '2026-11-30T16:00:00Z', start_ns: t0, end_ns: t0 + 5.5e9, src: '10.0.0.1', dst: '10.0.0.2',
      src_port: 1234, dst_port: 443, proto: 'tcp', ip_proto: 6, direction: 'out', bytes: 300, packets: 3, flows: 1 })).toEqual(want);
  });
  it('reads the pmacct field names', () => {
    expect(normalizeFlow({ ...want })).toEqual(want);
  });
  it('fills what is missing instead of failing', () => {
    expect(normalizeFlow({ ip_proto: 17 })).toMatchObject({ ip_src: '', ip_proto: '17', bytes: 0, timestamp_start: '' });
  });
});

describe('localHostList', () => {
  const h = [{ host: '10.1.0.10', in_bytes: 5, out_bytes: 7 }, { host: '10.1.0.3', in_bytes: 1, out_bytes: 0 }];
  it("reads the server's answer, which wraps the list in {hosts}", () => {
    expect(localHostList({ hosts: h })).toEqual(h);
  });
  it('accepts a bare array and keeps the order (busiest first)', () => {
    expect(localHostList(h)).toEqual(h);
  });
  it('gives an empty list for anything else instead of failing', () => {
    expect(localHostList({})).toEqual([]);
    expect(localHostList(null)).toEqual([]);
    expect(localHostList({ hosts: [null, { in_bytes: 1 }, h[0]] })).toEqual([h[0]]);
  });
});
