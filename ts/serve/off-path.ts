/**
 * Scoring that must never delay an answer: shadow traffic for the
 * candidate, and the other arm of a canary (so agreement is known for
 * canaries too). Work is queued only after the answer was handed to the
 * transport, and scored later (next turn of the event loop at the
 * earliest) in batches on the engine's thread pool, one batch at a time per
 * rollout, so the event loop keeps answering meanwhile.
 *
 * The queue is bounded (texts and characters): when it is full new work is
 * dropped and counted instead of growing memory or stealing time from live
 * traffic. Each queued item holds its model (`LoadedModel.hold`) so a
 * version retired meanwhile is disposed only after its queued work is done.
 * @module
 */
import type { LoadedModel, TextPrediction } from './loaded-model.js';

export interface OffPathLimits {
  /** Texts waiting at most (beyond: dropped and counted). */
  maxQueuedTexts: number;
  /** Characters waiting at most (texts may be long). */
  maxQueuedChars: number;
  /** Texts per engine call. */
  maxBatch: number;
}

export const DEFAULT_OFF_PATH_LIMITS: Readonly<OffPathLimits> = Object.freeze({
  maxQueuedTexts: 4096,
  maxQueuedChars: 8 * 1024 * 1024,
  maxBatch: 256,
});

export interface OffPathItem<T> {
  texts: readonly string[];
  target: LoadedModel;
  /** Whatever the owner needs back with the result. */
  tag: T;
}

export type OffPathResult<T> =
  | { item: OffPathItem<T>; ok: true; predictions: TextPrediction[]; ms: number }
  | { item: OffPathItem<T>; ok: false; error: unknown; ms: number };

function charsOf(texts: readonly string[]): number {
  let n = 0;
  for (const t of texts) n += t.length;
  return n;
}

export class OffPathQueue<T> {
  private items: OffPathItem<T>[] = [];
  private texts = 0;
  private chars = 0;
  private busy = false;
  private scheduled = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly limits: OffPathLimits,
    private readonly onResult: (r: OffPathResult<T>) => void,
  ) {}

  /** Queue work; false (nothing queued) when the queue is full or closed. */
  offer(item: OffPathItem<T>): boolean {
    if (this.closed) return false;
    const n = item.texts.length;
    const c = charsOf(item.texts);
    if (
      this.items.length > 0 &&
      (this.texts + n > this.limits.maxQueuedTexts || this.chars + c > this.limits.maxQueuedChars)
    ) {
      return false;
    }
    item.target.hold();
    this.items.push(item);
    this.texts += n;
    this.chars += c;
    this.schedule();
    return true;
  }

  get queuedTexts(): number {
    return this.texts;
  }

  /** Stop taking work and drop what waits (the batch being scored finishes). */
  close(): void {
    this.closed = true;
    for (const it of this.items) it.target.release();
    this.items = [];
    this.texts = 0;
    this.chars = 0;
    this.notifyIdle();
  }

  /** Resolves when nothing is queued or being scored. */
  idle(): Promise<void> {
    if (!this.busy && this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.busy || this.items.length > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.busy || this.scheduled || this.items.length === 0) return;
    this.scheduled = true;
    // setImmediate: after this turn's answers were written, never inside a request's own turn.
    setImmediate(this.runBatch);
  }

  /** One engine call over consecutive items that go to the same model. */
  private readonly runBatch = (): void => {
    this.scheduled = false;
    if (this.busy || this.items.length === 0) return;
    const first = this.items[0] as OffPathItem<T>;
    const batch: OffPathItem<T>[] = [];
    const texts: string[] = [];
    while (this.items.length > 0) {
      const it = this.items[0] as OffPathItem<T>;
      if (it.target !== first.target) break;
      if (batch.length > 0 && texts.length + it.texts.length > this.limits.maxBatch) break;
      this.items.shift();
      batch.push(it);
      for (const t of it.texts) texts.push(t);
      this.texts -= it.texts.length;
      this.chars -= charsOf(it.texts);
    }
    this.busy = true;
    const t0 = performance.now();
    // asyncThreshold 1: always on the engine's thread pool, off the event loop.
    first.target.predictMany(texts, 1).then(
      (preds) => {
        const ms = performance.now() - t0;
        let at = 0;
        for (const item of batch) {
          const n = item.texts.length;
          // Engine time per item: the batch's time shared by its texts.
          const share = (ms * n) / texts.length;
          this.deliver({ item, ok: true, predictions: preds.slice(at, at + n), ms: share });
          at += n;
        }
        this.finish(batch);
      },
      (error: unknown) => {
        const ms = performance.now() - t0;
        for (const item of batch) {
          this.deliver({ item, ok: false, error, ms: (ms * item.texts.length) / texts.length });
        }
        this.finish(batch);
      },
    );
  };

  private deliver(r: OffPathResult<T>): void {
    if (this.closed) return;
    try {
      this.onResult(r);
    } catch {
      // Counting must never break the queue.
    }
  }

  private finish(batch: OffPathItem<T>[]): void {
    for (const it of batch) it.target.release();
    this.busy = false;
    this.schedule();
    this.notifyIdle();
  }
}
