/**
 * The canary/shadow report: every server instance's counters merged, turned
 * into per-arm request counts, error rates and latency percentiles (upper
 * bounds of histogram buckets), agreement overall and per class with the
 * stable×candidate confusion table, and the threshold the rollout crosses
 * now. Pure: the rollout and its stats rows in, the report out.
 * @module
 */
import type { RolloutRecord, RolloutStatsRecord } from '../registry/index.js';
import {
  type ArmStats,
  checkThresholds,
  emptyStats,
  LATENCY_BOUNDS_MS,
  latencyQuantile,
  mergeStats,
  type RolloutStats,
} from './stats.js';
import { storedThresholds } from './thresholds.js';
import type { ArmReport, ClassAgreement, LatencyBound, RolloutReport } from './types.js';

export const NO_FEEDBACK = 'n/a (no feedback labels)';

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function bound(arm: ArmStats, q: number): LatencyBound {
  const v = latencyQuantile(arm, q);
  if (v === null) return null;
  return Number.isFinite(v) ? v : `>${LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]}`;
}

export function armReport(arm: ArmStats, version: number | null): ArmReport {
  return {
    version,
    requests: arm.requests,
    errors: arm.errors,
    errorRate: rate(arm.errors, arm.requests),
    p50Ms: bound(arm, 0.5),
    p95Ms: bound(arm, 0.95),
    p99Ms: bound(arm, 0.99),
    accuracy: null,
    labelled: 0,
  };
}

/** A stats row as a server stored it, or null when it is not one (skipped, never fatal). */
export function asStats(value: unknown): RolloutStats | null {
  if (value === null || typeof value !== 'object') return null;
  const s = value as Partial<RolloutStats>;
  if (s.v !== 1 || !s.arms?.stable || !s.arms.candidate || typeof s.compared !== 'number') {
    return null;
  }
  return s as RolloutStats;
}

export function confusionTable(confusion: RolloutStats['confusion']): {
  labels: string[];
  matrix: number[][];
} {
  const labels = [
    ...new Set([
      ...Object.keys(confusion),
      ...Object.values(confusion).flatMap((row) => Object.keys(row)),
    ]),
  ].sort();
  return {
    labels,
    matrix: labels.map((s) => labels.map((c) => confusion[s]?.[c] ?? 0)),
  };
}

export function perClassAgreement(confusion: RolloutStats['confusion']): ClassAgreement[] {
  return Object.keys(confusion)
    .sort()
    .map((label) => {
      const row = confusion[label] ?? {};
      const compared = Object.values(row).reduce((a, b) => a + b, 0);
      const agreed = row[label] ?? 0;
      return { label, compared, agreed, rate: rate(agreed, compared) };
    });
}

/**
 * `stableVersion`: the environment's version, for a rollout no instance has
 * reported on yet (the counters name the version they compared with).
 */
export function buildReport(
  rollout: RolloutRecord,
  rows: RolloutStatsRecord[],
  stableVersion: number | null = null,
): RolloutReport {
  const thresholds = storedThresholds(rollout.thresholds);
  const parts = rows.map((r) => asStats(r.stats)).filter((s): s is RolloutStats => s !== null);
  const merged = mergeStats(parts) ?? emptyStats(rollout.version, null);
  const stable = parts.find((p) => p.stableVersion !== null)?.stableVersion ?? stableVersion;
  const agreed = merged.compared - merged.disagreed;
  return {
    rollout,
    kind: rollout.kind,
    state: rollout.state,
    thresholds,
    instances: rows
      .map((r) => ({ instance: r.instance, updatedAt: r.updatedAt }))
      .sort((a, b) => a.instance.localeCompare(b.instance)),
    since: parts.length > 0 ? merged.since : null,
    arms: {
      stable: armReport(merged.arms.stable, stable),
      candidate: armReport(merged.arms.candidate, rollout.version),
    },
    agreement: {
      compared: merged.compared,
      agreed,
      rate: rate(agreed, merged.compared),
      dropped: merged.dropped,
      perClass: perClassAgreement(merged.confusion),
      confusion: confusionTable(merged.confusion),
    },
    accuracyNote: NO_FEEDBACK,
    breach: checkThresholds(merged, thresholds),
    endDetails: rollout.endDetails,
  };
}
