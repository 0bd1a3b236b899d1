/**
 * Scoring many texts in batches through `predictBatchAsync` (with progress)
 * and turning predictions into the engine's metrics report.
 * @module
 */
import type { Engine, EngineModel, MetricsReport } from '../engine/index.js';
import { checkInterrupted } from './fit.js';
import { type ProgressFactory, silentProgress } from './progress.js';

export const SCORE_BATCH = 2000;

/** Predicted labels and a row-major `n x classes` probability table. */
export interface Scores {
  classes: readonly string[];
  labels: string[];
  probabilities: Float64Array;
}

export async function scoreTexts(
  model: EngineModel,
  texts: readonly string[],
  opts: {
    progress?: ProgressFactory;
    label?: string;
    batchSize?: number;
    signal?: AbortSignal;
  } = {},
): Promise<Scores> {
  const size = opts.batchSize ?? SCORE_BATCH;
  const k = model.classes.length;
  const labels: string[] = [];
  const probabilities = new Float64Array(texts.length * k);
  const bar = (opts.progress ?? silentProgress)(opts.label ?? 'evaluating', texts.length, 'docs');
  for (let i = 0; i < texts.length; i += size) {
    checkInterrupted(opts.signal);
    const batch = await model.predictBatchAsync(texts.slice(i, i + size));
    labels.push(...batch.labelNames);
    probabilities.set(batch.probabilities, i * k);
    bar.tick(batch.length);
  }
  bar.done();
  return { classes: model.classes, labels, probabilities };
}

export interface Evaluation {
  report: MetricsReport;
  scores: Scores;
}

/** Score `texts` and compare with `truth`: report with log loss from the probabilities. */
export async function evaluateModel(
  engine: Engine,
  model: EngineModel,
  texts: readonly string[],
  truth: readonly string[],
  opts: { progress?: ProgressFactory; label?: string; signal?: AbortSignal } = {},
): Promise<Evaluation> {
  const scores = await scoreTexts(model, texts, opts);
  const report = engine.evaluate(truth, scores.labels, {
    classes: scores.classes,
    values: scores.probabilities,
  });
  return { report, scores };
}

/** Probabilities of row `i` as `{class: p}`. */
export function probabilityMap(scores: Scores, i: number): Record<string, number> {
  const k = scores.classes.length;
  const out: Record<string, number> = {};
  scores.classes.forEach((c, j) => {
    out[c] = scores.probabilities[i * k + j] ?? 0;
  });
  return out;
}
