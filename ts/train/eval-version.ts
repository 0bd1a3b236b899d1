/**
 * `sentio eval`: score a registered version on new labelled data, store the
 * full report as an artifact and record the evaluation against the version.
 * The ref is resolved and the data read and validated before anything is
 * written, so bad input leaves the store untouched.
 * @module
 */
import path from 'node:path';
import { type DatasetFingerprint, loadDataset } from '../data/index.js';
import type { Engine, MetricsReport } from '../engine/index.js';
import { type EvaluationRecord, openRegistry, type Registry } from '../registry/index.js';
import { jsonBytes } from './artifact-files.js';
import { evaluateModel } from './evaluate.js';
import { engineOrFail, loadVersionModel } from './load-version.js';
import { flattenMetrics } from './metrics.js';
import { type ProgressFactory, silentProgress } from './progress.js';

export interface EvalRequest {
  store: string | Registry;
  ref: string;
  data: string;
  textColumn?: string;
  labelColumn?: string;
  engine?: Engine;
  progress?: ProgressFactory;
}

export interface EvalResult {
  model: string;
  version: number;
  dataset: DatasetFingerprint;
  report: MetricsReport;
  metrics: Record<string, number>;
  evaluation: EvaluationRecord;
  reportSha256: string;
  /** Labels in the data the model never saw (their rows can only be wrong). */
  unknownLabels: string[];
}

export async function evaluateVersion(req: EvalRequest): Promise<EvalResult> {
  const engine = await engineOrFail(req.engine);
  const progress = req.progress ?? silentProgress;
  // The version must exist, so a missing store is an error, not a new empty store.
  const reg =
    typeof req.store === 'string' ? await openRegistry(req.store, { create: false }) : req.store;
  try {
    const { version, model } = await loadVersionModel(reg, req.ref, engine);
    try {
      let bar: ReturnType<ProgressFactory> | undefined;
      const data = await loadDataset(req.data, {
        ...(req.textColumn ? { textColumn: req.textColumn } : {}),
        ...(req.labelColumn ? { labelColumn: req.labelColumn } : {}),
        onProgress: (done, total) => {
          bar ??= progress(`loading ${path.basename(req.data)}`, Math.ceil(total / 1024), 'kB');
          bar.update(Math.floor(done / 1024));
        },
      });
      bar?.done();
      const { report } = await evaluateModel(engine, model, data.texts, data.labels, { progress });
      const metrics = { ...flattenMetrics(report), n: report.n };
      const reportSha256 = await reg.artifacts.put(
        jsonBytes({
          format: 'sentio.evaluation/1',
          model: version.model,
          version: version.version,
          dataset: data.fingerprint,
          report,
        }),
        { kind: 'evaluation' },
      );
      const evaluation = await reg.recordEvaluation({
        model: version.model,
        version: version.version,
        dataset: data.fingerprint,
        metrics,
        reportSha256,
      });
      const known = new Set(model.classes);
      return {
        model: version.model,
        version: version.version,
        dataset: data.fingerprint,
        report,
        metrics,
        evaluation,
        reportSha256,
        unknownLabels: [...new Set(data.labels)].filter((l) => !known.has(l)).sort(),
      };
    } finally {
      model.dispose();
    }
  } finally {
    if (typeof req.store === 'string') await reg.close();
  }
}
