/**
 * What the SQLite and PostgreSQL monitoring backends share (each imports it
 * `* as shared`): the predictions table's columns and a row's values in
 * their order, the row → record mappings (both drivers return the same
 * column names; probabilities as JSON text, or parsed by `pg` from a json
 * column), a filter's conditions, the merging of token-bucket counts and the
 * store's statistics. Each backend keeps its SQL; this keeps the two from
 * drifting apart.
 * @module
 */
import { decodeCounts } from './sqlite/counts-blob.js';
import type {
  Arm,
  PredictionFilter,
  PredictionRow,
  StoreStats,
  TokenBucket,
  VersionCount,
} from './types.js';

type Row = Record<string, unknown>;

/** The predictions table's columns a row is written to, in `predictionValues` order. */
export const PREDICTION_COLUMNS =
  'id, at, model, version, env, arm, label, confidence, probabilities, latency_ms, text_length, text, text_sha256, tokens, oov_tokens';

/** A row's values in PREDICTION_COLUMNS order (probabilities as JSON text). */
export function predictionValues(r: PredictionRow): unknown[] {
  return [
    r.id,
    r.at,
    r.model,
    r.version,
    r.env,
    r.arm,
    r.label,
    r.confidence,
    JSON.stringify(r.probabilities),
    r.latencyMs,
    r.textLength,
    r.text,
    r.textSha256,
    r.tokens,
    r.oovTokens,
  ];
}

export function predictionRow(r: Row): PredictionRow {
  const probs = r.probabilities;
  return {
    id: r.id as string,
    at: r.at as number,
    model: r.model as string,
    version: r.version as number,
    env: r.env as string,
    arm: r.arm as Arm,
    label: r.label as string,
    confidence: r.confidence as number,
    probabilities: (typeof probs === 'string' ? JSON.parse(probs) : probs) as Record<
      string,
      number
    >,
    latencyMs: r.latency_ms as number,
    textLength: r.text_length as number,
    text: (r.text as string | null) ?? null,
    textSha256: (r.text_sha256 as string | null) ?? null,
    tokens: (r.tokens as number | null) ?? null,
    oovTokens: (r.oov_tokens as number | null) ?? null,
  };
}

/** A row of `SELECT model, version, count(*) AS n, min(at) AS first, max(at) AS last`. */
export function versionCount(r: Row): VersionCount {
  return {
    model: r.model as string,
    version: r.version as number,
    predictions: r.n as number,
    first: r.first as number,
    last: r.last as number,
  };
}

/** A filter's conditions on the predictions table: [column, operator, value], ANDed. */
export function filterConditions(f: PredictionFilter): [string, '=' | '>=' | '<', unknown][] {
  const out: [string, '=' | '>=' | '<', unknown][] = [];
  if (f.model !== undefined) out.push(['model', '=', f.model]);
  if (f.version !== undefined) out.push(['version', '=', f.version]);
  if (f.env !== undefined) out.push(['env', '=', f.env]);
  if (f.arm !== undefined) out.push(['arm', '=', f.arm]);
  if (f.since !== undefined) out.push(['at', '>=', Math.floor(f.since)]);
  if (f.until !== undefined) out.push(['at', '<', Math.ceil(f.until)]);
  return out;
}

/** A bucket to write plus this writer's stored row of it (`old`, if any): the sums to store. */
export function addToStoredBucket(
  b: TokenBucket,
  old: Row | undefined,
): { docs: number; other: number; counts: Map<number, number> } {
  const counts = new Map(b.counts);
  let docs = b.docs;
  let other = b.other;
  if (old) {
    docs += old.docs as number;
    other += old.other as number;
    for (const [slot, c] of decodeCounts(old.counts as Uint8Array)) {
      counts.set(slot, (counts.get(slot) ?? 0) + c);
    }
  }
  return { docs, other, counts };
}

/** Stored bucket rows (`start, docs, other, counts`, every writer's, by start) summed per start. */
export function bucketsByStart(
  model: string,
  version: number,
  rows: readonly Row[],
): TokenBucket[] {
  const byStart = new Map<number, TokenBucket>();
  for (const r of rows) {
    const start = r.start as number;
    let b = byStart.get(start);
    if (!b) {
      b = { model, version, start, docs: 0, other: 0, counts: new Map() };
      byStart.set(start, b);
    }
    b.docs += r.docs as number;
    b.other += r.other as number;
    for (const [slot, c] of decodeCounts(r.counts as Uint8Array)) {
      b.counts.set(slot, (b.counts.get(slot) ?? 0) + c);
    }
  }
  return [...byStart.values()];
}

/** The counts of `stats()`: predictions (n, oldest, newest), feedback (n), buckets (n). */
export function storeStats(p: Row, feedback: Row, buckets: Row, bytes: number): StoreStats {
  return {
    predictions: p.n as number,
    feedback: feedback.n as number,
    buckets: buckets.n as number,
    bytes,
    oldest: (p.oldest as number | null) ?? null,
    newest: (p.newest as number | null) ?? null,
  };
}
