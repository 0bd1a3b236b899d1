/**
 * Prediction-logging settings of a server (`--log-sample-rate`,
 * `--log-text`, `--no-prediction-log`) and their checked, complete form.
 * Defaults log every prediction, text hashed (sha256) for privacy, with the
 * PredictionLogger's queue and flush defaults, and cap drift measurement at
 * 500 texts per second: measuring costs about one more prediction, so under
 * heavy traffic an uncapped measurement would cost about as much as serving.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { LOGGER_DEFAULTS, type RetentionOptions, type TextMode } from '../../monitor/index.js';

export interface PredictionLogOptions {
  /** Share of predictions logged, 0 < r ≤ 1 (default 1). */
  sampleRate?: number;
  /** Default text mode: "hash" (default), "text" (kept whole) or "none". */
  textMode?: TextMode;
  /** Per-model text modes. */
  textModes?: Record<string, TextMode>;
  /** Predictions held in memory at most before logging drops (and counts) them (default 50 000). */
  capacity?: number;
  /** Predictions per monitor.db transaction (default 1000). */
  batchSize?: number;
  /** Write period, ms (default 200): the most a crash loses. */
  flushIntervalMs?: number;
  /** Hand-over period from the event loop to the logging thread, ms (default 25). */
  postIntervalMs?: number;
  /** Texts measured for drift per second at most (default 500; Infinity: all). */
  driftMaxPerSecond?: number;
  /** Token-count bucket width, ms (default 5 min; tests shorten it). */
  bucketMs?: number;
  retention?: RetentionOptions;
}

export interface ResolvedLogOptions {
  sampleRate: number;
  textMode: TextMode;
  textModes: Record<string, TextMode>;
  capacity: number;
  batchSize: number;
  flushIntervalMs: number;
  postIntervalMs: number;
  driftMaxPerSecond: number;
  bucketMs: number;
  retention: RetentionOptions | null;
}

export const LOG_DEFAULTS = {
  driftMaxPerSecond: 500,
  postIntervalMs: 25,
};

const MODES: readonly string[] = ['text', 'hash', 'none'];

function bad(message: string, option: string): SentioError {
  return new SentioError('SERVE_BAD_OPTION', message, { option });
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x <= 0) {
    throw bad(`predictionLog.${name} must be a positive integer, got ${String(v)}`, name);
  }
  return x;
}

function mode(v: unknown, where: string): TextMode {
  if (typeof v !== 'string' || !MODES.includes(v)) {
    throw bad(`${where} must be hash, full (text) or none, got ${JSON.stringify(v)}`, 'textMode');
  }
  return v as TextMode;
}

/** null: logging is off (`--no-prediction-log`). */
export function resolveLogOptions(
  o: PredictionLogOptions | false | undefined,
): ResolvedLogOptions | null {
  if (o === false) return null;
  const opts = o ?? {};
  const sampleRate = opts.sampleRate ?? 1;
  if (typeof sampleRate !== 'number' || !(sampleRate > 0 && sampleRate <= 1)) {
    throw bad(
      `the log sample rate must be a number in (0, 1], got ${String(sampleRate)}`,
      'sampleRate',
    );
  }
  const textModes: Record<string, TextMode> = {};
  for (const [model, m] of Object.entries(opts.textModes ?? {})) {
    textModes[model] = mode(m, `the text mode of model "${model}"`);
  }
  const drift = opts.driftMaxPerSecond ?? LOG_DEFAULTS.driftMaxPerSecond;
  if (typeof drift !== 'number' || !(drift > 0)) {
    throw bad(
      `predictionLog.driftMaxPerSecond must be a positive number, got ${String(drift)}`,
      'driftMaxPerSecond',
    );
  }
  return {
    sampleRate,
    textMode: mode(opts.textMode ?? LOGGER_DEFAULTS.textMode, 'the text mode'),
    textModes,
    capacity: positiveInt('capacity', opts.capacity, LOGGER_DEFAULTS.capacity),
    batchSize: positiveInt('batchSize', opts.batchSize, LOGGER_DEFAULTS.batchSize),
    flushIntervalMs: positiveInt(
      'flushIntervalMs',
      opts.flushIntervalMs,
      LOGGER_DEFAULTS.flushIntervalMs,
    ),
    postIntervalMs: positiveInt('postIntervalMs', opts.postIntervalMs, LOG_DEFAULTS.postIntervalMs),
    driftMaxPerSecond: drift,
    bucketMs: positiveInt('bucketMs', opts.bucketMs, LOGGER_DEFAULTS.bucketMs),
    retention: opts.retention ?? null,
  };
}

/**
 * `--log-text` values: `hash|full|none` sets the default, `MODEL=hash|full|none`
 * one model's mode ("full" keeps the whole text).
 */
export function parseLogText(values: readonly string[]): {
  textMode?: TextMode;
  textModes: Record<string, TextMode>;
} {
  const out: { textMode?: TextMode; textModes: Record<string, TextMode> } = { textModes: {} };
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const raw = (eq === -1 ? v : v.slice(eq + 1)).trim().toLowerCase();
    const m = raw === 'full' ? 'text' : raw;
    if (!MODES.includes(m)) {
      throw bad(
        `--log-text ${JSON.stringify(v)}: expected hash, full or none, optionally as MODEL=MODE`,
        '--log-text',
      );
    }
    if (eq === -1) out.textMode = m as TextMode;
    else {
      const model = v.slice(0, eq).trim();
      if (model === '')
        throw bad(`--log-text ${JSON.stringify(v)}: the model name is empty`, '--log-text');
      out.textModes[model] = m as TextMode;
    }
  }
  return out;
}
