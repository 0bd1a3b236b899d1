/**
 * The counters a server keeps for one rollout (canary or shadow) and the
 * rule that aborts it. Servers collect `RolloutStats` per instance and upsert
 * them into the registry about once a second; `sentio canary status` /
 * `shadow report` merge every instance's snapshot. Counters only (no raw
 * latencies, no texts): fixed-size, mergeable by addition, safe to store.
 * @module
 */

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is open. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500,
];

export interface ArmStats {
  /** Requests this arm answered (canary) or scored (shadow candidate). */
  requests: number;
  /** Of those, how many failed in the engine. */
  errors: number;
  /** Counts per LATENCY_BOUNDS_MS bucket, plus one overflow bucket at the end. */
  latency: number[];
}

export interface RolloutStats {
  /** Shape version of this record. */
  v: 1;
  /** When this instance started counting. */
  since: string;
  /** The stable version the candidate was compared with (the environment's version). */
  stableVersion: number | null;
  candidateVersion: number;
  arms: { stable: ArmStats; candidate: ArmStats };
  /** Texts scored by both versions (canary: the other arm scored off the hot path; shadow: every mirrored text). */
  compared: number;
  /** Of those, how many got a different label. */
  disagreed: number;
  /** stable label → candidate label → count, over compared texts. */
  confusion: Record<string, Record<string, number>>;
  /** Comparisons skipped because the off-path queue was full (never delays a response). */
  dropped: number;
}

/** Automatic-abort thresholds; a rollout is judged only once `minRequests` are in. */
export interface RolloutThresholds {
  minRequests: number;
  /** Candidate error rate above this aborts (0..1). */
  maxErrorRate: number | null;
  /** Candidate p99 latency above this many ms aborts. */
  maxP99Ms: number | null;
  /** Share of compared texts labelled differently above this aborts (0..1). */
  maxDisagreement: number | null;
}

export const DEFAULT_THRESHOLDS: RolloutThresholds = {
  minRequests: 200,
  maxErrorRate: 0.05,
  maxP99Ms: null,
  maxDisagreement: 0.25,
};

export interface ThresholdBreach {
  metric: 'error_rate' | 'p99_ms' | 'disagreement';
  value: number;
  threshold: number;
  /** Human sentence with both numbers. */
  message: string;
}

export function emptyArm(): ArmStats {
  return { requests: 0, errors: 0, latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0) };
}

export function emptyStats(candidateVersion: number, stableVersion: number | null): RolloutStats {
  return {
    v: 1,
    since: new Date().toISOString(),
    stableVersion,
    candidateVersion,
    arms: { stable: emptyArm(), candidate: emptyArm() },
    compared: 0,
    disagreed: 0,
    confusion: {},
    dropped: 0,
  };
}

/** Index of the histogram bucket for a latency in ms. */
export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    if (ms <= (LATENCY_BOUNDS_MS[i] as number)) return i;
  }
  return LATENCY_BOUNDS_MS.length;
}

export function recordLatency(arm: ArmStats, ms: number): void {
  const b = latencyBucket(ms);
  arm.latency[b] = (arm.latency[b] ?? 0) + 1;
}

export function recordComparison(
  s: RolloutStats,
  stableLabel: string,
  candidateLabel: string,
): void {
  s.compared++;
  if (stableLabel !== candidateLabel) s.disagreed++;
  const row = s.confusion[stableLabel] ?? {};
  row[candidateLabel] = (row[candidateLabel] ?? 0) + 1;
  s.confusion[stableLabel] = row;
}

/**
 * Upper bound (ms) of the bucket holding quantile q (0..1) of an arm's
 * latencies; null when the arm has no requests, Infinity in the open bucket.
 */
export function latencyQuantile(arm: ArmStats, q: number): number | null {
  const total = arm.latency.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < arm.latency.length; i++) {
    seen += arm.latency[i] ?? 0;
    if (seen >= rank) return LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

function addArm(a: ArmStats, b: ArmStats): ArmStats {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    latency: a.latency.map((n, i) => n + (b.latency[i] ?? 0)),
  };
}

/** Sum of several instances' snapshots (of the same rollout). */
export function mergeStats(parts: readonly RolloutStats[]): RolloutStats | null {
  if (parts.length === 0) return null;
  const first = parts[0] as RolloutStats;
  const out = emptyStats(first.candidateVersion, first.stableVersion);
  out.since = parts.map((p) => p.since).sort()[0] ?? out.since;
  for (const p of parts) {
    out.arms.stable = addArm(out.arms.stable, p.arms.stable);
    out.arms.candidate = addArm(out.arms.candidate, p.arms.candidate);
    out.compared += p.compared;
    out.disagreed += p.disagreed;
    out.dropped += p.dropped;
    for (const [s, row] of Object.entries(p.confusion)) {
      const dst = out.confusion[s] ?? {};
      for (const [c, n] of Object.entries(row)) dst[c] = (dst[c] ?? 0) + n;
      out.confusion[s] = dst;
    }
  }
  return out;
}

/** The first threshold the candidate crosses, or null (also null below `minRequests`). */
export function checkThresholds(s: RolloutStats, t: RolloutThresholds): ThresholdBreach | null {
  const cand = s.arms.candidate;
  if (cand.requests >= t.minRequests && t.maxErrorRate !== null) {
    const rate = cand.errors / cand.requests;
    if (rate > t.maxErrorRate) {
      return {
        metric: 'error_rate',
        value: rate,
        threshold: t.maxErrorRate,
        message: `candidate error rate ${(rate * 100).toFixed(2)}% > ${(t.maxErrorRate * 100).toFixed(2)}% over ${cand.requests} requests`,
      };
    }
  }
  if (cand.requests >= t.minRequests && t.maxP99Ms !== null) {
    const p99 = latencyQuantile(cand, 0.99);
    if (p99 !== null && p99 > t.maxP99Ms) {
      return {
        metric: 'p99_ms',
        value: p99,
        threshold: t.maxP99Ms,
        message: `candidate p99 latency ≤${p99} ms bucket > ${t.maxP99Ms} ms over ${cand.requests} requests`,
      };
    }
  }
  if (s.compared >= t.minRequests && t.maxDisagreement !== null) {
    const rate = s.disagreed / s.compared;
    if (rate > t.maxDisagreement) {
      return {
        metric: 'disagreement',
        value: rate,
        threshold: t.maxDisagreement,
        message: `candidate disagrees with the stable version on ${(rate * 100).toFixed(1)}% of ${s.compared} texts > ${(t.maxDisagreement * 100).toFixed(1)}%`,
      };
    }
  }
  return null;
}
