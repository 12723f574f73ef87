import { describe, expect, it } from 'vitest';
import { backoffDelayMs, closedPoints, fillGaps, LiveClient, mergePoints, parseLiveMessage, timeseriesToPoints, windowToPoint, type LiveStatus, type LiveWindow } from './live';

const t0 = Date.UTC(2026, 10, 30, 16, 0, 0);
const message = JSON.stringify({
  window_start: '2026-11-30T16:00:00Z',
  window_end: '2026-11-30T16:00:10Z',
  window_start_ns: t0 * 1e6,
  window_end_ns: (t0 + 10_000) * 1e6,
  bytes: 5000,
  packets: 40,
  flows: 4,
  active_hosts: 3,
  protocols: [{ ip_proto: 'tcp', bytes: 5000, packets: 40, flows: 4 }],
  top_src_hosts: [{ ip_src: '10.0.0.1', bytes: 5000, packets: 40, flows: 4 }],
  top_dst_hosts: [],
  top_src_ports: [{ port_src: 443, bytes: 5000, packets: 40, flows: 4 }],
  top_dst_ports: [],
  local_networks: [{ network: '10.0.0.0/24', in_bytes: 1, in_packets: 1, in_flows: 1, out_bytes: 2, out_packets: 2, out_flows: 1 }],
});

describe('live messages', () => {
  it('parses a window summary and turns it into a rate point', () => {
    const w = parseLiveMessage(message)!;
    expect(w.active_hosts).toBe(3);
    expect(w.protocols[0].ip_proto).toBe('tcp');
    expect(windowToPoint(w)).toEqual({ timeMs: t0, seconds: 10, bytes: 5000, packets: 40, flows: 4 });
  });
  it('falls back to the ISO times without *_ns', () => {
    const w = parseLiveMessage({ window_start: '2026-11-30T16:00:00Z', window_end: '2026-11-30T16:01:00Z', bytes: 60, packets: 6 })!;
    expect(windowToPoint(w)).toMatchObject({ timeMs: t0, seconds: 60, flows: 0 });
    expect(w.protocols).toEqual([]);
  });
  it('ignores what is not a window summary', () => {
    expect(parseLiveMessage('not json')).toBeNull();
    expect(parseLiveMessage('{"hello":1}')).toBeNull();
    expect(parseLiveMessage('42')).toBeNull();
  });
});

describe('timeseriesToPoints', () => {
  it('reads points with the step as the window length, summing groups', () => {
    const pts = timeseriesToPoints({
      from: '2026-11-30T16:00:00Z',
      step_s: 10,
      metric: 'bytes',
      resolution: 'window',
      series: [
        { group: 'tcp', points: [{ time: '2026-11-30T16:00:10Z', bytes: 10, packets: 1, flows: 1 }, { time: '2026-11-30T16:00:00Z', bytes: 5, packets: 1, flows: 1 }] },
        { group: 'udp', points: [{ time: '2026-11-30T16:00:00Z', bytes: 7, packets: 2, flows: 1 }] },
      ],
    });
    expect(pts).toEqual([
      { timeMs: t0, seconds: 10, bytes: 12, packets: 3, flows: 2 },
      { timeMs: t0 + 10_000, seconds: 10, bytes: 10, packets: 1, flows: 1 },
    ]);
  });
});

describe('mergePoints', () => {
  const p = (s: number, bytes = 1) => ({ timeMs: t0 + s * 1000, seconds: 10, bytes, packets: 1, flows: 1 });
  it('replaces a backfilled window by its live value and sorts', () => {
    expect(mergePoints([p(0), p(10, 5)], [p(20), p(10, 7)], 60_000).map((x) => [x.timeMs - t0, x.bytes])).toEqual([
      [0, 1],
      [10_000, 7],
      [20_000, 1],
    ]);
  });
  it('keeps only the span before the newest point', () => {
    expect(mergePoints([p(0), p(10), p(20)], [p(30)], 20_000).map((x) => x.timeMs - t0)).toEqual([20_000, 30_000]);
    expect(mergePoints([], [], 1000)).toEqual([]);
  });
});

describe('backoff', () => {
  it('doubles from 1 s up to 30 s with at most 20 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((a) => backoffDelayMs(a, () => 0))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelayMs(0, () => 1)).toBe(1200);
  });
});

// A stand-in WebSocket driven by the test.
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
}

describe('LiveClient', () => {
  it('delivers windows, reconnects after a close and stops on close()', async () => {
    FakeSocket.all = [];
    const windows: LiveWindow[] = [];
    const states: LiveStatus[] = [];
    const client = new LiveClient('ws://x/api/v1/live', (w) => windows.push(w), (s) => states.push(s), (u) => new FakeSocket(u) as unknown as WebSocket);
    client.start();
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0].onopen!();
    FakeSocket.all[0].onmessage!({ data: message });
    FakeSocket.all[0].onmessage!({ data: 'junk' });
    expect(windows).toHaveLength(1);
    FakeSocket.all[0].onclose!({ code: 1006 });
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'open', 'waiting']);
    await new Promise((r) => setTimeout(r, 1300));
    expect(FakeSocket.all).toHaveLength(2);
    client.close();
    expect(FakeSocket.all[1].closed).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeSocket.all).toHaveLength(2);
  });
});

describe('closedPoints', () => {
  it('keeps only windows that have ended', () => {
    const pts = [0, 10, 20].map((s) => ({ timeMs: t0 + s * 1000, seconds: 10, bytes: 1, packets: 1, flows: 1 }));
    expect(closedPoints(pts, t0 + 20_000).map((p) => p.timeMs - t0)).toEqual([0, 10_000]);
    expect(closedPoints(pts, t0 + 30_000)).toHaveLength(3);
  });
});

describe('fillGaps', () => {
  const at = (i: number, bytes: number, seconds = 10) => ({ timeMs: t0 + i * 10_000, seconds, bytes, packets: bytes / 10, flows: 1 });
  const zero = (i: number) => ({ timeMs: t0 + i * 10_000, seconds: 10, bytes: 0, packets: 0, flows: 0 });
  it('puts a zero point in every window without a message, so the line does not ramp across idle windows', () => {
    expect(fillGaps([at(0, 100), at(3, 300)])).toEqual([at(0, 100), zero(1), zero(2), at(3, 300)]);
  });
  it('leaves consecutive windows, an empty list and a single point alone', () => {
    expect(fillGaps([at(0, 1), at(1, 2), at(2, 3)])).toEqual([at(0, 1), at(1, 2), at(2, 3)]);
    expect(fillGaps([])).toEqual([]);
    expect(fillGaps([at(5, 1)])).toEqual([at(5, 1)]);
  });
  it('does not fill between points of different window lengths or gaps that are not whole windows', () => {
    const other = { timeMs: t0 + 60_000, seconds: 60, bytes: 6, packets: 1, flows: 1 };
    expect(fillGaps([at(0, 1), other])).toEqual([at(0, 1), other]);
    const odd = { ...at(0, 1), timeMs: t0 + 25_000 };
    expect(fillGaps([at(0, 1), odd])).toEqual([at(0, 1), odd]);
  });
});
