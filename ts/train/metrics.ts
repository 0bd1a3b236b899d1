/**
 * Flat, numeric metrics for run tracking and the registry (the full report
 * is kept as the `metrics` artifact), and how sweeps compare runs by them.
 * @module
 */
import type { MetricsReport } from '../engine/index.js';

/** accuracy, log_loss (when known), macro_* and weighted_* averages. */
export function flattenMetrics(report: MetricsReport): Record<string, number> {
  const out: Record<string, number> = {
    accuracy: report.accuracy,
    macro_precision: report.macro_avg.precision,
    macro_recall: report.macro_avg.recall,
    macro_f1: report.macro_avg.f1,
    weighted_precision: report.weighted_avg.precision,
    weighted_recall: report.weighted_avg.recall,
    weighted_f1: report.weighted_avg.f1,
  };
  if (report.log_loss !== null && Number.isFinite(report.log_loss)) out.log_loss = report.log_loss;
  return out;
}

/** Losses rank low-to-high; every other metric high-to-low. */
export function lowerIsBetter(metric: string): boolean {
  return /loss$/.test(metric);
}

/**
 * Whether metrics `a` beat `b` on `metric`. A missing value never wins, and
 * ties keep the earlier run (so the grid order breaks ties reproducibly).
 */
export function isBetter(
  a: Record<string, number>,
  b: Record<string, number> | undefined,
  metric: string,
): boolean {
  const x = a[metric];
  if (x === undefined || Number.isNaN(x)) return false;
  const y = b?.[metric];
  if (y === undefined || Number.isNaN(y)) return true;
  return lowerIsBetter(metric) ? x < y : x > y;
}
