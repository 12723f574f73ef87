// Real Time Access Trend: bytes/s (left axis) and packets/s (right axis) per window.
// Data points are [window start ms, rate] with rate = window total / window length s.

import type { EChartsOption } from 'echarts';
import type { RatePoint } from '../live';
import { formatBitRate, formatByteRate, formatClock, formatInteger, formatPacketRate, formatUtc } from '../format';

export interface TooltipParam {
  seriesName?: string;
  value?: unknown;
  dataIndex?: number;
}

/** [time ms, bytes per second] for every point. */
export function bytesPerSecondData(points: RatePoint[]): [number, number][] {
  return points.map((p) => [p.timeMs, p.bytes / p.seconds]);
}

/** [time ms, packets per second] for every point. */
export function packetsPerSecondData(points: RatePoint[]): [number, number][] {
  return points.map((p) => [p.timeMs, p.packets / p.seconds]);
}

/** Tooltip text for one window (HTML with <br/>). */
export function realtimeTooltip(points: RatePoint[], index: number): string {
  const p = points[index];
  if (!p) return '';
  const bps = p.bytes / p.seconds;
  return [
    `<b>${formatUtc(p.timeMs)} UTC</b> (${p.seconds} s window)`,
    `${formatByteRate(bps)} = ${formatBitRate(bps)}`,
    `${formatPacketRate(p.packets / p.seconds)}`,
    `window: ${formatInteger(p.bytes)} B, ${formatInteger(p.packets)} packets, ${formatInteger(p.flows)} flows`,
  ].join('<br/>');
}

export function realtimeOption(points: RatePoint[]): EChartsOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 80, right: 80, top: 40, bottom: 40 },
    legend: { data: ['bytes/s', 'packets/s'], top: 4 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as TooltipParam[];
        return realtimeTooltip(points, list[0]?.dataIndex ?? -1);
      },
    },
    xAxis: {
      type: 'time',
      axisLabel: { formatter: (v: number) => formatClock(v) },
    },
    yAxis: [
      { type: 'value', name: 'bytes/s', min: 0, axisLabel: { formatter: (v: number) => formatByteRate(v) } },
      {
        type: 'value',
        name: 'packets/s',
        min: 0,
        splitLine: { show: false },
        axisLabel: { formatter: (v: number) => formatPacketRate(v) },
      },
    ],
    series: [
      {
        name: 'bytes/s',
        type: 'line',
        yAxisIndex: 0,
        showSymbol: points.length < 60,
        areaStyle: { opacity: 0.15 },
        data: bytesPerSecondData(points),
      },
      {
        name: 'packets/s',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: points.length < 60,
        lineStyle: { type: 'dashed' }, // bytes and packets often move together: tell them apart
        data: packetsPerSecondData(points),
      },
    ],
  };
}
