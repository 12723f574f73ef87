import { describe, expect, it } from 'vitest';
import { bytesPerSecondData, packetsPerSecondData, realtimeOption, realtimeTooltip } from './realtime';
import type { RatePoint } from '../live';

const t0 = Date.UTC(2026, 10, 30, 16, 0, 0);
const points: RatePoint[] = [
  { timeMs: t0, seconds: 10, bytes: 10_000, packets: 100, flows: 3 },
  { timeMs: t0 + 10_000, seconds: 10, bytes: 25_000, packets: 50, flows: 1 },
];

type AnyOpt = Record<string, any>;

describe('realtimeOption', () => {
  it('plots per-second rates: window total / window length', () => {
    expect(bytesPerSecondData(points)).toEqual([[t0, 1000], [t0 + 10_000, 2500]]);
    expect(packetsPerSecondData(points)).toEqual([[t0, 10], [t0 + 10_000, 5]]);
  });
  it('has a bytes/s line on the left axis and a packets/s line on the right axis', () => {
    const o = realtimeOption(points) as AnyOpt;
    expect(o.series.map((s: AnyOpt) => [s.name, s.type, s.yAxisIndex])).toEqual([
      ['bytes/s', 'line', 0],
      ['packets/s', 'line', 1],
    ]);
    expect(o.series[0].data).toEqual([[t0, 1000], [t0 + 10_000, 2500]]);
    expect(o.xAxis.type).toBe('time');
  });
  it('labels the axes in human units', () => {
    const o = realtimeOption(points) as AnyOpt;
    expect(o.yAxis[0].axisLabel.formatter(2_500_000)).toBe('2.50 MB/s');
    expect(o.yAxis[1].axisLabel.formatter(1500)).toBe('1.50 kpkt/s');
    expect(o.xAxis.axisLabel.formatter(t0 + 5000)).toBe('16:00:05');
  });
  it('shows bytes/s, bit/s and the window totals in the tooltip', () => {
    const text = realtimeTooltip(points, 1);
    expect(text).toContain('2026-11-30 16:00:10 UTC');
    expect(text).toContain('2.50 kB/s = 20.0 kbit/s');
    expect(text).toContain('<br/>5 pkt/s<br/>');
    expect(text).toContain('25,000 B, 50 packets, 1 flows');
    expect(realtimeTooltip(points, 5)).toBe('');
    const o = realtimeOption(points) as AnyOpt;
    expect(o.tooltip.formatter([{ dataIndex: 0 }])).toContain('1.00 kB/s');
  });
  it('is valid for no points', () => {
    const o = realtimeOption([]) as AnyOpt;
    expect(o.series[0].data).toEqual([]);
  });
});
