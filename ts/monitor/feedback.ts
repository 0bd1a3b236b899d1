/**
 * Ground truth for logged predictions: one label per prediction id, from the
 * API (`recordFeedback`) or a file (`importFeedback`: CSV, TSV or JSON Lines
 * with `prediction_id` and `label` columns, gzip allowed). Files are read by
 * ts/data's streaming reader, so malformed input fails with the file and the
 * line, and labels are normalised as at training (trimmed, lowercased).
 * Ids that match no logged prediction are reported with their line and
 * stored nowhere.
 * @module
 */
import path from 'node:path';
import { readRows } from '../data/index.js';
import { SentioError } from '../errors/index.js';
import type { FeedbackItem, FeedbackResult, MonitorBackend } from './types.js';

/** Labels as training stores them. */
export function normalizeLabel(label: string): string {
  return label.trim().toLowerCase();
}

/** Record one label (the `POST /v1/feedback` path). MONITOR_FEEDBACK_INVALID on empty input. */
export async function recordFeedback(
  backend: MonitorBackend,
  predictionId: string,
  label: string,
  source = 'api',
): Promise<FeedbackResult> {
  if (typeof predictionId !== 'string' || predictionId.trim() === '') {
    throw new SentioError('MONITOR_FEEDBACK_INVALID', 'prediction_id must be a non-empty string', {
      field: 'prediction_id',
    });
  }
  if (typeof label !== 'string' || normalizeLabel(label) === '') {
    throw new SentioError('MONITOR_FEEDBACK_INVALID', 'label must be a non-empty string', {
      field: 'label',
    });
  }
  return backend.recordFeedback([
    { predictionId: predictionId.trim(), label: normalizeLabel(label), source },
  ]);
}

export interface ImportResult extends Omit<FeedbackResult, 'unknown'> {
  file: string;
  rows: number;
  skipped: Record<string, number>;
  unknown: Array<{ id: string; line: number }>;
}

export async function importFeedback(
  backend: MonitorBackend,
  file: string,
  opts: { idColumn?: string; labelColumn?: string; batchSize?: number } = {},
): Promise<ImportResult> {
  const out: ImportResult = {
    file,
    rows: 0,
    recorded: 0,
    updated: 0,
    unknown: [],
    skipped: {},
  };
  const source = `import:${path.basename(file)}`;
  const gen = readRows(file, {
    textColumn: opts.idColumn ?? 'prediction_id',
    labelColumn: opts.labelColumn ?? 'label',
    labels: 'required',
    batchSize: opts.batchSize ?? 5000,
  });
  for (;;) {
    const next = await gen.next();
    if (next.done) {
      out.skipped = next.value.stats.skippedReasons;
      break;
    }
    const items: FeedbackItem[] = [];
    const lines = new Map<string, number>();
    for (const r of next.value) {
      const id = r.text.trim();
      lines.set(id, r.line);
      items.push({ predictionId: id, label: r.label ?? '', source });
    }
    out.rows += items.length;
    const res = await backend.recordFeedback(items);
    out.recorded += res.recorded;
    out.updated += res.updated;
    for (const id of res.unknown) out.unknown.push({ id, line: lines.get(id) ?? 0 });
  }
  return out;
}
