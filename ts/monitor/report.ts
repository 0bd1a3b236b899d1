/**
 * `monitorReport`: everything `sentio monitor report` shows, as one value —
 * the window's predictions of one model version against that version's
 * reference profile (drift signals, each with its verdict) and its offline
 * metrics (live performance), plus each signal over time for the charts.
 * The registry is read through ts/registry's public interface only.
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { Registry } from '../registry/index.js';
import type { DataProfile } from '../train/index.js';
import { livePerformance, type PerformanceReport } from './performance.js';
import {
  computeSignals,
  type DeepPartial,
  resolveThresholds,
  type Signal,
  type SignalName,
  type Thresholds,
} from './signals.js';
import type { MonitorBackend, PredictionFilter, PredictionRow, TokenBucket } from './types.js';
import type { Window } from './window.js';

export interface ReportRequest {
  backend: MonitorBackend;
  registry: Registry;
  model: string;
  /** Default: the version with the most predictions in the window. */
  version?: number;
  window: Window;
  thresholds?: DeepPartial<Thresholds>;
  /** Points per signal time series (default 12). */
  seriesPoints?: number;
  now?: number;
}

export interface SeriesPoint {
  /** End of the slice, ms since the epoch. */
  at: number;
  n: number;
  value: number | null;
}

export interface MonitorReport {
  /** True when any signal's verdict is drift. */
  drift: boolean;
  model: string;
  version: number;
  window: { text: string; from: number | null; to: number | null; predictions: number };
  /** Other versions with predictions in the same window. */
  otherVersions: Array<{ version: number; predictions: number }>;
  signals: Record<SignalName, Signal>;
  performance: PerformanceReport;
  series: Record<SignalName, SeriesPoint[]>;
  generatedAt: string;
}

const decoder = new TextDecoder();

/** The version's stored profile (ts/train's `profile` artifact). */
export async function readProfile(
  reg: Registry,
  model: string,
  version: number,
): Promise<{ profile: DataProfile; metrics: Record<string, number> }> {
  const v = await reg.getVersion(model, version);
  const sha = v.artifacts.profile;
  if (!sha) {
    throw new SentioError(
      'MONITOR_NO_REFERENCE',
      `${model}@${version} has no profile artifact to compare traffic with; retrain it with this Sentio`,
      { model, version },
    );
  }
  const profile = JSON.parse(decoder.decode(await reg.artifacts.get(sha))) as DataProfile;
  return { profile, metrics: v.metrics };
}

function windowFilter(req: ReportRequest, now: number): PredictionFilter {
  const f: PredictionFilter = { model: req.model };
  if (req.version !== undefined) f.version = req.version;
  if (req.window.kind === 'time') f.since = now - req.window.ms;
  else f.limit = req.window.n;
  return f;
}

/** Buckets covering [from, to]: those starting in it plus the one `from` falls into. */
export function coveringBuckets(buckets: readonly TokenBucket[], from: number): TokenBucket[] {
  const before = buckets.filter((b) => b.start <= from).map((b) => b.start);
  const first = before.length ? Math.max(...before) : from;
  return buckets.filter((b) => b.start >= first);
}

function slices<T>(items: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  if (items.length === 0) return out;
  const n = Math.min(k, items.length);
  for (let i = 0; i < n; i++) {
    out.push(
      items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)),
    );
  }
  return out;
}

function series(
  profile: DataProfile,
  rows: readonly PredictionRow[],
  buckets: readonly TokenBucket[],
  thresholds: Thresholds,
  points: number,
): Record<SignalName, SeriesPoint[]> {
  const loose = resolveThresholds(
    Object.fromEntries(
      Object.keys(thresholds).map((k) => [k, { minWindow: 1 }]),
    ) as DeepPartial<Thresholds>,
  );
  for (const k of Object.keys(loose) as SignalName[]) loose[k].threshold = thresholds[k].threshold;
  const out: Record<SignalName, SeriesPoint[]> = {
    prediction_psi: [],
    confidence_psi: [],
    token_js: [],
    oov_rate: [],
    text_length: [],
  };
  for (const slice of slices(rows, points)) {
    const at = (slice[slice.length - 1] as PredictionRow).at;
    for (const s of computeSignals(profile, { rows: slice, buckets: [] }, loose)) {
      if (s.name === 'token_js') continue;
      out[s.name].push({ at, n: s.n, value: s.value });
    }
  }
  for (const b of buckets) {
    const s = computeSignals(profile, { rows: [], buckets: [b] }, loose)[2] as Signal;
    out.token_js.push({ at: b.start, n: b.docs, value: s.value });
  }
  return out;
}

export async function monitorReport(req: ReportRequest): Promise<MonitorReport> {
  const now = req.now ?? Date.now();
  const thresholds = resolveThresholds(req.thresholds);
  const filter = windowFilter(req, now);
  const seen = await req.backend.versions(
    req.window.kind === 'count' ? { model: req.model } : { ...filter, limit: undefined },
  );
  let version = req.version;
  if (version === undefined) {
    const best = [...seen].sort(
      (a, b) => b.predictions - a.predictions || b.version - a.version,
    )[0];
    if (!best) {
      throw new SentioError(
        'MONITOR_NO_DATA',
        `no logged predictions of model "${req.model}" in the ${req.window.text}`,
        { model: req.model, window: req.window.text },
      );
    }
    version = best.version;
  }
  const { profile, metrics } = await readProfile(req.registry, req.model, version);
  const vf: PredictionFilter = { ...filter, version };
  const rows = await req.backend.predictions(vf);
  const from = rows[0]?.at ?? null;
  const to = rows[rows.length - 1]?.at ?? null;
  const buckets =
    from === null || to === null
      ? []
      : coveringBuckets(
          await req.backend.tokenBuckets(req.model, version, from - 86_400_000, to + 1),
          from,
        );
  const labelled = await req.backend.labelled(vf);
  const list = computeSignals(profile, { rows, buckets }, thresholds);
  const signals = Object.fromEntries(list.map((s) => [s.name, s])) as Record<SignalName, Signal>;
  return {
    drift: list.some((s) => s.verdict === 'drift'),
    model: req.model,
    version,
    window: { text: req.window.text, from, to, predictions: rows.length },
    otherVersions: seen
      .filter((v) => v.version !== version)
      .map((v) => ({ version: v.version, predictions: v.predictions })),
    signals,
    performance: livePerformance(rows, labelled, metrics),
    series: series(profile, rows, buckets, thresholds, req.seriesPoints ?? 12),
    generatedAt: new Date(now).toISOString(),
  };
}
