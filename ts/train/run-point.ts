/**
 * One training run of the pipeline (one sweep grid point): fit on the
 * training part, optionally cross-validate, evaluate on the evaluation part,
 * and build every artifact's bytes. Touches no store: the pipeline decides
 * what gets written and registered.
 * @module
 */
import type { DatasetFingerprint } from '../data/index.js';
import type { Engine, EngineModel, MetricsReport } from '../engine/index.js';
import {
  type ArtifactName,
  type CvSummary,
  confusionDocument,
  evalPredictionsJsonl,
  jsonBytes,
  metricsDocument,
  textBytes,
} from './artifact-files.js';
import { evaluateModel } from './evaluate.js';
import { fitModel } from './fit.js';
import { meanStd, stratifiedKFold } from './kfold.js';
import { flattenMetrics } from './metrics.js';
import { renderModelCard } from './model-card.js';
import { type ModelOptions, modelParams, type TrainOptions, toEngineConfig } from './options.js';
import { buildProfile } from './profile.js';
import type { ProgressFactory } from './progress.js';

/** The rows a run trains and evaluates on. */
export interface Partition {
  trainTexts: string[];
  trainLabels: string[];
  evalTexts: string[];
  evalLabels: string[];
  evalLines: number[];
  /** How the evaluation rows were chosen. */
  evalSet: { kind: 'split'; fraction: number; seed: number } | { kind: 'file'; path: string };
}

export interface PointContext {
  engine: Engine;
  options: TrainOptions;
  /** The options of this grid point (base options with the sweep values applied). */
  point: ModelOptions;
  partition: Partition;
  train: DatasetFingerprint;
  test: DatasetFingerprint | null;
  runId: string;
  startedAt: string;
  sentioVersion: string;
  progress: ProgressFactory;
  /** Label prefix for progress bars, e.g. "[2/6] ". */
  prefix: string;
  signal?: AbortSignal;
}

/** What a finished point produced, before anything is stored. */
export interface PointResult {
  report: MetricsReport;
  metrics: Record<string, number>;
  cv: CvSummary | null;
  classes: string[];
  nFeatures: number;
  config: unknown;
  artifacts: Map<ArtifactName, Uint8Array>;
  timings: { fitMs: number; evalMs: number; cvMs: number };
}

/** The abort signal as an optional property (exactOptionalPropertyTypes-safe). */
function sig(ctx: PointContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

async function crossValidate(ctx: PointContext): Promise<CvSummary> {
  const { engine, partition: p, point } = ctx;
  const k = ctx.options.kfold;
  const folds = stratifiedKFold(p.trainLabels, k, point.seed);
  const perFold: Array<Record<string, number>> = [];
  const config = toEngineConfig(point);
  for (const [f, fold] of folds.entries()) {
    const pick = (rows: number[], from: string[]) => rows.map((i) => from[i] as string);
    const label = `${ctx.prefix}fold ${f + 1}/${k}`;
    const model = await fitModel(
      engine,
      config,
      pick(fold.train, p.trainTexts),
      pick(fold.train, p.trainLabels),
      { progress: ctx.progress, label: `${label} fitting`, ...sig(ctx) },
    );
    try {
      const { report } = await evaluateModel(
        engine,
        model,
        pick(fold.test, p.trainTexts),
        pick(fold.test, p.trainLabels),
        { progress: ctx.progress, label: `${label} evaluating`, ...sig(ctx) },
      );
      perFold.push(flattenMetrics(report));
    } finally {
      model.dispose();
    }
  }
  const names = Object.keys(perFold[0] ?? {}).filter((m) => perFold.every((r) => m in r));
  return {
    k,
    seed: point.seed,
    metrics: Object.fromEntries(
      names.map((m) => {
        const values = perFold.map((r) => r[m] as number);
        return [m, { ...meanStd(values), folds: values }];
      }),
    ),
  };
}

/** The options as a config file would hold them (flag spelling), for reproduction. */
export function reproducibleOptions(o: TrainOptions, point: ModelOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    data: o.data,
    ...(o.test ? { test: o.test } : { 'test-fraction': o.testFraction }),
    model: o.model,
    'text-column': o.textColumn,
    'label-column': o.labelColumn,
    seed: point.seed,
    ngram: `${point.ngram[0]}-${point.ngram[1]}`,
    'sublinear-tf': point.sublinearTf,
    norm: point.norm,
    alpha: point.alpha,
    nb: point.nb,
  };
  if (point.hashing !== undefined) out.hashing = point.hashing;
  else out['min-df'] = point.minDf ?? 2;
  if (point.maxDf !== undefined) out['max-df'] = point.maxDf;
  if (point.maxFeatures !== undefined) out['max-features'] = point.maxFeatures;
  if (o.kfold) out.kfold = o.kfold;
  return out;
}

/** Run one grid point: CV (optional), fit, evaluate, build artifacts. */
export async function runPoint(ctx: PointContext): Promise<PointResult> {
  const { engine, partition: p, point, options } = ctx;
  let cvMs = 0;
  let cv: CvSummary | null = null;
  if (options.kfold >= 2) {
    const t = performance.now();
    cv = await crossValidate(ctx);
    cvMs = performance.now() - t;
  }
  let t = performance.now();
  const model: EngineModel = await fitModel(
    engine,
    toEngineConfig(point),
    p.trainTexts,
    p.trainLabels,
    { progress: ctx.progress, label: `${ctx.prefix}fitting`, ...sig(ctx) },
  );
  try {
    const fitMs = performance.now() - t;
    t = performance.now();
    const { report, scores } = await evaluateModel(engine, model, p.evalTexts, p.evalLabels, {
      progress: ctx.progress,
      label: `${ctx.prefix}evaluating`,
      ...sig(ctx),
    });
    const evalMs = performance.now() - t;
    const metrics: Record<string, number> = {
      ...flattenMetrics(report),
      n_train: p.trainTexts.length,
      n_eval: p.evalTexts.length,
      n_features: model.nFeatures,
    };
    if (cv) {
      for (const [m, s] of Object.entries(cv.metrics)) {
        metrics[`cv_${m}_mean`] = s.mean;
        metrics[`cv_${m}_std`] = s.std;
      }
    }
    const evalSet =
      p.evalSet.kind === 'split'
        ? {
            kind: 'split',
            test_fraction: p.evalSet.fraction,
            seed: p.evalSet.seed,
            rows: p.evalTexts.length,
          }
        : {
            kind: 'file',
            path: p.evalSet.path,
            sha256: ctx.test?.sha256,
            rows: p.evalTexts.length,
          };
    const config = {
      format: 'sentio.config/1',
      options: reproducibleOptions(options, point),
      params: modelParams(point),
      engine_config: model.config,
      engine: { backend: engine.backend, version: engine.version },
      sentio_version: ctx.sentioVersion,
      training_facts: model.facts,
      classes: model.classes,
      data: {
        train: { path: ctx.train.path, sha256: ctx.train.sha256, rows: ctx.train.rows },
        test: ctx.test
          ? { path: ctx.test.path, sha256: ctx.test.sha256, rows: ctx.test.rows }
          : null,
      },
    };
    const profile = buildProfile({
      model,
      trainTexts: p.trainTexts,
      trainLabels: p.trainLabels,
      evalTexts: p.evalTexts,
      evalLabels: p.evalLabels,
      evalScores: scores,
      seed: point.seed,
    });
    const card = renderModelCard({
      model: options.model,
      ...(options.description ? { description: options.description } : {}),
      createdAt: ctx.startedAt,
      runId: ctx.runId,
      experiment: options.experiment,
      sentioVersion: ctx.sentioVersion,
      engine: { backend: engine.backend, version: engine.version },
      classes: model.classes,
      nFeatures: model.nFeatures,
      config: model.config,
      train: ctx.train,
      evaluation:
        p.evalSet.kind === 'split'
          ? {
              kind: 'split',
              fraction: p.evalSet.fraction,
              seed: p.evalSet.seed,
              rows: p.evalTexts.length,
            }
          : { kind: 'file', dataset: ctx.test ?? { ...ctx.train, path: p.evalSet.path } },
      report,
      ...(cv ? { cv: { k: cv.k, metrics: cv.metrics } } : {}),
      tags: options.tags,
    });
    const artifacts = new Map<ArtifactName, Uint8Array>([
      ['model', model.toBytes()],
      ['metrics', jsonBytes(metricsDocument(report, evalSet, cv))],
      ['confusion_matrix', jsonBytes(confusionDocument(report))],
      ['eval_predictions', evalPredictionsJsonl(p.evalTexts, p.evalLabels, p.evalLines, scores)],
      ['config', jsonBytes(config)],
      ['profile', jsonBytes(profile)],
      ['card', textBytes(card)],
    ]);
    return {
      report,
      metrics,
      cv,
      classes: [...model.classes],
      nFeatures: model.nFeatures,
      config,
      artifacts,
      timings: { fitMs, evalMs, cvMs },
    };
  } finally {
    model.dispose();
  }
}
