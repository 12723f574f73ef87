// Top talkers / ports / protocols: horizontal bars, largest on top. The category axis
// holds the keys in the API's order (largest first); click-through reads the key back.

import type { EChartsOption } from 'echarts';
import type { TopEntry } from '../api';
import type { TopMetric } from '../urlState';
import { formatInteger, formatMetric } from '../format';

export function topValues(entries: TopEntry[], metric: TopMetric): number[] {
  return entries.map((e) => e[metric]);
}

// `name` names the series (the panel around the chart carries the visible title).
export function topOption(entries: TopEntry[], metric: TopMetric, name: string): EChartsOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 140, right: 40, top: 10, bottom: 30 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value: unknown) => `${formatMetric(metric, Number(value))} (${formatInteger(Number(value))})`,
    },
    xAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => formatMetric(metric, v) } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: entries.map((e) => e.key),
      axisLabel: { width: 130, overflow: 'truncate' },
    },
    series: [
      {
        name,
        type: 'bar',
        data: topValues(entries, metric),
        cursor: 'pointer',
      },
    ],
  };
}
