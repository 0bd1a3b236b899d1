/**
 * Line charts with uPlot (about 50 KB, canvas): one x axis (time, or
 * version numbers), any number of series with nulls as gaps, and an
 * optional horizontal threshold line. The chart takes its container's width.
 * @module
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../lib/dom';

const COLORS = ['#1f6feb', '#d1242f', '#2da44e', '#bf8700', '#8250df', '#0a7f8f', '#cf222e'];

export interface LineSeries {
  label: string;
  values: Array<number | null>;
  color?: string;
  dash?: boolean;
}

export interface ChartOptions {
  title: string;
  x: number[];
  series: LineSeries[];
  /** x values are epoch ms (time axis) or plain numbers (e.g. versions). */
  time?: boolean;
  height?: number;
  yLabel?: string;
  threshold?: number | null;
  id?: string;
}

export function lineChart(opts: ChartOptions): HTMLElement {
  const host = h(
    'figure',
    { class: 'chart', ...(opts.id ? { id: opts.id } : {}) },
    h('figcaption', null, opts.title),
  );
  const series: uPlot.Series[] = [
    {},
    ...opts.series.map((s, i) => ({
      label: s.label,
      stroke: s.color ?? COLORS[i % COLORS.length],
      width: 2,
      spanGaps: false,
      points: { show: s.values.filter((x) => x !== null).length <= 30 },
      ...(s.dash ? { dash: [6, 4] } : {}),
    })),
  ];
  const data: uPlot.AlignedData = [
    opts.time ? opts.x.map((t) => t / 1000) : opts.x,
    ...opts.series.map((s) => s.values),
  ];
  if (opts.threshold !== undefined && opts.threshold !== null) {
    series.push({
      label: 'threshold',
      stroke: '#6e7781',
      dash: [3, 3],
      width: 1,
      points: { show: false },
    });
    data.push(opts.x.map(() => opts.threshold as number));
  }
  const make = () => {
    const width = Math.max(280, host.clientWidth || 560);
    new uPlot(
      {
        width,
        height: opts.height ?? 200,
        scales: { x: { time: opts.time === true } },
        axes: [
          {
            ...(opts.time
              ? {}
              : {
                  values: (_u: uPlot, ticks: number[]) =>
                    ticks.map((t) => (Number.isInteger(t) ? `v${t}` : '')),
                }),
          },
          { label: opts.yLabel ?? '', size: 56 },
        ],
        series,
        legend: { live: false },
      },
      data,
      host,
    );
  };
  // Draw once the figure is in the document and has a width.
  requestAnimationFrame(() => {
    if (opts.x.length === 0) host.appendChild(h('p', { class: 'muted' }, 'no data'));
    else make();
  });
  return host;
}
