// The chart wrapper: owns one ECharts instance for its element — init (again when the
// theme changes), setOption on every new option, resize with the element (ResizeObserver),
// dispose on unmount. The instance is published as window.__flowlensCharts[name] so
// browser tests can read back the numbers the chart shows (chart.getOption()).

import { useEffect, useRef } from 'react';
import type { EChartsOption } from 'echarts';
import { echarts, type ECharts } from '../charts/echarts';

declare global {
  interface Window {
    __flowlensCharts?: Record<string, ECharts>;
  }
}

export interface ChartClick {
  name: string;
  dataIndex: number;
  value: unknown;
  seriesName?: string;
}

interface Props {
  name: string; // key in window.__flowlensCharts
  option: EChartsOption;
  theme: 'light' | 'dark';
  height?: number;
  onClick?: (e: ChartClick) => void;
}

export function Chart({ name, option, theme, height = 360, onClick }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const optionRef = useRef(option);
  optionRef.current = option;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = echarts.init(el, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    chart.setOption(optionRef.current, { notMerge: true });
    chart.on('click', (p) => {
      const params = p as unknown as ChartClick;
      clickRef.current?.({ name: params.name, dataIndex: params.dataIndex, value: params.value, seriesName: params.seriesName });
    });
    const charts = (window.__flowlensCharts ??= {});
    charts[name] = chart;
    el.dataset.chart = name;
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (window.__flowlensCharts?.[name] === chart) delete window.__flowlensCharts[name];
      chart.dispose();
      chartRef.current = null;
    };
  }, [name, theme]);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true });
    if (ref.current) ref.current.dataset.updated = String(Date.now());
  }, [option]);

  return <div ref={ref} className="chart" style={{ height }} data-testid={`chart-${name}`} />;
}
