import { describe, expect, it } from 'vitest';
import { topOption, topValues } from './top';
import type { TopEntry } from '../api';

const entries: TopEntry[] = [
  { key: '10.0.0.1', bytes: 9000, packets: 9, flows: 2 },
  { key: '10.0.0.2', bytes: 4000, packets: 40, flows: 7 },
];
type AnyOpt = Record<string, any>;

describe('topOption', () => {
  it('keeps the API order with the largest on top', () => {
    const o = topOption(entries, 'bytes', 'Top talkers') as AnyOpt;
    expect(o.yAxis.data).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(o.yAxis.inverse).toBe(true);
    expect(o.series[0].data).toEqual([9000, 4000]);
    expect(o.series[0].name).toBe('Top talkers');
  });
  it('plots the chosen metric and labels it', () => {
    expect(topValues(entries, 'packets')).toEqual([9, 40]);
    expect(topValues(entries, 'flows')).toEqual([2, 7]);
    const o = topOption(entries, 'packets', 't') as AnyOpt;
    expect(o.xAxis.axisLabel.formatter(2500)).toBe('2.50 k');
    expect((topOption(entries, 'bytes', 't') as AnyOpt).xAxis.axisLabel.formatter(2500)).toBe('2.50 kB');
  });
});
