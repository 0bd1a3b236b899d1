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
import type {
  Arm,
  FeedbackItem,
  FeedbackResult,
  LoggerCounters,
  PredictionBlock,
} from '../../monitor/index.js';
import type { LoadedModel, TextPrediction } from '../loaded-model.js';
import type { Routed } from '../model-catalog.js';
import type { PredictResponse } from '../predict.js';
import type { PredictRequest } from '../validate-request.js';
import { LogWorkerClient } from './log-client.js';
import type { ResolvedLogOptions } from './log-options.js';
import { ownBuffer, SpareBuffers } from './text-buffers.js';

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
  private streams = new Map<LoadedModel, StreamBuffer[]>();
  /** What each stream buffered last time (rows, text bytes): the next buffers' starting sizes. */
  private readonly hints = new Map<string, { rows: number; bytes: number }>();
  /** Text buffers the logging thread has read and sent back: the next streams' text columns. */
  private readonly spare = new SpareBuffers();
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
        onAck: (n, counters, buffers) => {
          this.inFlight -= n;
          this.worker = counters;
          for (const b of buffers) this.spare.give(b);
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
    let s: StreamBuffer | undefined;
    for (const x of list) {
      if (x.arm === arm && x.env === env) {
        s = x;
        break;
      }
    }
    if (s === undefined) {
      s = new StreamBuffer(m, env, arm, this.hints.get(streamKey(m, env, arm)), this.spare);
      list.push(s);
    }
    s.push(id, text, p, ms, at);
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
    const streams: PredictionBlock[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const list of this.streams.values()) {
      for (const s of list) {
        this.hints.set(streamKey(s.m, s.env, s.arm), s.used);
        streams.push(s.block(transfer));
      }
    }
    const n = this.buffered;
    this.streams = new Map();
    this.buffered = 0;
    if (this.client.post({ t: 'events', streams, n }, transfer)) this.inFlight += n;
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

const streamKey = (m: LoadedModel, env: string, arm: Arm) =>
  `${m.model}\u0000${m.version}\u0000${env}\u0000${arm}`;

const INITIAL_ROWS = 64;
const INITIAL_TEXT_BYTES = 64 * 1024;

/**
 * One stream's (model version, environment, arm) predictions since the last
 * hand-over, in typed columns: a prediction is a few stores and its text's
 * UTF-8 bytes written in, no object; the columns then cross to the logging
 * thread without a copy (transferred), and the request's strings are not
 * kept alive meanwhile. The columns start at the size the stream needed
 * last time, so they rarely grow.
 */
class StreamBuffer {
  private n = 0;
  private readonly ids: string[] = [];
  private at: Float64Array;
  private latencyMs: Float64Array;
  private labels: Uint16Array;
  private probabilities: Float64Array;
  private textLengths: Uint32Array;
  private textEnds: Uint32Array;
  /** A Buffer over its own ArrayBuffer (transferred whole): `write` encodes without a view per text. */
  private textBytes: Buffer;
  private bytes = 0;
  /** Labels that are not one of the classes (none, normally): indexed after them. */
  private extraLabels: string[] | null = null;

  constructor(
    readonly m: LoadedModel,
    readonly env: string,
    readonly arm: Arm,
    hint: { rows: number; bytes: number } | undefined,
    spare: SpareBuffers,
  ) {
    let rows = INITIAL_ROWS;
    while (rows < (hint?.rows ?? 0)) rows *= 2;
    this.at = new Float64Array(rows);
    this.latencyMs = new Float64Array(rows);
    this.labels = new Uint16Array(rows);
    this.probabilities = new Float64Array(rows * m.classes.length);
    this.textLengths = new Uint32Array(rows);
    this.textEnds = new Uint32Array(rows);
    this.textBytes = spare.take(Math.max(INITIAL_TEXT_BYTES, Math.ceil((hint?.bytes ?? 0) * 1.25)));
  }

  get used(): { rows: number; bytes: number } {
    return { rows: this.n, bytes: this.bytes };
  }

  push(id: string, text: string, p: TextPrediction, ms: number, at: number): void {
    const i = this.n;
    if (i === this.at.length) this.grow();
    const classes = this.m.classes;
    const k = classes.length;
    let label = classes.indexOf(p.label);
    if (label < 0) label = this.extraLabel(p.label);
    // Room for the worst case (3 bytes per UTF-16 unit) before writing.
    const need = this.bytes + 3 * text.length;
    if (need > this.textBytes.length) {
      const bigger = ownBuffer(Math.max(2 * this.textBytes.length, need));
      bigger.set(this.textBytes.subarray(0, this.bytes));
      this.textBytes = bigger;
    }
    this.bytes += this.textBytes.write(text, this.bytes, 'utf8');
    const probs = p.probabilities;
    for (let c = 0; c < k; c++) this.probabilities[i * k + c] = probs[classes[c] as string] ?? 0;
    this.ids.push(id);
    this.at[i] = at;
    this.latencyMs[i] = ms;
    this.labels[i] = label;
    this.textLengths[i] = text.length;
    this.textEnds[i] = this.bytes;
    this.n = i + 1;
  }

  private extraLabel(label: string): number {
    this.extraLabels ??= [];
    let j = this.extraLabels.indexOf(label);
    if (j < 0) j = this.extraLabels.push(label) - 1;
    return this.m.classes.length + j;
  }

  private grow(): void {
    const cap = 2 * this.at.length;
    const more = <T extends Float64Array | Uint16Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.at = more(this.at, cap);
    this.latencyMs = more(this.latencyMs, cap);
    this.labels = more(this.labels, cap);
    this.probabilities = more(this.probabilities, cap * this.m.classes.length);
    this.textLengths = more(this.textLengths, cap);
    this.textEnds = more(this.textEnds, cap);
  }

  /** The columns as a block for the logging thread; their buffers go in `transfer`. */
  block(transfer: ArrayBuffer[]): PredictionBlock {
    const b: PredictionBlock = {
      model: this.m.model,
      version: this.m.version,
      env: this.env,
      arm: this.arm,
      classes: this.m.classes,
      length: this.n,
      ids: this.ids,
      at: this.at,
      labels: this.labels,
      probabilities: this.probabilities,
      latencyMs: this.latencyMs,
      textLengths: this.textLengths,
      textBytes: this.textBytes,
      textEnds: this.textEnds,
    };
    if (this.extraLabels !== null) b.labelNames = [...this.m.classes, ...this.extraLabels];
    for (const a of [
      this.at,
      this.latencyMs,
      this.labels,
      this.probabilities,
      this.textLengths,
      this.textEnds,
      this.textBytes,
    ]) {
      transfer.push(a.buffer as ArrayBuffer);
    }
    return b;
  }
}
