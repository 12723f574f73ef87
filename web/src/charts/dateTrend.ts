// Date Access Trend: per UTC day, inbound and outbound bytes (or packets) of one host as
// stacked bars (the seed's chart). in = the host is the destination, out = the source.

import type { EChartsOption } from 'echarts';
import type { HostDay } from '../api';
import type { DailyMetric } from '../urlState';
import { formatBytes, formatCount, formatInteger } from '../format';

export function dailyValues(days: HostDay[], metric: DailyMetric): { in: number[]; out: number[] } {
  return {
    in: days.map((d) => (metric === 'bytes' ? d.in_bytes : d.in_packets)),
    out: days.map((d) => (metric === 'bytes' ? d.out_bytes : d.out_packets)),
  };
}

export function dailyAxisLabel(metric: DailyMetric, value: number): string {
  return metric === 'bytes' ? formatBytes(value) : formatCount(value);
}

export function dateTrendOption(days: HostDay[], metric: DailyMetric): EChartsOption {
  const v = dailyValues(days, metric);
  const unit = metric === 'bytes' ? 'bytes' : 'packets';
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 80, right: 30, top: 40, bottom: 40 },
    legend: { data: [`in ${unit}`, `out ${unit}`], top: 4 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value: unknown) =>
        `${dailyAxisLabel(metric, Number(value))} (${formatInteger(Number(value))})`,
    },
    xAxis: { type: 'category', data: days.map((d) => d.day) },
    yAxis: { type: 'value', name: unit, min: 0, axisLabel: { formatter: (x: number) => dailyAxisLabel(metric, x) } },
    series: [
      { name: `in ${unit}`, type: 'bar', stack: 'total', data: v.in, emphasis: { focus: 'series' } },
      { name: `out ${unit}`, type: 'bar', stack: 'total', data: v.out, emphasis: { focus: 'series' } },
    ],
  };
}
