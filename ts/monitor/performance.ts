/**
 * Live performance from delayed labels: over the predictions of a window
 * that received ground truth, accuracy, per-class precision/recall/F1
 * (scikit-learn's definitions: 0 when undefined), macro F1 and expected
 * calibration error, per arm; next to the version's offline evaluation and
 * the label-free estimate (mean winning probability over every prediction
 * of the window, labelled or not).
 * @module
 */
import { expectedCalibrationError } from './drift-stats.js';
import type { Arm, LabelledRow, PredictionRow } from './types.js';

export interface ClassPerformance {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ArmPerformance {
  arm: Arm | 'all';
  /** Predictions in the window. */
  predictions: number;
  /** Of which with ground truth. */
  labelled: number;
  /** Measured accuracy on the labelled ones (null without labels). */
  accuracy: number | null;
  macroF1: number | null;
  perClass: ClassPerformance[];
  /** Expected calibration error (10 equal-width bins) on the labelled ones. */
  ece: number | null;
  /** Label-free estimate: mean winning probability over every prediction. */
  expectedAccuracy: number | null;
}

export interface PerformanceReport {
  /** The version's offline evaluation (registry metrics). */
  offline: { accuracy: number | null; macroF1: number | null };
  arms: ArmPerformance[];
}

/** Classification metrics of (truth, predicted, confidence) triples. */
export function classificationMetrics(
  rows: ReadonlyArray<{ truth: string; label: string; confidence: number }>,
): Pick<ArmPerformance, 'accuracy' | 'macroF1' | 'perClass' | 'ece'> {
  if (rows.length === 0) return { accuracy: null, macroF1: null, perClass: [], ece: null };
  const labels = [...new Set(rows.flatMap((r) => [r.truth, r.label]))].sort();
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const actual = new Map<string, number>();
  let correct = 0;
  for (const r of rows) {
    predicted.set(r.label, (predicted.get(r.label) ?? 0) + 1);
    actual.set(r.truth, (actual.get(r.truth) ?? 0) + 1);
    if (r.truth === r.label) {
      correct++;
      tp.set(r.label, (tp.get(r.label) ?? 0) + 1);
    }
  }
  const perClass = labels.map((label) => {
    const t = tp.get(label) ?? 0;
    const p = predicted.get(label) ?? 0;
    const a = actual.get(label) ?? 0;
    const precision = p > 0 ? t / p : 0;
    const recall = a > 0 ? t / a : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: a };
  });
  return {
    accuracy: correct / rows.length,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / perClass.length,
    perClass,
    ece: expectedCalibrationError(
      rows.map((r) => r.confidence),
      rows.map((r) => r.truth === r.label),
    ),
  };
}

function armPerformance(
  arm: Arm | 'all',
  all: readonly PredictionRow[],
  labelled: readonly LabelledRow[],
): ArmPerformance {
  const mean = all.length === 0 ? null : all.reduce((s, r) => s + r.confidence, 0) / all.length;
  return {
    arm,
    predictions: all.length,
    labelled: labelled.length,
    ...classificationMetrics(labelled),
    expectedAccuracy: mean,
  };
}

/** Performance overall and per arm present in the window. */
export function livePerformance(
  rows: readonly PredictionRow[],
  labelled: readonly LabelledRow[],
  offlineMetrics: Record<string, number>,
): PerformanceReport {
  const arms = [...new Set(rows.map((r) => r.arm))].sort();
  const out: ArmPerformance[] = [armPerformance('all', rows, labelled)];
  if (arms.length > 1) {
    for (const a of arms) {
      out.push(
        armPerformance(
          a,
          rows.filter((r) => r.arm === a),
          labelled.filter((r) => r.arm === a),
        ),
      );
    }
  }
  return {
    offline: {
      accuracy: offlineMetrics.accuracy ?? null,
      macroF1: offlineMetrics.macro_f1 ?? null,
    },
    arms: out,
  };
}
