/**
 * One registered model version, loaded, verified and ready to answer. Every
 * response is produced by exactly one `LoadedModel`, and names its version.
 * Immutable once built; a hot swap replaces the whole object, so a request
 * that picked one keeps a consistent model to the end.
 * @module
 */
import type { Contribution, EngineModel } from '../engine/index.js';
import { type BatcherOptions, MicroBatcher, type ScoredText } from './batcher.js';

export interface TextPrediction {
  label: string;
  probabilities: Record<string, number>;
  explanation?: Contribution[];
}

export class LoadedModel {
  readonly classes: readonly string[];
  readonly loadedAt: string;
  private readonly batcher: MicroBatcher;
  private active = 0;
  private retired = false;
  private disposed = false;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly modelSha256: string,
    readonly engineModel: EngineModel,
    batching: BatcherOptions,
  ) {
    this.classes = engineModel.classes;
    this.loadedAt = new Date().toISOString();
    this.batcher = new MicroBatcher(engineModel, batching);
  }

  /** Class → probability, in class order (JSON keeps insertion order). */
  probabilitiesOf(row: ArrayLike<number>): Record<string, number> {
    const out: Record<string, number> = {};
    const classes = this.classes;
    for (let c = 0; c < classes.length; c++) out[classes[c] as string] = row[c] as number;
    return out;
  }

  /** Score one text through the micro-batcher. */
  predictOne(text: string, cb: (err: Error | null, p: TextPrediction | null) => void): void {
    this.active++;
    this.batcher.submit(text, (err, r: ScoredText | null) => {
      this.release();
      if (err !== null || r === null) cb(err ?? new Error('no prediction'), null);
      else cb(null, { label: r.label, probabilities: this.probabilitiesOf(r.probabilities) });
    });
  }

  predictOneAsync(text: string): Promise<TextPrediction> {
    return new Promise((resolve, reject) => {
      this.predictOne(text, (err, p) =>
        err !== null ? reject(err) : resolve(p as TextPrediction),
      );
    });
  }

  /** Score a client's batch in one engine call (off the event loop when large). */
  async predictMany(texts: readonly string[], asyncThreshold: number): Promise<TextPrediction[]> {
    this.active++;
    try {
      const out =
        texts.length >= asyncThreshold
          ? await this.engineModel.predictBatchAsync(texts)
          : this.engineModel.predictBatch(texts);
      const k = out.nClasses;
      const result: TextPrediction[] = new Array(out.length);
      for (let i = 0; i < out.length; i++) {
        result[i] = {
          label: out.labelNames[i] as string,
          probabilities: this.probabilitiesOf(out.probabilities.subarray(i * k, (i + 1) * k)),
        };
      }
      return result;
    } finally {
      this.release();
    }
  }

  /** Prediction plus the k features that pushed the winner most (synchronous, not batched). */
  explain(text: string, k: number): TextPrediction {
    const e = this.engineModel.explain(text, k);
    return {
      label: e.label,
      probabilities: this.probabilitiesOf(e.probabilities),
      explanation: e.contributions,
    };
  }

  /** Replaced by a newer version: free the engine memory once the last request is done. */
  retire(): void {
    this.retired = true;
    this.maybeDispose();
  }

  get inFlight(): number {
    return this.active;
  }

  /**
   * Keep the engine model alive for work queued off the hot path (shadow and
   * comparison scoring): a retired version is disposed only after `release()`.
   */
  hold(): void {
    this.active++;
  }

  release(): void {
    this.active--;
    if (this.retired) this.maybeDispose();
  }

  private maybeDispose(): void {
    if (!this.disposed && this.active === 0 && this.batcher.pending === 0) {
      this.disposed = true;
      try {
        this.engineModel.dispose();
      } catch {
        // Already released: nothing to do.
      }
    }
  }
}
