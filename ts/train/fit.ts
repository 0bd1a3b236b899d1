/**
 * Training through the engine's streaming Trainer: documents go in chunks
 * through `learnAsync` (off the main thread on the native backend), so a
 * progress bar can move and the process stays responsive, then
 * `finishAsync` builds the vocabulary, weights and the classifier. The
 * engine guarantees the same model bytes as one-shot training.
 * @module
 */
import type { Engine, EngineModel, TrainConfig } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import { type ProgressFactory, silentProgress } from './progress.js';

export const FIT_CHUNK = 2000;

/** Engine errors during training as SentioErrors a user can act on. */
export function trainingError(e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  if (e instanceof SentioError || typeof code !== 'string') return e;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'INVALID_CONFIG') {
    return new SentioError('TRAIN_BAD_OPTION', `invalid training options: ${message}`, {
      engineCode: code,
    });
  }
  return new SentioError('TRAIN_FAILED', `training failed (${code}): ${message}`, {
    engineCode: code,
  });
}

export interface FitOptions {
  progress?: ProgressFactory;
  /** Progress label, e.g. "fitting" or "fold 2/5". */
  label?: string;
  chunkSize?: number;
  /** Checked between chunks: an aborted signal stops training with TRAIN_INTERRUPTED. */
  signal?: AbortSignal;
}

/** Throw TRAIN_INTERRUPTED when the signal has been aborted (Ctrl-C). */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SentioError(
      'TRAIN_INTERRUPTED',
      `interrupted (${String(signal.reason ?? 'aborted')})`,
    );
  }
}

export async function fitModel(
  engine: Engine,
  config: TrainConfig,
  texts: readonly string[],
  labels: readonly string[],
  opts: FitOptions = {},
): Promise<EngineModel> {
  const chunk = opts.chunkSize ?? FIT_CHUNK;
  const label = opts.label ?? 'fitting';
  const bar = (opts.progress ?? silentProgress)(label, texts.length, 'docs');
  try {
    const trainer = engine.createTrainer(config);
    for (let i = 0; i < texts.length; i += chunk) {
      checkInterrupted(opts.signal);
      await trainer.learnAsync(texts.slice(i, i + chunk), labels.slice(i, i + chunk));
      bar.tick(Math.min(chunk, texts.length - i));
    }
    checkInterrupted(opts.signal);
    const model = await trainer.finishAsync();
    bar.done();
    return model;
  } catch (e) {
    bar.done();
    throw trainingError(e);
  }
}
