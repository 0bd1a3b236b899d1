/**
 * Prediction log rows as JSON Lines or CSV (RFC 4180 quoting), one row at a
 * time so an export streams however large the log is. Times are ISO 8601 in
 * UTC; probabilities stay a JSON object in CSV (one column, quoted).
 * @module
 */
import type { PredictionRow } from './types.js';

export type ExportFormat = 'jsonl' | 'csv';

export const CSV_COLUMNS = [
  'id',
  'at',
  'model',
  'version',
  'env',
  'arm',
  'label',
  'confidence',
  'probabilities',
  'latency_ms',
  'text_length',
  'text_sha256',
  'text',
  'tokens',
  'oov_tokens',
] as const;

/** The exported shape: snake_case, ISO time. */
export function exportObject(r: PredictionRow): Record<(typeof CSV_COLUMNS)[number], unknown> {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    model: r.model,
    version: r.version,
    env: r.env,
    arm: r.arm,
    label: r.label,
    confidence: r.confidence,
    probabilities: r.probabilities,
    latency_ms: r.latencyMs,
    text_length: r.textLength,
    text_sha256: r.textSha256,
    text: r.text,
    tokens: r.tokens,
    oov_tokens: r.oovTokens,
  };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function formatRow(r: PredictionRow, format: ExportFormat): string {
  const o = exportObject(r);
  if (format === 'jsonl') return `${JSON.stringify(o)}\n`;
  return `${CSV_COLUMNS.map((c) => csvField(o[c])).join(',')}\n`;
}
