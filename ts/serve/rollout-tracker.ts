/**
 * Follow the registry's active rollouts on the served environments and keep
 * their counters honest:
 *
 * - attach: a canary/shadow started on `NAME@ENV` has its candidate loaded
 *   and verified in the background (the same loader as hot swaps, shared
 *   with any slot that already has that version), then attached to the
 *   environment's slot in one assignment; until then traffic is unchanged;
 * - detach: a rollout that ended in the registry (stopped, promoted, or
 *   aborted by another instance) is detached at the next poll, at once;
 * - flush: every `flushIntervalMs` (1 s) each rollout's counters that
 *   changed are upserted as this instance's row (`putRolloutStats`), and
 *   once more when it is detached or the server stops;
 * - abort: on each tick the instance's counters are checked against the
 *   rollout's thresholds; on a breach the candidate is detached here first
 *   (traffic returns to the stable version immediately), the abort is
 *   logged as an error and counted in /metrics, and the rollout is ended
 *   `aborted` in the registry with the breach as details, which every other
 *   instance then follows.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import { checkThresholds, storedThresholds, type ThresholdBreach } from '../deploy/index.js';
import { hasCode } from '../errors/index.js';
import type { RolloutKind, RolloutRecord } from '../registry/index.js';
import type { LoadedModel } from './loaded-model.js';
import type { ServeMetrics } from './metrics.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ModelSlot } from './model-slot.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import type { OffPathLimits } from './off-path.js';
import { ActiveRollout } from './rollout.js';
import type { StoreWriter } from './store-writer.js';

const KINDS: readonly RolloutKind[] = ['canary', 'shadow'];
const MAX_RETRY_MS = 5 * 60_000;
const ABORT_ATTEMPTS = 5;

export interface TrackerDeps {
  catalog: ModelCatalog;
  metrics: ServeMetrics;
  log: FastifyBaseLogger;
  writer: StoreWriter;
  /** This server's id in rollout stats rows and abort records (`server:<instance>`). */
  instance: string;
  load: (model: string, version: number) => Promise<LoadedModel>;
  /** Dispose a version no slot or rollout uses any more. */
  retire: (m: LoadedModel) => void;
  flushIntervalMs: number;
  failedRetryMs: number;
  offPath: OffPathLimits;
  /** Where off-path (shadow and comparison) scores are logged. */
  predictionLog: PredictionLog | null;
  /** Called once an automatic abort is recorded in the registry (alerting evaluates at once). */
  onAborted?: (r: RolloutRecord) => void;
}

export class RolloutTracker {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Active in the registry at the last read (minus those ended here). */
  private wanted = new Map<number, RolloutRecord>();
  private readonly loading = new Set<number>();
  private readonly failed = new Map<number, { retryAt: number; delayMs: number }>();
  /** Aborted by this instance: never re-attached, even if a read still shows them active. */
  private readonly endedHere = new Set<number>();
  /** Flush in progress per rollout (one at a time; a forced flush queues behind it). */
  private readonly flushing = new Map<number, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private lastWriteError: { message: string; at: number } | null = null;

  constructor(private readonly d: TrackerDeps) {}

  get instance(): string {
    return this.d.instance;
  }

  start(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), this.d.flushIntervalMs);
    this.timer.unref();
  }

  /** Final flush of every attached rollout, then wait for writes in progress. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const { rollout } of this.attached()) this.track(this.flush(rollout, true));
    await this.settle();
  }

  /** Flush every attached rollout's counters now (before a status read on this server). */
  async flushNow(): Promise<void> {
    for (const { rollout } of this.attached()) this.track(this.flush(rollout, true));
    await this.settle();
  }

  /** Wait for pending writes and queued comparisons (tests). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.attached().map(({ rollout }) => rollout.settled()));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Attach and detach so the served environments carry exactly the registry's active rollouts. */
  reconcile(active: readonly RolloutRecord[], force = false): void {
    if (this.stopped) return;
    this.wanted = new Map(
      active.filter((r) => r.state === 'active' && !this.endedHere.has(r.id)).map((r) => [r.id, r]),
    );
    for (const slot of this.d.catalog.slots) {
      const env = slot.env;
      if (env === null) continue;
      for (const kind of KINDS) {
        let want: RolloutRecord | undefined;
        for (const r of this.wanted.values()) {
          if (r.model === slot.model && r.env === env && r.kind === kind) want = r;
        }
        const have = slot.rollout(kind);
        if (have !== null && have.id !== want?.id) this.detach(slot, have);
        if (want !== undefined && slot.rollout(kind) === null) {
          this.attachWhenLoaded(slot, want, force);
        }
      }
    }
  }

  private attached(): Array<{ slot: ModelSlot; rollout: ActiveRollout }> {
    const out: Array<{ slot: ModelSlot; rollout: ActiveRollout }> = [];
    for (const slot of this.d.catalog.slots) {
      for (const kind of KINDS) {
        const r = slot.rollout(kind);
        if (r !== null) out.push({ slot, rollout: r });
      }
    }
    return out;
  }

  private attachWhenLoaded(slot: ModelSlot, rec: RolloutRecord, force: boolean): void {
    if (this.loading.has(rec.id)) return;
    const failed = this.failed.get(rec.id);
    if (failed !== undefined && !force && Date.now() < failed.retryAt) return;
    const shared = this.d.catalog.findLoaded(rec.model, rec.version);
    if (shared !== null) {
      this.attach(slot, rec, shared);
      return;
    }
    this.loading.add(rec.id);
    this.d.log.info(
      {
        event: 'rollout_loading',
        rollout: rec.id,
        model: rec.model,
        env: rec.env,
        kind: rec.kind,
        version: rec.version,
      },
      `${slot.ref}: loading ${rec.kind} candidate version ${rec.version} in the background`,
    );
    this.d.load(rec.model, rec.version).then(
      (loaded) => {
        this.loading.delete(rec.id);
        const still = this.wanted.get(rec.id);
        if (this.stopped || still === undefined || slot.rollout(rec.kind) !== null) {
          this.d.retire(loaded);
          return;
        }
        this.attach(slot, still, loaded);
      },
      (e: unknown) => {
        this.loading.delete(rec.id);
        const prev = this.failed.get(rec.id);
        const delayMs =
          prev === undefined ? this.d.failedRetryMs : Math.min(prev.delayMs * 2, MAX_RETRY_MS);
        this.failed.set(rec.id, { retryAt: Date.now() + delayMs, delayMs });
        const code = hasCode(e) ? e.code : 'INTERNAL';
        this.d.metrics.swapFailed(rec.model, slot.ref, rec.version, code);
        this.d.log.error(
          {
            event: 'rollout_load_failed',
            rollout: rec.id,
            model: rec.model,
            env: rec.env,
            kind: rec.kind,
            version: rec.version,
            retryInMs: delayMs,
            err: e,
          },
          `${slot.ref}: ${rec.kind} candidate version ${rec.version} failed to load or verify; traffic stays on the stable version`,
        );
      },
    );
  }

  private attach(slot: ModelSlot, rec: RolloutRecord, candidate: LoadedModel): void {
    const r = new ActiveRollout(
      rec,
      candidate,
      storedThresholds(rec.thresholds),
      slot.current?.version ?? null,
      this.d.metrics,
      this.d.offPath,
      this.d.predictionLog,
    );
    slot.setRollout(rec.kind, r);
    this.failed.delete(rec.id);
    this.d.metrics.rolloutActive(rec, true);
    this.d.log.info(
      {
        event: 'rollout_attached',
        rollout: rec.id,
        model: rec.model,
        env: rec.env,
        kind: rec.kind,
        version: rec.version,
        stableVersion: slot.current?.version ?? null,
        percent: rec.percent,
      },
      rec.kind === 'canary'
        ? `${slot.ref}: canary version ${rec.version} answers ${rec.percent}% of requests`
        : `${slot.ref}: shadow version ${rec.version} scores ${rec.percent}% of requests after they are answered`,
    );
  }

  /** The rollout ended in the registry: stop routing to it now, flush its last counters. */
  private detach(slot: ModelSlot, r: ActiveRollout): void {
    if (slot.rollout(r.kind) === r) slot.setRollout(r.kind, null);
    r.end();
    this.d.metrics.rolloutActive(r.record, false);
    this.d.retire(r.candidate);
    this.d.log.info(
      {
        event: 'rollout_detached',
        rollout: r.id,
        model: r.model,
        env: r.env,
        kind: r.kind,
        version: r.version,
      },
      `${slot.ref}: ${r.kind} of version ${r.version} ended; detached`,
    );
    this.track(this.flush(r, true));
  }

  private tick(): void {
    if (this.stopped) return;
    for (const { slot, rollout } of this.attached()) {
      const breach = checkThresholds(rollout.stats, rollout.thresholds);
      if (breach !== null) this.abort(slot, rollout, breach);
      else if (rollout.dirty) this.track(this.flush(rollout, false));
    }
  }

  private abort(slot: ModelSlot, r: ActiveRollout, breach: ThresholdBreach): void {
    // Here first: the next request already goes to the stable version.
    this.endedHere.add(r.id);
    this.wanted.delete(r.id);
    if (slot.rollout(r.kind) === r) slot.setRollout(r.kind, null);
    r.end();
    this.d.metrics.rolloutActive(r.record, false);
    this.d.metrics.rolloutAborted(r.model, r.env, r.kind, breach.metric);
    this.d.retire(r.candidate);
    const stable = slot.current?.version ?? null;
    this.d.log.error(
      {
        event: 'rollout_aborted',
        rollout: r.id,
        model: r.model,
        env: r.env,
        kind: r.kind,
        version: r.version,
        stableVersion: stable,
        metric: breach.metric,
        value: breach.value,
        threshold: breach.threshold,
        instance: this.d.instance,
      },
      `${slot.ref}: ${r.kind} of version ${r.version} aborted: ${breach.message}; traffic returns to version ${stable ?? 'none'}`,
    );
    this.track(this.recordAbort(r, breach));
  }

  /** Last counters, then the rollout ends `aborted` with the breach as details (retried). */
  private async recordAbort(r: ActiveRollout, breach: ThresholdBreach): Promise<void> {
    await this.flush(r, true);
    const details = {
      ...breach,
      instance: this.d.instance,
      stableVersion: r.stats.stableVersion,
      candidateVersion: r.version,
      counters: {
        candidateRequests: r.stats.arms.candidate.requests,
        candidateErrors: r.stats.arms.candidate.errors,
        compared: r.stats.compared,
        disagreed: r.stats.disagreed,
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const reg = await this.d.writer.get();
        await reg.endRollout(
          r.id,
          { state: 'aborted', details },
          { who: `server:${this.d.instance}`, reason: breach.message },
        );
        this.d.onAborted?.(r.record);
        return;
      } catch (e) {
        if (hasCode(e) && e.code === 'DEPLOY_NO_ROLLOUT') {
          // Ended meanwhile (another instance aborted it, or someone stopped it).
          this.d.log.info(
            { event: 'rollout_abort_already_ended', rollout: r.id },
            `rollout ${r.id} had already ended in the registry`,
          );
          return;
        }
        this.writeFailed(e, 'rollout_abort_write_failed');
        if (attempt >= ABORT_ATTEMPTS || this.stopped) return;
        await new Promise((res) => setTimeout(res, 250 * 2 ** attempt).unref());
      }
    }
  }

  /**
   * Upsert this instance's counters; a failure leaves them dirty for the
   * next tick. `force`: write even if unchanged, after any flush in progress.
   */
  private async flush(r: ActiveRollout, force: boolean): Promise<void> {
    const running = this.flushing.get(r.id);
    if (running !== undefined) {
      if (!force) return;
      await running;
      return this.flush(r, force);
    }
    if (!r.dirty && !force) return;
    const p = this.write(r);
    this.flushing.set(r.id, p);
    try {
      await p;
    } finally {
      this.flushing.delete(r.id);
    }
  }

  private async write(r: ActiveRollout): Promise<void> {
    r.dirty = false;
    const snapshot = structuredClone(r.stats);
    try {
      const reg = await this.d.writer.get();
      await reg.putRolloutStats(r.id, this.d.instance, snapshot);
    } catch (e) {
      if (!(hasCode(e) && e.code === 'DEPLOY_NO_ROLLOUT')) {
        r.dirty = true;
        this.writeFailed(e, 'rollout_stats_write_failed');
      }
    }
  }

  private writeFailed(e: unknown, event: string): void {
    this.d.metrics.rolloutFlushFailed();
    const message = e instanceof Error ? e.message : String(e);
    const now = Date.now();
    if (
      this.lastWriteError === null ||
      this.lastWriteError.message !== message ||
      now - this.lastWriteError.at > 10_000
    ) {
      this.lastWriteError = { message, at: now };
      this.d.log.warn({ err: e, event }, `cannot write rollout state to the registry: ${message}`);
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => {});
    this.pending.add(q);
    q.finally(() => this.pending.delete(q));
  }
}
