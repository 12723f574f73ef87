import { describe, expect, it } from 'vitest';
import { dailyAxisLabel, dailyValues, dateTrendOption } from './dateTrend';
import type { HostDay } from '../api';

const days: HostDay[] = [
  { day: '2026-11-28', in_bytes: 1000, in_packets: 10, out_bytes: 500, out_packets: 5 },
  { day: '2026-11-29', in_bytes: 0, in_packets: 0, out_bytes: 0, out_packets: 0 },
  { day: '2026-11-30', in_bytes: 2_000_000, in_packets: 2000, out_bytes: 3_000_000, out_packets: 3000 },
];
type AnyOpt = Record<string, any>;

describe('dateTrendOption', () => {
  it('stacks inbound and outbound bytes per day', () => {
    const o = dateTrendOption(days, 'bytes') as AnyOpt;
    expect(o.xAxis.data).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
    expect(o.series.map((s: AnyOpt) => [s.name, s.type, s.stack])).toEqual([
      ['in bytes', 'bar', 'total'],
      ['out bytes', 'bar', 'total'],
    ]);
    expect(o.series[0].data).toEqual([1000, 0, 2_000_000]);
    expect(o.series[1].data).toEqual([500, 0, 3_000_000]);
  });
  it('switches to packets', () => {
    const o = dateTrendOption(days, 'packets') as AnyOpt;
    expect(o.series[0].name).toBe('in packets');
    expect(o.series[0].data).toEqual([10, 0, 2000]);
    expect(o.series[1].data).toEqual([5, 0, 3000]);
    expect(dailyValues(days, 'packets').out).toEqual([5, 0, 3000]);
  });
  it('labels the value axis in the metric unit', () => {
    expect((dateTrendOption(days, 'bytes') as AnyOpt).yAxis.axisLabel.formatter(3_000_000)).toBe('3.00 MB');
    expect((dateTrendOption(days, 'packets') as AnyOpt).yAxis.axisLabel.formatter(3000)).toBe('3.00 k');
    expect(dailyAxisLabel('bytes', 0)).toBe('0 B');
    expect((dateTrendOption(days, 'bytes') as AnyOpt).tooltip.valueFormatter(1500)).toBe('1.50 kB (1,500)');
  });
});
