/**
 * Adaptive micro-batching of single-text predictions for one model.
 *
 * Texts that arrive in the same turn of the event loop (many connections,
 * many in-flight WebSocket messages) are scored together in one engine batch
 * call, which costs less per text than one call each (the engine's fixed
 * per-call cost is shared). The wait is bounded twice over:
 *
 * - by size: as soon as `maxBatch` texts are queued they are scored, right
 *   there in the I/O phase, so their answers leave while the rest of the
 *   turn's requests are still being read (the network and the engine
 *   overlap instead of taking turns);
 * - by time: whatever is queued at the end of the turn is scored then
 *   (`setImmediate`), so a lone request, with no concurrency, is answered
 *   at once; nothing waits for company.
 * @module
 */
import type { BatchPrediction, EngineModel } from '../engine/index.js';

export interface ScoredText {
  labelIndex: number;
  label: string;
  /** One per class, in the model's class order (a view, copied by the caller if kept). */
  probabilities: ArrayLike<number>;
}

export type ScoreCallback = (err: Error | null, result: ScoredText | null) => void;

export interface BatcherOptions {
  /** Largest micro-batch; a full batch is scored immediately. */
  maxBatch: number;
  /** Batches at least this large are scored on the engine's thread pool (off the event loop). */
  asyncThreshold: number;
  /** Pool batches in flight at once; beyond that, batches are scored on the event loop. */
  maxAsyncInFlight: number;
  /** Called with the size of every engine call (metrics). */
  onBatch?: (size: number) => void;
}

export class MicroBatcher {
  private texts: string[] = [];
  private callbacks: ScoreCallback[] = [];
  private scheduled = false;
  private asyncInFlight = 0;

  constructor(
    private readonly model: EngineModel,
    private readonly opts: BatcherOptions,
  ) {}

  /** Texts queued or being scored on the pool. */
  get pending(): number {
    return this.texts.length + this.asyncInFlight;
  }

  submit(text: string, cb: ScoreCallback): void {
    this.texts.push(text);
    this.callbacks.push(cb);
    if (this.texts.length >= this.opts.maxBatch) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onTurnEnd);
    }
  }

  private readonly onTurnEnd = (): void => {
    this.scheduled = false;
    if (this.texts.length > 0) this.flush();
  };

  /** Score everything queued in one engine call: on the pool when it is large enough and free. */
  private flush(): void {
    const texts = this.texts;
    const cbs = this.callbacks;
    this.texts = [];
    this.callbacks = [];
    this.opts.onBatch?.(texts.length);
    if (
      texts.length >= this.opts.asyncThreshold &&
      this.asyncInFlight < this.opts.maxAsyncInFlight
    ) {
      this.asyncInFlight++;
      let scored: Promise<BatchPrediction>;
      try {
        scored = this.model.predictBatchAsync(texts);
      } catch (e) {
        scored = Promise.reject(e); // a backend that throws before its promise exists
      }
      scored.then(
        (out) => {
          this.asyncInFlight--;
          deliver(cbs, out);
        },
        (e: unknown) => {
          this.asyncInFlight--;
          for (const cb of cbs) cb(e as Error, null);
        },
      );
      return;
    }
    if (texts.length === 1) {
      const cb = cbs[0] as ScoreCallback;
      let r: ScoredText;
      try {
        const p = this.model.predict(texts[0] as string);
        r = { labelIndex: p.labelIndex, label: p.label, probabilities: p.probabilities };
      } catch (e) {
        cb(e as Error, null);
        return;
      }
      cb(null, r);
      return;
    }
    let out: BatchPrediction;
    try {
      out = this.model.predictBatch(texts);
    } catch (e) {
      for (const cb of cbs) cb(e as Error, null);
      return;
    }
    deliver(cbs, out);
  }
}

function deliver(cbs: ScoreCallback[], out: BatchPrediction): void {
  const k = out.nClasses;
  for (let i = 0; i < cbs.length; i++) {
    (cbs[i] as ScoreCallback)(null, {
      labelIndex: out.labels[i] as number,
      label: out.labelNames[i] as string,
      probabilities: out.probabilities.subarray(i * k, (i + 1) * k),
    });
  }
}
