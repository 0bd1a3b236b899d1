/**
 * `PredictionLogger`: how the server records every prediction without ever
 * slowing or failing one.
 *
 * `log(event)` is synchronous, O(1) and never throws: it queues the event
 * in a bounded in-memory queue and returns. `logBlock(block)` does the same
 * for a block of predictions of one stream held column by column (the
 * server's logging thread: no object per prediction, texts as UTF-8 bytes).
 * A timer (every `flushIntervalMs`, or as soon as `batchSize` predictions
 * wait) drains the queue in batches, one backend transaction per batch; the
 * text is hashed (or kept, or dropped, per model) and measured for drift
 * there, off the request path, and the batch goes to the backend as column
 * blocks (`writeColumns`; rows for a backend without it). When the queue is
 * full the prediction is dropped and counted (`dropped`, exact) — memory
 * never grows past `capacity` predictions.
 *
 * Durability: `close()` flushes everything (graceful shutdown). A crash
 * loses what was still queued: at most the last flush interval's events
 * (plus the batch being written, which commits whole or not at all).
 *
 * Server integration is a few lines:
 *   const logger = new PredictionLogger(await openMonitorStore(storeDir), opts);
 *   logger.attach(name, version, engineModel, profile.reference);  // on (re)load
 *   logger.log({ id, model, version, env, arm, label, classes, probabilities, latencyMs, text });
 *   metrics: logger.counters();   shutdown: await logger.close();
 * @module
 */
import type { EngineModel } from '../engine/index.js';
import type { ReferenceProfile } from '../train/index.js';
import { DriftProbe } from './accounting.js';
import { columnsToRows, mergeColumns, sha256Hex } from './columns.js';
import { DIGEST_BYTES, RawDigests } from './digests.js';
import { RowQueue, type Segment } from './queue.js';
import type {
  MonitorBackend,
  PredictionBlock,
  PredictionColumns,
  PredictionEvent,
  PruneReport,
  TextMode,
  TokenBucket,
} from './types.js';

export const LOGGER_DEFAULTS = {
  capacity: 50_000,
  batchSize: 1000,
  flushIntervalMs: 200,
  textMode: 'hash' as TextMode,
  sampleRate: 1,
  driftSampleRate: 1,
  driftMaxPerSecond: Number.POSITIVE_INFINITY,
  bucketMs: 5 * 60_000,
  pruneEveryMs: 10 * 60_000,
};

export interface RetentionOptions {
  /** Keep predictions younger than this. */
  maxAgeMs?: number;
  /** Keep the database's used size under this (oldest predictions go first). */
  maxBytes?: number;
  /** Prune at most this often (default 10 minutes). */
  everyMs?: number;
}

export interface LoggerOptions {
  /** Events held in memory at most; beyond, `log` drops and counts (default 50 000). */
  capacity?: number;
  /** Events per transaction (default 1000). */
  batchSize?: number;
  /** Flush period (default 200 ms): the most a crash can lose. */
  flushIntervalMs?: number;
  /** Default text mode (default "hash": sha256 of the text, for privacy). */
  textMode?: TextMode;
  /** Per-model text modes. */
  textModes?: Record<string, TextMode>;
  /** Fraction of predictions logged (default 1). */
  sampleRate?: number;
  /** Fraction of logged texts measured for drift (default 1). */
  driftSampleRate?: number;
  /**
   * At most this many texts measured for drift per second of flushing
   * (default: no limit). Measuring costs about one prediction; under heavy
   * traffic a cap keeps it a bounded cost while the statistics stay sampled
   * from every second's traffic. Texts over the cap are logged unmeasured.
   */
  driftMaxPerSecond?: number;
  /** Width of the token-count buckets (default 5 minutes). */
  bucketMs?: number;
  retention?: RetentionOptions;
  /** Flush or prune failures (the server logs them); never thrown. */
  onError?: (e: unknown) => void;
  /** Clock (tests). */
  now?: () => number;
  /** Randomness for sampling (tests). */
  random?: () => number;
  /**
   * SHA-256 of packed texts in one call (the engine's `sha256EachText`):
   * text i is `bytes[i === 0 ? start : ends[i - 1] .. ends[i]]`, 32 bytes
   * out per text. Default: node:crypto, a call per text.
   */
  sha256Each?: Sha256Each;
  /**
   * A block's texts were read for the last time (its last rows were hashed
   * and measured): its `textBytes` may be reused. The server's logging
   * thread hands them back to the event loop, so a steady flow of
   * predictions allocates no new text buffers.
   */
  onTextsDone?: (b: PredictionBlock) => void;
}

export type Sha256Each = (bytes: Uint8Array, start: number, ends: Uint32Array) => Uint8Array;

/** `Sha256Each` with node:crypto (its one-shot hex digest is its fastest form per call). */
const sha256EachJs: Sha256Each = (bytes, start, ends) => {
  const out = Buffer.alloc(DIGEST_BYTES * ends.length);
  let from = start;
  for (let i = 0; i < ends.length; i++) {
    const to = ends[i] as number;
    if (to < from || to > bytes.length) {
      throw new RangeError(
        `ends[${i}]: ${to} is before ${from} or beyond the ${bytes.length} bytes`,
      );
    }
    out.write(sha256Hex(bytes.subarray(from, to)), DIGEST_BYTES * i, 'hex');
    from = to;
  }
  return out;
};

/** The logger's counters, for /metrics. */
export interface LoggerCounters {
  /** Events accepted into the queue. */
  logged: number;
  /** Events written by the backend (duplicates ignored by id still count). */
  flushed: number;
  /** Events refused because the queue was full (or the logger closed). */
  dropped: number;
  /** Events lost because their batch failed to write. */
  failed: number;
  /** Events skipped by the sample rate. */
  sampledOut: number;
  /** Logged texts measured for drift (tokens, OOV, token buckets). */
  measured: number;
  /** Events that could not be read (not logged; never thrown). */
  invalid: number;
  /** Events waiting in the queue now. */
  queueDepth: number;
  /** Batches written. */
  batches: number;
  /** Duration of the last batch write. */
  lastFlushMs: number;
}

const key = (model: string, version: number) => `${model}\u0000${version}`;

export class PredictionLogger {
  private readonly queue: RowQueue<PredictionBlock>;
  private readonly o: Required<
    Omit<LoggerOptions, 'retention' | 'onError' | 'textModes' | 'sha256Each' | 'onTextsDone'>
  >;
  private readonly sha256Each: Sha256Each;
  private readonly onTextsDone: ((b: PredictionBlock) => void) | null;
  private readonly textModes: Record<string, TextMode>;
  private readonly retention: RetentionOptions | undefined;
  private readonly onError: (e: unknown) => void;
  private readonly probes = new Map<string, DriftProbe>();
  private readonly c = {
    logged: 0,
    flushed: 0,
    dropped: 0,
    failed: 0,
    sampledOut: 0,
    measured: 0,
    invalid: 0,
    batches: 0,
    lastFlushMs: 0,
  };
  private timer: NodeJS.Timeout | null;
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** Drift-measurement budget: the second it is for and what was used of it. */
  private budgetSecond = -1;
  private budgetUsed = 0;

  constructor(
    readonly backend: MonitorBackend,
    opts: LoggerOptions = {},
  ) {
    this.o = {
      capacity: opts.capacity ?? LOGGER_DEFAULTS.capacity,
      batchSize: opts.batchSize ?? LOGGER_DEFAULTS.batchSize,
      flushIntervalMs: opts.flushIntervalMs ?? LOGGER_DEFAULTS.flushIntervalMs,
      textMode: opts.textMode ?? LOGGER_DEFAULTS.textMode,
      sampleRate: opts.sampleRate ?? LOGGER_DEFAULTS.sampleRate,
      driftSampleRate: opts.driftSampleRate ?? LOGGER_DEFAULTS.driftSampleRate,
      driftMaxPerSecond: opts.driftMaxPerSecond ?? LOGGER_DEFAULTS.driftMaxPerSecond,
      bucketMs: opts.bucketMs ?? LOGGER_DEFAULTS.bucketMs,
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
    };
    this.sha256Each = opts.sha256Each ?? sha256EachJs;
    this.onTextsDone = opts.onTextsDone ?? null;
    this.textModes = { ...(opts.textModes ?? {}) };
    this.retention = opts.retention;
    this.onError = opts.onError ?? (() => {});
    this.queue = new RowQueue<PredictionBlock>(this.o.capacity);
    this.timer = setInterval(() => void this.flush(), this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Measure this version's texts for drift against its reference profile (call on load / hot swap). */
  attach(
    model: string,
    version: number,
    engineModel: EngineModel,
    reference: ReferenceProfile | null | undefined,
  ): void {
    this.probes.set(key(model, version), DriftProbe.create(engineModel, reference));
  }

  detach(model: string, version: number): void {
    this.probes.delete(key(model, version));
  }

  setTextMode(model: string, mode: TextMode): void {
    this.textModes[model] = mode;
  }

  /** Record one prediction. Synchronous, O(1) in everything but the class count; never throws. */
  log(e: PredictionEvent): void {
    try {
      if (this.closed) {
        this.c.dropped++;
        return;
      }
      if (this.o.sampleRate < 1 && this.o.random() >= this.o.sampleRate) {
        this.c.sampledOut++;
        return;
      }
      const probabilities = Float64Array.from(e.probabilities);
      const classes =
        probabilities.length === e.classes.length
          ? e.classes
          : Array.from(probabilities, (_, i) => e.classes[i] ?? String(i));
      const text = e.text;
      if (typeof text !== 'string') throw new TypeError('the text must be a string');
      const block: PredictionBlock = {
        model: e.model,
        version: e.version,
        env: e.env ?? 'default',
        arm: e.arm ?? 'stable',
        classes,
        length: 1,
        ids: [String(e.id)],
        at: [e.at ?? this.o.now()],
        labels: [0],
        labelNames: [e.label],
        probabilities,
        latencyMs: [e.latencyMs],
        textLengths: [text.length],
        texts: [text],
      };
      this.enqueue(block, 0, 1);
    } catch {
      this.c.invalid++;
    }
  }

  /**
   * Record a block of predictions of one model version, environment and arm
   * (the server's logging thread: no object per prediction). Like `log`:
   * what does not fit the queue is dropped and counted; never throws.
   */
  logBlock(b: PredictionBlock): void {
    const n = b.length;
    try {
      if (this.closed) {
        this.c.dropped += n;
        return;
      }
      if (this.o.sampleRate >= 1) {
        this.enqueue(b, 0, n);
        return;
      }
      // Runs of sampled predictions, each a segment of the block.
      let from = -1;
      for (let i = 0; i <= n; i++) {
        const keep = i < n && this.o.random() < this.o.sampleRate;
        if (keep && from < 0) from = i;
        else if (!keep && from >= 0) {
          this.enqueue(b, from, i);
          from = -1;
        }
        if (i < n && !keep) this.c.sampledOut++;
      }
    } catch {
      this.c.invalid += n;
    }
  }

  private enqueue(b: PredictionBlock, from: number, to: number): void {
    const taken = this.queue.push(b, from, to);
    this.c.logged += taken;
    this.c.dropped += to - from - taken;
    if (this.queue.size >= this.o.batchSize && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  counters(): LoggerCounters {
    return { ...this.c, queueDepth: this.queue.size };
  }

  /** Write everything queued now (and whatever arrives meanwhile). Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stop the timer, flush everything, close the backend. Later `log` calls count as dropped. */
  async close(opts: { closeBackend?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
    await this.flush();
    if (this.flushing) await this.flushing;
    if (opts.closeBackend !== false) await this.backend.close();
  }

  /** Apply the retention policy now (also done automatically at most every `retention.everyMs`). */
  async prune(): Promise<PruneReport | null> {
    const r = this.retention;
    if (!r || (r.maxAgeMs === undefined && r.maxBytes === undefined)) return null;
    this.lastPrune = this.o.now();
    return this.backend.prune({
      ...(r.maxAgeMs !== undefined ? { before: this.o.now() - r.maxAgeMs } : {}),
      ...(r.maxBytes !== undefined ? { maxBytes: r.maxBytes } : {}),
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const batch = this.queue.take(this.o.batchSize);
      let n = 0;
      for (const seg of batch) n += seg.to - seg.from;
      const t0 = performance.now();
      try {
        const { blocks, buckets } = this.prepare(batch);
        const b = this.backend;
        if (b.writeColumns !== undefined) await b.writeColumns(blocks, buckets);
        else await b.writeBatch(blocks.flatMap(columnsToRows), buckets);
        this.c.flushed += n;
        this.c.batches++;
      } catch (err) {
        this.c.failed += n;
        this.report(err);
      }
      this.c.lastFlushMs = performance.now() - t0;
    }
    const every = this.retention?.everyMs ?? LOGGER_DEFAULTS.pruneEveryMs;
    if (this.retention && this.o.now() - this.lastPrune >= every) {
      try {
        await this.prune();
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // An error reporter must not break the logger either.
    }
  }

  /** One more drift measurement this second, unless the cap is reached. */
  private withinDriftBudget(): boolean {
    const max = this.o.driftMaxPerSecond;
    if (max === Number.POSITIVE_INFINITY) return true;
    const second = Math.floor(this.o.now() / 1000);
    if (second !== this.budgetSecond) {
      this.budgetSecond = second;
      this.budgetUsed = 0;
    }
    if (this.budgetUsed >= max) return false;
    this.budgetUsed++;
    return true;
  }

  /**
   * Column blocks and token-bucket deltas of a batch: hashing and drift
   * accounting happen here, a segment (one model version, environment and
   * arm) at a time, without an object per prediction.
   */
  private prepare(batch: readonly Segment<PredictionBlock>[]): {
    blocks: PredictionColumns[];
    buckets: TokenBucket[];
  } {
    const blocks: PredictionColumns[] = [];
    const buckets = new Map<string, TokenBucket>();
    for (const { block: b, from, to } of batch) {
      const n = to - from;
      const k = b.classes.length;
      const names = b.labelNames ?? b.classes;
      const labels: string[] = new Array(n);
      const confidence = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const l = b.labels[from + i] as number;
        labels[i] = names[l] ?? String(l);
        let best = 0;
        for (let c = (from + i) * k, end = c + k; c < end; c++) {
          const p = b.probabilities[c] as number;
          if (p > best) best = p;
        }
        confidence[i] = best;
      }
      const mode = this.textModes[b.model] ?? this.o.textMode;
      const texts = new BlockTexts(b);
      let text: string[] | null = null;
      let textSha256: PredictionColumns['textSha256'] = null;
      if (mode === 'text') {
        text = new Array(n);
        for (let i = 0; i < n; i++) text[i] = texts.text(from + i);
      } else if (mode === 'hash') textSha256 = texts.sha256(from, to, this.sha256Each);
      const cols: PredictionColumns = {
        model: b.model,
        version: b.version,
        env: b.env ?? 'default',
        arm: b.arm ?? 'stable',
        classes: b.classes,
        length: n,
        ids: from === 0 && to === b.ids.length ? b.ids : b.ids.slice(from, to),
        at: part(b.at, from, to),
        labels,
        confidence,
        probabilities: part(b.probabilities, from * k, to * k),
        latencyMs: part(b.latencyMs, from, to),
        textLength: part(b.textLengths, from, to),
        text,
        textSha256,
        tokens: null,
        oovTokens: null,
      };
      const probe = this.probes.get(key(b.model, b.version));
      if (probe !== undefined) this.measure(probe, b, from, cols, text, texts, buckets);
      blocks.push(cols);
      // Segments leave the queue in order, so the one ending the block is its last.
      if (to === b.length && b.textBytes !== undefined && this.onTextsDone !== null) {
        try {
          this.onTextsDone(b);
        } catch (err) {
          this.report(err);
        }
      }
    }
    return { blocks: mergeColumns(blocks), buckets: [...buckets.values()] };
  }

  /** Drift accounting of a segment's texts, within the sample rate and the per-second cap. */
  private measure(
    probe: DriftProbe,
    b: PredictionBlock,
    from: number,
    cols: PredictionColumns,
    text: readonly string[] | null,
    texts: BlockTexts,
    buckets: Map<string, TokenBucket>,
  ): void {
    let tokens: Int32Array | null = null;
    let oov: Int32Array | null = null;
    for (let i = 0; i < cols.length; i++) {
      if (
        !(this.o.driftSampleRate >= 1 || this.o.random() < this.o.driftSampleRate) ||
        !this.withinDriftBudget()
      ) {
        continue;
      }
      try {
        const m = probe.measure(text !== null ? (text[i] as string) : texts.text(from + i));
        this.c.measured++;
        if (tokens === null || oov === null) {
          tokens = new Int32Array(cols.length).fill(-1);
          oov = new Int32Array(cols.length).fill(-1);
        }
        tokens[i] = m.tokens;
        oov[i] = m.oov;
        if (m.slots !== null) {
          const at = cols.at[i] as number;
          const start = at - (at % this.o.bucketMs);
          const k = `${key(b.model, b.version)}\u0000${start}`;
          let bucket = buckets.get(k);
          if (!bucket) {
            bucket = {
              model: b.model,
              version: b.version,
              start,
              docs: 0,
              other: 0,
              counts: new Map(),
            };
            buckets.set(k, bucket);
          }
          bucket.docs++;
          bucket.other += m.other;
          for (const s of m.slots) bucket.counts.set(s, (bucket.counts.get(s) ?? 0) + 1);
        }
      } catch (err) {
        this.report(err);
      }
    }
    cols.tokens = tokens;
    cols.oovTokens = oov;
  }
}

/** Rows `from`..`to` of a column, without a copy when it is a typed array. */
function part(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(a, from, to) as number[];
}

const decoder = new TextDecoder();

/** A block's texts, whether it carries strings or UTF-8 bytes. */
class BlockTexts {
  constructor(private readonly b: PredictionBlock) {}

  /** Where row `i`'s bytes start: where row i − 1's end. */
  private start(i: number): number {
    return i === 0 ? 0 : ((this.b.textEnds as ArrayLike<number>)[i - 1] as number);
  }

  private bytes(i: number): Uint8Array {
    const ends = this.b.textEnds as ArrayLike<number>;
    return (this.b.textBytes as Uint8Array).subarray(this.start(i), ends[i] as number);
  }

  text(i: number): string {
    const t = this.b.texts;
    return t !== undefined ? (t[i] as string) : decoder.decode(this.bytes(i));
  }

  /** Digests of rows `from`..`to`: one call over the packed bytes, or hex per string. */
  sha256(from: number, to: number, each: Sha256Each): RawDigests | string[] {
    const t = this.b.texts;
    if (t !== undefined) return t.slice(from, to).map((s) => sha256Hex(s));
    const ends = this.b.textEnds as ArrayLike<number>;
    const e = ends instanceof Uint32Array ? ends : Uint32Array.from(ends);
    return new RawDigests(
      each(this.b.textBytes as Uint8Array, this.start(from), e.subarray(from, to)),
    );
  }
}
