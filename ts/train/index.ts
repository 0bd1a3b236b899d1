/**
 * Training pipeline: options, sweeps, k-fold CV, training through the
 * engine, evaluation, artifacts, run tracking and registration; plus batch
 * prediction and evaluation of registered versions. Imports the engine only
 * through `ts/engine`, data through `ts/data`, the store through
 * `ts/registry`.
 * @module
 */
export {
  ARTIFACT_NAMES,
  type ArtifactName,
  type CvSummary,
} from './artifact-files.js';
export { loadConfigFile, parseConfigText } from './config-file.js';
export { type EvalRequest, type EvalResult, evaluateVersion } from './eval-version.js';
export { evaluateModel, type Scores, scoreTexts } from './evaluate.js';
export { fitModel } from './fit.js';
export { inlineDataset, toCsv } from './inline-data.js';
export { meanStd, stratifiedKFold } from './kfold.js';
export { engineOrFail, type LoadedVersion, loadVersionModel } from './load-version.js';
export { flattenMetrics, isBetter, lowerIsBetter } from './metrics.js';
export { type CardInput, renderModelCard } from './model-card.js';
export {
  DEFAULTS,
  type ModelOptions,
  RANKING_METRICS,
  type RawOptions,
  resolveTrainOptions,
  SWEEP_KEYS,
  type TrainOptions,
  toEngineConfig,
} from './options.js';
export {
  type RunOutcome,
  type TrainRequest,
  type TrainResult,
  trainAndRegister,
} from './pipeline.js';
export { type PredictRequest, type PredictResult, predict } from './predict.js';
export {
  type OutputFormat,
  outputFormat,
  type PredictionRecord,
} from './predict-format.js';
export {
  buildProfile,
  CONFIDENCE_BINS,
  type DataProfile,
  LENGTH_BINS,
  type ReferenceProfile,
} from './profile.js';
export { type PhaseProgress, type ProgressFactory, silentProgress } from './progress.js';
export { DEMO_TEXTS, type LabelledText, sampleDataset } from './sample-data.js';
export { rng, type Split, shuffle, stratifiedSplit } from './split.js';
export { expandGrid, type GridPoint, parseSweep } from './sweep.js';
