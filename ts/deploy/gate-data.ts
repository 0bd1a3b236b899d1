/**
 * `--gate-data FILE`: a labelled dataset both the candidate and the
 * environment's current version are scored on, so relative gates compare
 * the two on the same data instead of on whatever each was tested with.
 * @module
 */
import path from 'node:path';
import { type Dataset, loadDataset } from '../data/index.js';
import type { Engine } from '../engine/index.js';
import { evaluateModel, flattenMetrics } from '../train/index.js';

export interface GateData {
  file: string;
  dataset: Dataset;
  /** "gate data test.csv (600 rows)" for messages. */
  label: string;
}

/** Load and validate the file (DATA_* errors) before anything is decided or written. */
export async function loadGateData(file: string): Promise<GateData> {
  const dataset = await loadDataset(file);
  return {
    file: path.resolve(file),
    dataset,
    label: `gate data ${path.basename(file)}, ${dataset.texts.length} rows`,
  };
}

/** Flattened metrics (accuracy, macro_f1, log_loss, …, n) of a model file on the gate data. */
export async function scoreOnGateData(
  engine: Engine,
  bytes: Uint8Array,
  data: GateData,
): Promise<Record<string, number>> {
  const model = engine.loadModel(bytes);
  try {
    const { report } = await evaluateModel(engine, model, data.dataset.texts, data.dataset.labels);
    return { ...flattenMetrics(report), n: report.n };
  } finally {
    model.dispose();
  }
}
