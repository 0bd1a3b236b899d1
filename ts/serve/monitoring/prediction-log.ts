/**
 * `PredictionLog`: how the server records every prediction without ever
 * slowing or failing one. On the request path `answered()` only appends a
 * few fields to column buffers (no hashing, no I/O, never throws); every
 * 25 ms, or as soon as a batch's worth waits, the buffers are handed to the
 * logging thread (log-worker.ts), which runs the PredictionLogger.
 *
 * Memory is bounded end to end: predictions buffered here, handed over but
 * not yet acknowledged, and waiting in the thread's logger queue together
 * never exceed `capacity`. Past it a prediction is dropped and counted
 * (exact), here, before anything is copied; the thread's own queue (same
 * capacity) therefore never overflows.
 *
 * Counters (`counters()`, LoggerCounters-shaped, for /metrics): `logged`
 * accepted here, `dropped` refused for lack of room, `failed` lost because
 * monitor.db could not be written (or the thread is gone), `sampledOut`
 * skipped by `--log-sample-rate`, `flushed` written, `queueDepth` all three
 * stages together.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Arm, FeedbackItem, FeedbackResult, LoggerCounters } from '../../monitor/index.js';
import type { LoadedModel, TextPrediction } from '../loaded-model.js';
import type { Routed } from '../model-catalog.js';
import type { PredictResponse } from '../predict.js';
import type { PredictRequest } from '../validate-request.js';
import { LogWorkerClient } from './log-client.js';
import type { ResolvedLogOptions } from './log-options.js';
import type { StreamBatch } from './log-protocol.js';

const EMPTY: LoggerCounters = {
  logged: 0,
  flushed: 0,
  dropped: 0,
  failed: 0,
  sampledOut: 0,
  measured: 0,
  invalid: 0,
  queueDepth: 0,
  batches: 0,
  lastFlushMs: 0,
};

const REQUEST_TIMEOUT_MS = 30_000;

export interface PredictionLogInit {
  store: string;
  /** null: `--no-prediction-log` (the thread still joins feedback to an existing log). */
  options: ResolvedLogOptions | null;
  /** This process's id in token-bucket rows. */
  writer: string;
  log: FastifyBaseLogger;
}

export class PredictionLog {
  readonly logging: boolean;
  private readonly client: LogWorkerClient;
  private readonly capacity: number;
  private readonly sampleRate: number;
  private readonly postAt: number;
  private streams = new Map<LoadedModel, StreamBatch[]>();
  private buffered = 0;
  private inFlight = 0;
  private worker: LoggerCounters = EMPTY;
  private readonly c = { logged: 0, dropped: 0, failed: 0, sampledOut: 0, invalid: 0 };
  private scheduled = false;
  private readonly timer: NodeJS.Timeout | null;
  private readonly attachedModels = new WeakSet<LoadedModel>();
  private closing: Promise<void> | null = null;

  constructor(init: PredictionLogInit) {
    const o = init.options;
    this.logging = o !== null;
    this.capacity = o?.capacity ?? 0;
    this.sampleRate = o?.sampleRate ?? 1;
    this.postAt = Math.max(1, Math.min(512, Math.floor(this.capacity / 8)));
    this.client = new LogWorkerClient(
      {
        store: init.store,
        writer: init.writer,
        logging: o !== null,
        textMode: o?.textMode ?? 'hash',
        textModes: o?.textModes ?? {},
        capacity: o?.capacity ?? 1,
        batchSize: o?.batchSize ?? 1,
        flushIntervalMs: o?.flushIntervalMs ?? 1000,
        driftMaxPerSecond: o?.driftMaxPerSecond ?? 1,
        bucketMs: o?.bucketMs ?? 60_000,
        retention: o?.retention ?? null,
      },
      init.log,
      {
        onAck: (n, counters) => {
          this.inFlight -= n;
          this.worker = counters;
        },
        onFailed: () => {
          // Whatever was handed over and not acknowledged is lost with the thread.
          this.c.failed += this.inFlight + this.buffered;
          this.inFlight = 0;
          this.buffered = 0;
          this.streams = new Map();
        },
      },
    );
    if (o !== null) {
      this.timer = setInterval(this.post, o.postIntervalMs);
      this.timer.unref();
    } else this.timer = null;
  }

  /** Resolves true once the logging thread has opened monitor.db (false if it could not). */
  get ready(): Promise<boolean> {
    return this.client.ready;
  }

  /** Hot path, after the answer was handed to the transport: one request's predictions. */
  answered(r: Routed, req: PredictRequest, res: PredictResponse, ms: number): void {
    if (!this.logging) return;
    try {
      const at = Date.now();
      const arm: Arm = r.arm === 'canary' ? 'canary' : 'stable';
      if ('predictions' in res) {
        const texts = req.texts as string[];
        const preds = res.predictions;
        for (let i = 0; i < preds.length; i++) {
          const p = preds[i] as TextPrediction & { id: string };
          this.push(r.model, r.env, arm, p.id, texts[i] as string, p, ms, at);
        }
      } else {
        this.push(r.model, r.env, arm, res.id, req.text as string, res, ms, at);
      }
    } catch {
      this.c.invalid++;
    }
  }

  /**
   * Off-path scores (a shadow candidate, or the other arm of a canary): arm
   * `shadow`, id `ID` + `suffix` where ID is the answered prediction's
   * (shadow-id.ts).
   */
  offPath(
    m: LoadedModel,
    env: string,
    ids: readonly string[],
    texts: readonly string[],
    preds: readonly TextPrediction[],
    msEach: number,
    suffix: string,
  ): void {
    if (!this.logging) return;
    try {
      const at = Date.now();
      for (let i = 0; i < preds.length; i++) {
        this.push(
          m,
          env,
          'shadow',
          `${ids[i] as string}${suffix}`,
          texts[i] as string,
          preds[i] as TextPrediction,
          msEach,
          at,
        );
      }
    } catch {
      this.c.invalid++;
    }
  }

  private push(
    m: LoadedModel,
    env: string,
    arm: Arm,
    id: string,
    text: string,
    p: TextPrediction,
    ms: number,
    at: number,
  ): void {
    if (this.sampleRate < 1 && Math.random() >= this.sampleRate) {
      this.c.sampledOut++;
      return;
    }
    if (!this.client.alive) {
      this.c.failed++;
      return;
    }
    if (this.buffered + this.inFlight + this.worker.queueDepth >= this.capacity) {
      this.c.dropped++;
      return;
    }
    let list = this.streams.get(m);
    if (list === undefined) {
      list = [];
      this.streams.set(m, list);
    }
    let s: StreamBatch | undefined;
    for (const x of list) {
      if (x.arm === arm && x.env === env) {
        s = x;
        break;
      }
    }
    if (s === undefined) {
      s = {
        model: m.model,
        version: m.version,
        env,
        arm,
        classes: m.classes,
        ids: [],
        texts: [],
        at: [],
        latencyMs: [],
        labels: [],
        probs: [],
      };
      list.push(s);
    }
    s.ids.push(id);
    s.texts.push(text);
    s.at.push(at);
    s.latencyMs.push(ms);
    s.labels.push(p.label);
    const probs = p.probabilities;
    for (const c of m.classes) s.probs.push(probs[c] ?? 0);
    this.buffered++;
    this.c.logged++;
    if (this.buffered >= this.postAt && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.post);
    }
  }

  /** Hand the buffers to the logging thread (never inside a request's own turn). */
  private readonly post = (): void => {
    this.scheduled = false;
    if (this.buffered === 0) return;
    const streams: StreamBatch[] = [];
    for (const list of this.streams.values()) for (const s of list) streams.push(s);
    const n = this.buffered;
    this.streams = new Map();
    this.buffered = 0;
    if (this.client.post({ t: 'events', streams, n })) this.inFlight += n;
    else this.c.failed += n;
  };

  /** A version was loaded (stable or candidate): its texts are measured for drift from now on. */
  attach(m: LoadedModel): void {
    if (!this.logging || this.attachedModels.has(m)) return;
    this.attachedModels.add(m);
    this.client.post({ t: 'attach', model: m.model, version: m.version });
  }

  /** A version is no longer served: the thread drops its drift probe after writing its rows. */
  retired(m: LoadedModel): void {
    if (!this.attachedModels.has(m)) return;
    this.attachedModels.delete(m);
    this.post();
    this.client.post({ t: 'detach', model: m.model, version: m.version });
  }

  /** Write everything logged so far to monitor.db. */
  async flush(): Promise<void> {
    if (!this.logging || !this.client.alive) return;
    this.post();
    await this.client.request({ t: 'flush' }, REQUEST_TIMEOUT_MS);
  }

  /**
   * Join labels to logged predictions. Predictions still buffered are handed
   * over first, and the thread writes its queue and retries ids it does not
   * know yet once before calling them unknown.
   */
  async feedback(items: FeedbackItem[]): Promise<FeedbackResult> {
    this.post();
    const r = await this.client.request({ t: 'feedback', items }, REQUEST_TIMEOUT_MS);
    return r.value as FeedbackResult;
  }

  counters(): LoggerCounters {
    const w = this.worker;
    return {
      logged: this.c.logged,
      flushed: w.flushed,
      dropped: this.c.dropped + w.dropped,
      failed: this.c.failed + w.failed,
      sampledOut: this.c.sampledOut,
      measured: w.measured,
      invalid: this.c.invalid + w.invalid,
      queueDepth: this.buffered + this.inFlight + w.queueDepth,
      batches: w.batches,
      lastFlushMs: w.lastFlushMs,
    };
  }

  /** Graceful shutdown: hand over and write everything, then stop the thread (bounded). */
  close(timeoutMs: number): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer !== null) clearInterval(this.timer);
      this.post();
      try {
        if (this.client.alive) await this.client.request({ t: 'close' }, timeoutMs);
      } catch {
        // Timed out or failed: what was not written is lost (counted as queued at exit).
      }
      await this.client.terminate();
    })();
    return this.closing;
  }
}
