/**
 * The bytes of every artifact a training run stores with its version:
 * metrics report, confusion matrix, evaluation predictions (JSONL), config,
 * reference data profile and model card; the model file comes from the
 * engine. Pure functions of their inputs, so equal runs give equal bytes.
 * @module
 */
import type { MetricsReport } from '../engine/index.js';
import { probabilityMap, type Scores } from './evaluate.js';

/** Artifact names, as stored in a version's `artifacts` map. */
export const ARTIFACT_NAMES = [
  'model',
  'metrics',
  'confusion_matrix',
  'eval_predictions',
  'config',
  'profile',
  'card',
] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

const encoder = new TextEncoder();

/** Pretty JSON with a trailing newline, as bytes. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Cross-validation summary: per metric mean, std and the fold values. */
export interface CvSummary {
  k: number;
  seed: number;
  metrics: Record<string, { mean: number; std: number; folds: number[] }>;
}

/** The `metrics` artifact: the full report, what it was measured on, and the CV. */
export function metricsDocument(
  report: MetricsReport,
  evalSet: Record<string, unknown>,
  cv: CvSummary | null,
): unknown {
  return { format: 'sentio.metrics/1', eval_set: evalSet, report, cross_validation: cv };
}

/** The `confusion_matrix` artifact: rows are true labels, columns predictions. */
export function confusionDocument(report: MetricsReport): unknown {
  return {
    format: 'sentio.confusion/1',
    labels: report.labels,
    matrix: report.confusion_matrix,
    rows: 'true',
    columns: 'predicted',
  };
}

/**
 * The `eval_predictions` artifact: one JSON line per evaluation row with its
 * source line, text, true label, prediction and class probabilities.
 */
export function evalPredictionsJsonl(
  texts: readonly string[],
  truth: readonly string[],
  lines: readonly number[],
  scores: Scores,
): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    parts.push(
      `${JSON.stringify({
        line: lines[i],
        text: texts[i],
        label: truth[i],
        predicted: scores.labels[i],
        probabilities: probabilityMap(scores, i),
      })}\n`,
    );
  }
  return encoder.encode(parts.join(''));
}
