/** A canary's weight and metric values over time, drawn by uPlot (bundled; no request leaves the operator). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { CanarySample } from '../src/view-model.js';
import { html } from './html.js';

const palette = ['#2f80ed', '#d35400', '#27ae60', '#8e44ad', '#c0392b', '#16a085'];

/** uPlot's data: a time column, the weight, the failed checks, then one column per metric. */
export function chartData(samples: readonly CanarySample[], metrics: readonly string[]): (number | null)[][] {
  return [
    samples.map((sample) => sample.time / 1000),
    samples.map((sample) => sample.weight),
    samples.map((sample) => sample.failedChecks),
    ...metrics.map((metric) => samples.map((sample) => sample.metrics[metric] ?? null)),
  ];
}

export function CanaryChart({ samples, metrics }: { samples: readonly CanarySample[]; metrics: readonly string[] }) {
  const element = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = metrics.join('|');
  useEffect(() => {
    if (!element.current) return;
    const options: uPlot.Options = {
      width: Math.max(320, Math.min(960, element.current.clientWidth || 800)),
      height: 280,
      scales: { x: { time: true }, percent: { range: [0, 100] }, value: { auto: true } },
      axes: [{}, { scale: 'percent', label: 'weight %' }, { scale: 'value', side: 1, label: 'metric', grid: { show: false } }],
      series: [
        {},
        { label: 'canary weight %', scale: 'percent', stroke: '#1f3a5f', width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
        { label: 'failed checks', scale: 'value', stroke: '#c0392b', dash: [4, 4] },
        ...metrics.map((metric, index) => ({ label: metric, scale: 'value', stroke: palette[index % palette.length]!, width: 2, points: { show: true } })),
      ],
    };
    plot.current = new uPlot(options, chartData(samples, metrics) as uPlot.AlignedData, element.current);
    return () => {
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(chartData(samples, metrics) as uPlot.AlignedData);
  }, [samples.length, samples[samples.length - 1]]);
  return html`<div class="chart" ref=${element}></div>`;
}
