/**
 * Time series of logged predictions for the dashboard's charts: the window
 * cut into equal slices, and per slice the prediction volume, latency
 * percentiles (nearest rank, as the CLI's report), measured accuracy on the
 * predictions that got feedback labels, and the label-free expected
 * accuracy (mean winning probability). Pure functions of the rows.
 * @module
 */
import type { LabelledRow, PredictionRow } from '../../monitor/index.js';

export interface TrafficSeries {
  /** Slice ends, ms since the epoch. */
  at: number[];
  volume: number[];
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
  /** Measured accuracy of the slice's labelled predictions (null without any). */
  accuracy: Array<number | null>;
  labelled: number[];
  expectedAccuracy: Array<number | null>;
  /** Predictions per arm over the whole window. */
  arms: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function trafficSeries(
  rows: readonly PredictionRow[],
  labelled: readonly LabelledRow[],
  from: number,
  to: number,
  points: number,
): TrafficSeries {
  const n = Math.max(1, Math.min(500, Math.floor(points)));
  const width = Math.max(1, (to - from) / n);
  const slot = (at: number) => Math.min(n - 1, Math.max(0, Math.floor((at - from) / width)));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const conf = new Array<number>(n).fill(0);
  const correct = new Array<number>(n).fill(0);
  const labelledN = new Array<number>(n).fill(0);
  const arms: Record<string, number> = {};
  for (const r of rows) {
    const i = slot(r.at);
    (lat[i] as number[]).push(r.latencyMs);
    conf[i] = (conf[i] as number) + r.confidence;
    arms[r.arm] = (arms[r.arm] ?? 0) + 1;
  }
  for (const r of labelled) {
    const i = slot(r.at);
    labelledN[i] = (labelledN[i] as number) + 1;
    if (r.truth === r.label) correct[i] = (correct[i] as number) + 1;
  }
  const out: TrafficSeries = {
    at: [],
    volume: [],
    p50: [],
    p95: [],
    p99: [],
    accuracy: [],
    labelled: [],
    expectedAccuracy: [],
    arms,
  };
  for (let i = 0; i < n; i++) {
    const l = (lat[i] as number[]).sort((a, b) => a - b);
    out.at.push(Math.round(from + (i + 1) * width));
    out.volume.push(l.length);
    out.p50.push(percentile(l, 50));
    out.p95.push(percentile(l, 95));
    out.p99.push(percentile(l, 99));
    const ln = labelledN[i] as number;
    out.labelled.push(ln);
    out.accuracy.push(ln > 0 ? (correct[i] as number) / ln : null);
    out.expectedAccuracy.push(l.length > 0 ? (conf[i] as number) / l.length : null);
  }
  return out;
}
