// Public types of the engine: training config, results, and the Engine /
// EngineModel / EngineTrainer interfaces that both backends implement.
// Config, facts and report keys are snake_case, exactly as the Rust core's
// serde names them, so the JSON they travel as maps one-to-one.
import type { EngineErrorCode } from './errors.js';

export type { EngineErrorCode };

/** Which binding runs the engine. */
export type Backend = 'native' | 'wasm';

/**
 * A document-frequency bound. A plain number below 1 is a proportion of the
 * documents, a whole number of 1 or more a document count (except
 * `max_df: 1`, which means the proportion 1.0, i.e. no upper bound).
 */
export type DocFreqInput = number | DocFreq;
/** A resolved document-frequency bound, as the model reports it. */
export type DocFreq = { count: number } | { proportion: number };

export type StripAccents = 'unicode' | 'ascii';
export type Norm = 'l2' | 'l1' | 'none';
export type ClassifierKind = 'multinomial' | 'complement';

/** Feature hashing instead of a vocabulary: 2^bits buckets. */
export interface Hashing {
  /** log2 of the number of buckets, 1..=28. */
  bits: number;
  /** Alternate signs by hash bit (scikit-learn's `alternate_sign`). */
  signed?: boolean;
}

/**
 * Training options, named and defaulted as scikit-learn's `TfidfVectorizer` +
 * `MultinomialNB` / `ComplementNB`. Every key is optional; unknown keys are
 * rejected with `INVALID_CONFIG`.
 */
export interface TrainConfig {
  lowercase?: boolean;
  strip_accents?: StripAccents | null;
  /** `"english"` (scikit-learn's list) or your own words. */
  stop_words?: 'english' | readonly string[] | null;
  /** Word n-gram range, inclusive: `[1, 2]` is unigrams and bigrams. */
  ngram_range?: readonly [number, number];
  min_df?: DocFreqInput;
  max_df?: DocFreqInput;
  max_features?: number | null;
  hashing?: Hashing | null;
  use_idf?: boolean;
  smooth_idf?: boolean;
  sublinear_tf?: boolean;
  norm?: Norm;
  classifier?: ClassifierKind;
  alpha?: number;
  fit_prior?: boolean;
  /** Explicit class priors as `[label, probability]` pairs; overrides `fit_prior`. */
  class_prior?: ReadonlyArray<readonly [string, number]> | null;
  /** Complement NB only: normalise the weights (scikit-learn's `norm`). */
  complement_norm?: boolean;
}

/** A model's config with every default filled in. */
export interface ResolvedTrainConfig {
  lowercase: boolean;
  strip_accents: StripAccents | null;
  stop_words: 'english' | string[] | null;
  ngram_range: [number, number];
  min_df: DocFreq;
  max_df: DocFreq;
  max_features: number | null;
  hashing: { bits: number; signed: boolean } | null;
  use_idf: boolean;
  smooth_idf: boolean;
  sublinear_tf: boolean;
  norm: Norm;
  classifier: ClassifierKind;
  alpha: number;
  fit_prior: boolean;
  class_prior: Array<[string, number]> | null;
  complement_norm: boolean;
}

/** Deterministic facts about the training data. */
export interface TrainingFacts {
  n_documents: number;
  /** Documents per class, in `classes` order. */
  class_counts: number[];
  n_features: number;
  /** Distinct candidate features before pruning (vocabulary mode). */
  n_candidate_features: number;
  /** Tokens seen (vocabulary mode; hashing mode does not count them). */
  n_tokens: number;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

/** scikit-learn's classification report, confusion matrix and log loss. */
export interface MetricsReport {
  n: number;
  accuracy: number;
  /** Sorted union of true and predicted labels: the order of every per-label field. */
  labels: string[];
  per_class: ClassMetrics[];
  macro_avg: Averages;
  weighted_avg: Averages;
  /** Row = true label, column = predicted label, in `labels` order. */
  confusion_matrix: number[][];
  /** Absent (null) without probabilities or when a true label is not a model class. */
  log_loss: number | null;
}

/** Probabilities for `evaluate`'s log loss: `values[i * classes.length + c]`. */
export interface ProbabilityTable {
  classes: readonly string[];
  values: Float64Array | readonly number[];
}

/** One prediction. */
export interface Prediction {
  label: string;
  /** Index of `label` in the model's `classes`. */
  labelIndex: number;
  /** One probability per class, in `classes` order. */
  probabilities: Float64Array;
}

/** Predictions of many texts, in flat arrays. */
export interface BatchPrediction {
  /** Number of texts. */
  length: number;
  nClasses: number;
  /** Winning class of each text, as an index into the model's `classes` (as the bindings give it). */
  labels: Uint32Array;
  /** Winning class of each text, by name. */
  labelNames: string[];
  /** Row-major `length x nClasses`: text i is `probabilities.subarray(i * nClasses, (i + 1) * nClasses)`. */
  probabilities: Float64Array;
}

export interface Contribution {
  /** The n-gram as it appears after preprocessing ("not good"). */
  feature: string;
  /** Its tf-idf weight in this text. */
  weight: number;
  /** Its share of the winning class's margin over the others. */
  contribution: number;
}

export interface Explanation extends Prediction {
  /** Top contributions, largest first. */
  contributions: Contribution[];
}

/** A sparse tf-idf row: feature indices (ascending) and their weights. */
export interface SparseRow {
  indices: Uint32Array;
  values: Float64Array;
}

export interface OovCounts {
  tokens: number;
  oov: number;
}

/** `oovCounts` plus the features a text contains (`transform`'s indices), from one tokenization. */
export interface DriftCounts extends OovCounts {
  features: Uint32Array;
}

/** A trained model. Immutable; safe to use from several async tasks at once. */
export interface EngineModel {
  readonly backend: Backend;
  /** Class labels, sorted; every probability array follows this order. */
  readonly classes: readonly string[];
  readonly nFeatures: number;
  readonly config: ResolvedTrainConfig;
  readonly facts: TrainingFacts;
  predict(text: string): Prediction;
  /** Predict from UTF-8 bytes; invalid UTF-8 throws `INVALID_UTF8`. */
  predictBytes(bytes: Uint8Array): Prediction;
  predictBatch(texts: readonly string[]): BatchPrediction;
  /** Native: scored on the libuv pool. WASM: scored synchronously, resolved promise. */
  predictBatchAsync(texts: readonly string[]): Promise<BatchPrediction>;
  /** The prediction and the `k` features that pushed the winner most. */
  explain(text: string, k: number): Explanation;
  transform(text: string): SparseRow;
  /** Feature strings in column order; null in hashing mode. */
  vocabulary(): string[] | null;
  /** Inverse document frequencies in column order; null when `use_idf` is false. */
  idf(): Float64Array | null;
  /** The n-grams the model's tokenizer produces for a text. */
  analyze(text: string): string[];
  oovCounts(text: string): OovCounts;
  /** What drift accounting needs of a text: tokens, OOV tokens and features present. */
  driftCounts(text: string): DriftCounts;
  /** The model file: same data and config give the same bytes. */
  toBytes(): Uint8Array;
  /** Release the model's memory now (WASM) instead of at garbage collection. */
  dispose(): void;
}

/**
 * Streaming training: optionally `observe` every chunk (pass one), then
 * `learn` every chunk, then `finish`. After `finish` every call throws
 * `TRAINER_FINISHED`, except when it threw before building (EMPTY_TRAINING_SET,
 * SINGLE_CLASS, TRAINER_STATE): the trainer is then still usable, so more
 * documents can be learned and `finish` called again. Native async variants run on the libuv pool (sync calls
 * meanwhile throw `TRAINER_BUSY`); WASM runs them synchronously.
 */
export interface EngineTrainer {
  readonly learnedDocuments: number;
  observe(texts: readonly string[]): void;
  learn(texts: readonly string[], labels: readonly string[]): void;
  finish(): EngineModel;
  observeAsync(texts: readonly string[]): Promise<void>;
  learnAsync(texts: readonly string[], labels: readonly string[]): Promise<void>;
  finishAsync(): Promise<EngineModel>;
}

/** The engine, on whichever backend loaded. */
export interface Engine {
  readonly backend: Backend;
  /** Version of the engine build behind the backend. */
  readonly version: string;
  /** Why the native backend is not in use (null when it is, or when WASM was asked for). */
  readonly fallbackReason: string | null;
  /** Where the binding was loaded from. */
  readonly source: string;
  loadModel(bytes: Uint8Array): EngineModel;
  loadModelFile(path: string): Promise<EngineModel>;
  createTrainer(config?: TrainConfig): EngineTrainer;
  /** One-shot training (native: on the libuv pool). */
  train(
    config: TrainConfig,
    texts: readonly string[],
    labels: readonly string[],
  ): Promise<EngineModel>;
  trainSync(config: TrainConfig, texts: readonly string[], labels: readonly string[]): EngineModel;
  /**
   * SHA-256 of many texts in one call (the prediction log's hash mode):
   * text i is `bytes[i === 0 ? start : ends[i - 1] .. ends[i]]` (UTF-8),
   * 32 bytes out per text, back to back. Offsets out of order or beyond
   * `bytes` throw INVALID_ARGUMENT. Native only: null on the WASM backend
   * (use node:crypto there).
   */
  readonly sha256EachText:
    | ((bytes: Uint8Array, start: number, ends: Uint32Array) => Uint8Array)
    | null;
  /** Metrics of predictions against true labels; with probabilities, log loss too. */
  evaluate(
    yTrue: readonly string[],
    yPred: readonly string[],
    proba?: ProbabilityTable,
  ): MetricsReport;
}

export interface LoadEngineOptions {
  /** Force a backend. Default: env SENTIO_ENGINE, else native with WASM fallback. */
  backend?: Backend;
}
