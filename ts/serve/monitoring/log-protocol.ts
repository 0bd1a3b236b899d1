/**
 * The messages between the server's event loop and its logging thread
 * (log-worker.ts). Predictions travel in columns per stream (one model
 * version, environment and arm: ts/monitor's PredictionBlock), typed arrays
 * transferred without a copy, the texts as UTF-8 bytes; only the ids are
 * strings to clone. Text buffers go back with the acknowledgements once
 * the thread has read them, and carry the next predictions' texts.
 * @module
 */
import type {
  FeedbackItem,
  LoggerCounters,
  PredictionBlock,
  TextMode,
} from '../../monitor/index.js';

/** What the logging thread is started with (workerData). */
export interface LogWorkerInit {
  store: string;
  /** Identifies this process's token-bucket rows. */
  writer: string;
  /** false: only feedback is served (`--no-prediction-log`); no logger runs. */
  logging: boolean;
  textMode: TextMode;
  textModes: Record<string, TextMode>;
  capacity: number;
  batchSize: number;
  flushIntervalMs: number;
  driftMaxPerSecond: number;
  bucketMs: number;
  retention: { maxAgeMs?: number; maxBytes?: number; everyMs?: number } | null;
}

export type ToLogWorker =
  | { t: 'events'; streams: PredictionBlock[]; n: number }
  | { t: 'attach'; model: string; version: number }
  | { t: 'detach'; model: string; version: number }
  | { t: 'flush'; seq: number }
  | { t: 'feedback'; seq: number; items: FeedbackItem[] }
  | { t: 'close'; seq: number };

export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type FromLogWorker =
  | { t: 'ready' }
  | { t: 'init_failed'; error: WireError }
  /** `buffers`: text buffers of blocks already hashed and measured, transferred back for reuse. */
  | { t: 'ack'; n: number; counters: LoggerCounters; buffers?: ArrayBuffer[] }
  | { t: 'reply'; seq: number; ok: true; value: unknown; counters?: LoggerCounters }
  | { t: 'reply'; seq: number; ok: false; error: WireError }
  | { t: 'attached'; model: string; version: number; drift: 'tokens' | 'oov' | 'none'; ms: number }
  | { t: 'problem'; event: string; error: WireError };
