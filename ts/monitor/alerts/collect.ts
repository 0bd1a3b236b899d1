/**
 * `SignalCollector`: what the alert rules look at, measured from monitor.db
 * and the registry — one `SignalSnapshot` per model per evaluation.
 *
 * The window is the last `windowMs` (default 1h) of a model's logged
 * predictions, capped to the newest `maxPredictions` (default 10 000) so an
 * evaluation costs the same at any traffic. Drift and performance are those
 * of the version with the most predictions in the window (as `sentio monitor
 * report` picks it), against its profile and offline metrics (read once per
 * version: versions are immutable). Volume counts every version, in this
 * window and the one before. Aborted rollouts come from the registry
 * (`listRollouts`). Error counts only the server sees: it passes cumulative
 * counters (`requestCounts`) and the collector takes differences between
 * evaluations.
 * @module
 */
import { hasCode } from '../../errors/index.js';
import type { Registry } from '../../registry/index.js';
import type { DataProfile } from '../../train/index.js';
import { livePerformance } from '../performance.js';
import { coveringBuckets, readProfile } from '../report.js';
import {
  computeSignals,
  type DeepPartial,
  resolveThresholds,
  type Thresholds,
} from '../signals.js';
import type { MonitorBackend } from '../types.js';
import type { RolloutAbort, SignalSnapshot } from './types.js';

export interface CollectorOptions {
  backend: MonitorBackend;
  registry: Registry;
  /** Models to watch (default: every model with logged predictions in this or the previous window). */
  models?: () => readonly string[] | Promise<readonly string[]>;
  /** Default 1 hour. */
  windowMs?: number;
  /** Default 10 000. */
  maxPredictions?: number;
  /** Drift threshold overrides for every model (as `monitor report --threshold`). */
  thresholds?: DeepPartial<Thresholds>;
  /** How far back aborted rollouts are reported (default 24h; each rule has its own lookback). */
  rolloutLookbackMs?: number;
  /** A model's cumulative request and error counts (the server's counters). */
  requestCounts?: (model: string) => { requests: number; errors: number } | undefined;
  clock?: () => number;
}

export const COLLECTOR_DEFAULTS = {
  windowMs: 3_600_000,
  maxPredictions: 10_000,
  rolloutLookbackMs: 86_400_000,
};

type Reference = { profile: DataProfile; metrics: Record<string, number> } | null;

/** Nearest-rank quantile of unsorted values (null when empty). */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}

function windowText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `last ${ms / size}${unit}`;
  }
  return `last ${ms}ms`;
}

export class SignalCollector {
  private readonly references = new Map<string, Promise<Reference>>();
  private readonly lastCounts = new Map<string, { requests: number; errors: number }>();
  private readonly windowMs: number;
  private readonly maxPredictions: number;
  private readonly thresholds: Thresholds;

  constructor(private readonly o: CollectorOptions) {
    this.windowMs = o.windowMs ?? COLLECTOR_DEFAULTS.windowMs;
    this.maxPredictions = o.maxPredictions ?? COLLECTOR_DEFAULTS.maxPredictions;
    this.thresholds = resolveThresholds(o.thresholds);
  }

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  /** The version's profile and metrics; null when it has none (never retried: versions are immutable). */
  private reference(model: string, version: number): Promise<Reference> {
    const key = `${model}@${version}`;
    let p = this.references.get(key);
    if (p === undefined) {
      p = readProfile(this.o.registry, model, version).catch((e: unknown) => {
        if (hasCode(e) && ['MONITOR_NO_REFERENCE', 'REGISTRY_NOT_FOUND'].includes(e.code)) {
          return null;
        }
        this.references.delete(key); // transient (busy store): try again next time
        throw e;
      });
      this.references.set(key, p);
    }
    return p;
  }

  private async watched(now: number): Promise<string[]> {
    if (this.o.models) return [...(await this.o.models())];
    const seen = await this.o.backend.versions({ since: now - 2 * this.windowMs });
    return [...new Set(seen.map((v) => v.model))].sort();
  }

  private async aborts(model: string, now: number): Promise<RolloutAbort[]> {
    const since = now - (this.o.rolloutLookbackMs ?? COLLECTOR_DEFAULTS.rolloutLookbackMs);
    let rollouts: Awaited<ReturnType<Registry['listRollouts']>>;
    try {
      rollouts = await this.o.registry.listRollouts(model);
    } catch (e) {
      if (hasCode(e) && e.code === 'REGISTRY_NOT_FOUND') return [];
      throw e;
    }
    return rollouts
      .filter((r) => r.state === 'aborted' && r.endedAt !== null && Date.parse(r.endedAt) >= since)
      .map((r) => ({
        rollout: r.id,
        env: r.env,
        kind: r.kind,
        version: r.version,
        endedAt: Date.parse(r.endedAt as string),
        reason: r.endReason,
      }));
  }

  private errors(model: string): SignalSnapshot['errors'] {
    const now = this.o.requestCounts?.(model);
    if (now === undefined) return undefined;
    const before = this.lastCounts.get(model) ?? { requests: 0, errors: 0 };
    this.lastCounts.set(model, now);
    // A counter that went down was reset (process restart): count from zero.
    const reset = now.requests < before.requests || now.errors < before.errors;
    return reset
      ? { ...now }
      : { requests: now.requests - before.requests, errors: now.errors - before.errors };
  }

  /** One model's snapshot. */
  async snapshot(model: string, now = this.now()): Promise<SignalSnapshot> {
    const b = this.o.backend;
    const since = now - this.windowMs;
    const current = await b.versions({ model, since, until: now + 1 });
    const previous = await b.versions({ model, since: since - this.windowMs, until: since });
    const sum = (vs: typeof current) => vs.reduce((s, v) => s + v.predictions, 0);
    const main = [...current].sort(
      (x, y) => y.predictions - x.predictions || y.version - x.version,
    )[0];
    const snap: SignalSnapshot = {
      model,
      version: main?.version ?? null,
      at: now,
      window: {
        text: windowText(this.windowMs),
        ms: this.windowMs,
        from: since,
        to: now,
        predictions: 0,
      },
      drift: [],
      accuracy: { value: null, labelled: 0, offline: null },
      expectedAccuracy: { value: null, predictions: 0, reference: null },
      latencyP99Ms: { value: null, n: 0 },
      volume: { current: sum(current), previous: sum(previous) },
      rolloutAborts: await this.aborts(model, now),
    };
    const errors = this.errors(model);
    if (errors !== undefined) snap.errors = errors;
    if (main === undefined) return snap;
    const filter = {
      model,
      version: main.version,
      since,
      until: now + 1,
      limit: this.maxPredictions,
    };
    const rows = await b.predictions(filter);
    const labelled = await b.labelled(filter);
    const ref = await this.reference(model, main.version);
    snap.window.predictions = rows.length;
    snap.latencyP99Ms = {
      value: quantile(
        rows.map((r) => r.latencyMs),
        0.99,
      ),
      n: rows.length,
    };
    const perf = livePerformance(rows, labelled, ref?.metrics ?? {}).arms[0];
    snap.accuracy = {
      value: perf?.accuracy ?? null,
      labelled: perf?.labelled ?? 0,
      offline: ref?.metrics.accuracy ?? null,
    };
    snap.expectedAccuracy = {
      value: perf?.expectedAccuracy ?? null,
      predictions: rows.length,
      reference: ref?.profile.evaluation.confidence.mean ?? null,
    };
    if (ref !== null && rows.length > 0) {
      const from = (rows[0] as { at: number }).at;
      const buckets = coveringBuckets(
        await b.tokenBuckets(model, main.version, from - 86_400_000, now + 1),
        from,
      );
      snap.drift = computeSignals(ref.profile, { rows, buckets }, this.thresholds);
    }
    return snap;
  }

  /** Snapshots of every watched model (the `signals` source of an AlertEngine). */
  async collect(): Promise<SignalSnapshot[]> {
    const now = this.now();
    const out: SignalSnapshot[] = [];
    for (const model of await this.watched(now)) out.push(await this.snapshot(model, now));
    return out;
  }
}
