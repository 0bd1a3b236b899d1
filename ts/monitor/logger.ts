/**
 * `PredictionLogger`: how the server records every prediction without ever
 * slowing or failing one.
 *
 * `log(event)` is synchronous, O(1) and never throws: it copies the few
 * fields it needs into a bounded in-memory queue and returns. A timer
 * (every `flushIntervalMs`, or as soon as `batchSize` events wait) drains
 * the queue in batches, one backend transaction per batch; the text is
 * hashed (or kept, or dropped, per model) and measured for drift there, off
 * the request path. When the queue is full the event is dropped and counted
 * (`dropped`, exact) — memory never grows past `capacity` events.
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
import { createHash } from 'node:crypto';
import type { EngineModel } from '../engine/index.js';
import type { ReferenceProfile } from '../train/index.js';
import { DriftProbe } from './accounting.js';
import { BoundedQueue } from './queue.js';
import type {
  Arm,
  MonitorBackend,
  PredictionEvent,
  PredictionRow,
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
   * (default: no limit). Measuring costs about two predictions; under heavy
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
}

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

interface Queued {
  id: string;
  at: number;
  model: string;
  version: number;
  env: string;
  arm: Arm;
  label: string;
  classes: readonly string[];
  probabilities: Float64Array;
  latencyMs: number;
  text: string;
}

const key = (model: string, version: number) => `${model}\u0000${version}`;

export class PredictionLogger {
  private readonly queue: BoundedQueue<Queued>;
  private readonly o: Required<Omit<LoggerOptions, 'retention' | 'onError' | 'textModes'>>;
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
    this.textModes = { ...(opts.textModes ?? {}) };
    this.retention = opts.retention;
    this.onError = opts.onError ?? (() => {});
    this.queue = new BoundedQueue<Queued>(this.o.capacity);
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
      const item: Queued = {
        id: String(e.id),
        at: e.at ?? this.o.now(),
        model: e.model,
        version: e.version,
        env: e.env ?? 'default',
        arm: e.arm ?? 'stable',
        label: e.label,
        classes: e.classes,
        probabilities: Float64Array.from(e.probabilities),
        latencyMs: e.latencyMs,
        text: e.text,
      };
      if (!this.queue.push(item)) {
        this.c.dropped++;
        return;
      }
      this.c.logged++;
      if (this.queue.size >= this.o.batchSize && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
    } catch {
      this.c.invalid++;
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
      const t0 = performance.now();
      try {
        const { rows, buckets } = this.prepare(batch);
        await this.backend.writeBatch(rows, buckets);
        this.c.flushed += batch.length;
        this.c.batches++;
      } catch (err) {
        this.c.failed += batch.length;
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

  /** Rows and token-bucket deltas of a batch: hashing and drift accounting happen here. */
  private prepare(batch: readonly Queued[]): { rows: PredictionRow[]; buckets: TokenBucket[] } {
    const rows: PredictionRow[] = [];
    const buckets = new Map<string, TokenBucket>();
    for (const q of batch) {
      const probabilities: Record<string, number> = {};
      let confidence = 0;
      q.probabilities.forEach((p, i) => {
        probabilities[q.classes[i] ?? String(i)] = p;
        if (p > confidence) confidence = p;
      });
      const mode = this.textModes[q.model] ?? this.o.textMode;
      const row: PredictionRow = {
        id: q.id,
        at: q.at,
        model: q.model,
        version: q.version,
        env: q.env,
        arm: q.arm,
        label: q.label,
        confidence,
        probabilities,
        latencyMs: q.latencyMs,
        textLength: q.text.length,
        text: mode === 'text' ? q.text : null,
        textSha256: mode === 'hash' ? createHash('sha256').update(q.text).digest('hex') : null,
        tokens: null,
        oovTokens: null,
      };
      const probe = this.probes.get(key(q.model, q.version));
      if (
        probe &&
        (this.o.driftSampleRate >= 1 || this.o.random() < this.o.driftSampleRate) &&
        this.withinDriftBudget()
      ) {
        try {
          const m = probe.measure(q.text);
          this.c.measured++;
          row.tokens = m.tokens;
          row.oovTokens = m.oov;
          if (m.slots !== null) {
            const start = q.at - (q.at % this.o.bucketMs);
            const k = `${key(q.model, q.version)}\u0000${start}`;
            let b = buckets.get(k);
            if (!b) {
              b = {
                model: q.model,
                version: q.version,
                start,
                docs: 0,
                other: 0,
                counts: new Map(),
              };
              buckets.set(k, b);
            }
            b.docs++;
            b.other += m.other;
            for (const s of m.slots) b.counts.set(s, (b.counts.get(s) ?? 0) + 1);
          }
        } catch (err) {
          this.report(err);
        }
      }
      rows.push(row);
    }
    return { rows, buckets: [...buckets.values()] };
  }
}
