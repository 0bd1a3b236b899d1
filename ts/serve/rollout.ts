/**
 * One active rollout (canary or shadow) riding on the environment slot it
 * belongs to: the loaded candidate, its traffic share in buckets, the
 * instance's counters (`RolloutStats`, flushed to the registry by the
 * tracker) and the off-path queue that scores the other side of each
 * answer so the two versions can be compared without delaying anyone.
 *
 * Counting rules:
 * - canary: every routed request counts for the arm that answered (latency
 *   from pick to answer, error if the engine failed); the other arm scores
 *   the same texts off the hot path for the agreement counters;
 * - shadow: mirrored requests count for the stable arm as answered, and for
 *   the candidate arm when it scored them off the hot path (engine time).
 *
 * Off-path scores are logged too (arm `shadow`, under the answered
 * prediction's id plus `.shadow`, or `.compare` for a canary's other arm),
 * so the prediction log holds what the candidate would have said about the
 * same traffic.
 * @module
 */
import {
  emptyStats,
  type RolloutStats,
  type RolloutThresholds,
  recordComparison,
  recordLatency,
} from '../deploy/index.js';
import type { RolloutKind, RolloutRecord } from '../registry/index.js';
import type { LoadedModel } from './loaded-model.js';
import type { ServeMetrics } from './metrics.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import { COMPARE_SUFFIX, SHADOW_SUFFIX } from './monitoring/shadow-id.js';
import { type OffPathLimits, OffPathQueue, type OffPathResult } from './off-path.js';
import { bucketsFor } from './stable-key.js';

export type Arm = 'stable' | 'candidate';

interface Compare {
  /** The labels the answering arm gave, one per text. */
  labels: readonly string[];
  /** The answered predictions' ids, one per text. */
  ids: readonly string[];
  /** Which arm answered (the queue scores the other one). */
  answeredBy: Arm;
}

export class ActiveRollout {
  readonly id: number;
  readonly model: string;
  readonly env: string;
  readonly kind: RolloutKind;
  readonly version: number;
  readonly percent: number;
  /** Canary: buckets routed to the candidate; shadow: buckets mirrored. */
  readonly buckets: number;
  readonly stats: RolloutStats;
  readonly attachedAt = new Date().toISOString();
  /** Counters changed since the last flush. */
  dirty = true;
  ended = false;
  private readonly queue: OffPathQueue<Compare>;

  constructor(
    readonly record: RolloutRecord,
    readonly candidate: LoadedModel,
    readonly thresholds: RolloutThresholds,
    stableVersion: number | null,
    private readonly metrics: ServeMetrics,
    offPath: OffPathLimits,
    private readonly log: PredictionLog | null = null,
  ) {
    this.id = record.id;
    this.model = record.model;
    this.env = record.env;
    this.kind = record.kind;
    this.version = record.version;
    this.percent = record.percent;
    this.buckets = bucketsFor(record.percent);
    this.stats = emptyStats(record.version, stableVersion);
    this.queue = new OffPathQueue(offPath, (r) => this.scored(r));
  }

  /** Hot path: one request answered by an arm (after the answer went out). */
  answered(arm: Arm, version: number, ms: number, ok: boolean): void {
    const a = this.stats.arms[arm];
    a.requests++;
    if (!ok) a.errors++;
    recordLatency(a, ms);
    this.dirty = true;
    this.metrics.rolloutRequest(this.model, this.env, this.kind, arm, version);
  }

  /**
   * After the answer went out: score the same texts with `other` off the hot
   * path and compare labels. Dropped (and counted) when the queue is full.
   */
  compareLater(
    texts: readonly string[],
    labels: readonly string[],
    ids: readonly string[],
    answeredBy: Arm,
    other: LoadedModel,
  ): void {
    if (this.ended) return;
    if (!this.queue.offer({ texts, target: other, tag: { labels, ids, answeredBy } })) {
      this.stats.dropped += texts.length;
      this.dirty = true;
      this.metrics.rolloutDropped(this.model, this.env, this.kind, texts.length);
    }
  }

  private scored(r: OffPathResult<Compare>): void {
    if (this.ended) return;
    const { labels, answeredBy } = r.item.tag;
    // Shadow: the off-path scoring IS the candidate's traffic.
    const candidateScored = this.kind === 'shadow' && answeredBy === 'stable';
    if (candidateScored) this.answered('candidate', this.version, r.ms, r.ok);
    if (!r.ok) {
      this.dirty = true;
      return;
    }
    const n = r.item.texts.length;
    this.log?.offPath(
      r.item.target,
      this.env,
      r.item.tag.ids,
      r.item.texts,
      r.predictions,
      r.ms / n,
      this.kind === 'shadow' ? SHADOW_SUFFIX : COMPARE_SUFFIX,
    );
    let disagreed = 0;
    for (let i = 0; i < labels.length; i++) {
      const answered = labels[i] as string;
      const other = (r.predictions[i] as { label: string }).label;
      const stable = answeredBy === 'stable' ? answered : other;
      const cand = answeredBy === 'stable' ? other : answered;
      recordComparison(this.stats, stable, cand);
      if (stable !== cand) disagreed++;
    }
    this.dirty = true;
    this.metrics.rolloutCompared(this.model, this.env, this.kind, labels.length, disagreed);
  }

  /** Detached: no more counting; queued comparisons are dropped. */
  end(): void {
    this.ended = true;
    this.queue.close();
  }

  /** Wait for queued comparisons (tests, a final flush). */
  settled(): Promise<void> {
    return this.queue.idle();
  }

  describe(): Record<string, unknown> {
    return {
      id: this.id,
      kind: this.kind,
      version: this.version,
      percent: this.percent,
      attachedAt: this.attachedAt,
      requests: {
        stable: this.stats.arms.stable.requests,
        candidate: this.stats.arms.candidate.requests,
      },
      compared: this.stats.compared,
      disagreed: this.stats.disagreed,
      dropped: this.stats.dropped,
    };
  }
}
