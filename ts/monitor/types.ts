/**
 * Monitoring's public types: what the server hands the logger for each
 * prediction, the rows the store keeps, and `MonitorBackend`, the one
 * interface every storage backend implements. Every method is async so a
 * networked backend (PostgreSQL) fits behind it like the embedded SQLite one.
 * @module
 */

import type { RawDigests } from './digests.js';

/** Which arm of a deployment served (stable) or mirrored (shadow) the prediction. */
export type Arm = 'stable' | 'canary' | 'shadow';
export const ARMS: readonly Arm[] = ['stable', 'canary', 'shadow'];

/** What is kept of the input text: all of it, its sha256, or nothing (length only). */
export type TextMode = 'text' | 'hash' | 'none';
export const TEXT_MODES: readonly TextMode[] = ['text', 'hash', 'none'];

/** One prediction as the server reports it to `PredictionLogger.log`. */
export interface PredictionEvent {
  /** Unique prediction id (the one returned to the client, used by feedback). */
  id: string;
  model: string;
  version: number;
  /** Environment / alias served (default "default"). */
  env?: string;
  arm?: Arm;
  /** Winning label. */
  label: string;
  /** The model's classes, in the order of `probabilities`. */
  classes: readonly string[];
  probabilities: ArrayLike<number>;
  latencyMs: number;
  /** The input text (kept, hashed or dropped per the model's text mode; used for drift accounting). */
  text: string;
  /** Milliseconds since the epoch (default: when `log` is called). */
  at?: number;
}

/**
 * Predictions of one model version, environment and arm, column by column
 * (`PredictionLogger.logBlock`): what the server's logging thread receives
 * from the event loop, without an object per prediction; the typed arrays
 * cross threads without a copy. Columns may be longer than `length`.
 */
export interface PredictionBlock {
  model: string;
  version: number;
  /** Default "default". */
  env?: string;
  /** Default "stable". */
  arm?: Arm;
  /** The model's classes: `probabilities` holds `classes.length` numbers per prediction, in this order. */
  classes: readonly string[];
  /** Predictions in the block. */
  length: number;
  ids: readonly string[];
  /** Milliseconds since the epoch. */
  at: ArrayLike<number>;
  /** Each prediction's label, as an index into `labelNames`. */
  labels: ArrayLike<number>;
  /** The names `labels` index (default: `classes`). */
  labelNames?: readonly string[];
  probabilities: ArrayLike<number>;
  latencyMs: ArrayLike<number>;
  /** UTF-16 code units of each text (JavaScript's `text.length`). */
  textLengths: ArrayLike<number>;
  /** The texts as strings; or else: */
  texts?: readonly string[];
  /** their UTF-8 bytes back to back, text i ending at `textEnds[i]` (starting where text i − 1 ends). */
  textBytes?: Uint8Array;
  textEnds?: ArrayLike<number>;
}

/**
 * Logged predictions of one model version, environment and arm, column by
 * column (`MonitorBackend.writeColumns`): a batch as the logger prepared it,
 * stored without building a row object per prediction.
 */
export interface PredictionColumns {
  model: string;
  version: number;
  env: string;
  arm: Arm;
  /** Names of the probabilities: `probabilities` holds `classes.length` numbers per row. */
  classes: readonly string[];
  length: number;
  ids: readonly string[];
  at: ArrayLike<number>;
  labels: readonly string[];
  confidence: ArrayLike<number>;
  probabilities: ArrayLike<number>;
  latencyMs: ArrayLike<number>;
  textLength: ArrayLike<number>;
  /** Every row's text (text mode "text"), or null. */
  text: readonly string[] | null;
  /** Every row's text hash (text mode "hash"): hex strings or raw digests (digests.ts); or null. */
  textSha256: readonly string[] | RawDigests | null;
  /** Tokens and out-of-vocabulary tokens, −1 where drift accounting skipped the row; null: it skipped all. */
  tokens: ArrayLike<number> | null;
  oovTokens: ArrayLike<number> | null;
}

/** A logged prediction as stored. */
export interface PredictionRow {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  model: string;
  version: number;
  env: string;
  arm: Arm;
  label: string;
  /** Winning probability. */
  confidence: number;
  probabilities: Record<string, number>;
  latencyMs: number;
  /** UTF-16 code units, as JavaScript's `text.length` (and the training profile) count. */
  textLength: number;
  text: string | null;
  textSha256: string | null;
  /** Tokens / out-of-vocabulary tokens of the text (null when drift accounting skipped it). */
  tokens: number | null;
  oovTokens: number | null;
}

/** A logged prediction joined with its ground truth. */
export interface LabelledRow extends PredictionRow {
  truth: string;
}

/**
 * Token document-frequency counts of one time bucket of one model version,
 * from one writer: `counts[i]` is for the reference's `features[i]`, `other`
 * for every other vocabulary feature, `docs` the texts counted.
 */
export interface TokenBucket {
  model: string;
  version: number;
  /** Bucket start, ms since the epoch. */
  start: number;
  docs: number;
  other: number;
  /** Feature slot → documents containing it (sparse). */
  counts: Map<number, number>;
}

export interface PredictionFilter {
  model?: string;
  version?: number;
  env?: string;
  arm?: Arm;
  /** Inclusive lower bound, ms since the epoch. */
  since?: number;
  /** Exclusive upper bound, ms since the epoch. */
  until?: number;
  /** The newest `limit` rows (still returned oldest first). */
  limit?: number;
}

export interface FeedbackItem {
  predictionId: string;
  label: string;
  /** ms since the epoch (default now). */
  at?: number;
  /** Where it came from, e.g. "api" or "import:labels.csv". */
  source?: string;
}

export interface FeedbackResult {
  /** New ground truth joined to a logged prediction. */
  recorded: number;
  /** Ground truth that replaced an earlier label for the same prediction. */
  updated: number;
  /** Ids no logged prediction has (nothing stored for them). */
  unknown: string[];
}

export interface PruneOptions {
  /** Delete predictions (and their feedback, and token buckets) older than this, ms since the epoch. */
  before?: number;
  /** Then delete the oldest predictions until the database's used size is at most this. */
  maxBytes?: number;
}

export interface PruneReport {
  deletedPredictions: number;
  deletedFeedback: number;
  deletedBuckets: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface StoreStats {
  predictions: number;
  feedback: number;
  buckets: number;
  /** Used bytes (pages in use × page size). */
  bytes: number;
  oldest: number | null;
  newest: number | null;
}

/** Per (model, version): how many predictions a filter matches. */
export interface VersionCount {
  model: string;
  version: number;
  predictions: number;
  first: number;
  last: number;
}

/** Storage of prediction logs, feedback and token buckets. */
export interface MonitorBackend {
  /** Backend name, e.g. "sqlite". */
  readonly kind: string;
  /** Where it lives (a file for SQLite). */
  readonly location: string;
  /** One transaction: the predictions (duplicates by id ignored) and the bucket deltas (added). Returns rows inserted. */
  writeBatch(rows: readonly PredictionRow[], buckets: readonly TokenBucket[]): Promise<number>;
  /**
   * `writeBatch` for the logger's column blocks (same transaction, same
   * result), without a row object per prediction. Optional: the logger
   * builds rows for a backend without it.
   */
  writeColumns?(
    blocks: readonly PredictionColumns[],
    buckets: readonly TokenBucket[],
  ): Promise<number>;
  /** Matching predictions, oldest first. */
  predictions(filter: PredictionFilter): Promise<PredictionRow[]>;
  /** Predictions with ground truth, oldest first. */
  labelled(filter: PredictionFilter): Promise<LabelledRow[]>;
  /** Stream matching predictions in pages (export). */
  scan(filter: PredictionFilter, pageSize?: number): AsyncIterable<PredictionRow[]>;
  versions(filter: PredictionFilter): Promise<VersionCount[]>;
  /** Token buckets of a version with start in [since, until), merged across writers. */
  tokenBuckets(
    model: string,
    version: number,
    since: number,
    until: number,
  ): Promise<TokenBucket[]>;
  recordFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult>;
  prune(opts: PruneOptions): Promise<PruneReport>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
