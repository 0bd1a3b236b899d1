/**
 * Datasets that live in memory rather than in a file (the built-in sample
 * data behind `sentio demo`), with a fingerprint shaped like ts/data's so
 * lineage looks the same whichever way the data came in. The sha256 is over
 * the data serialised as the CSV a user would write (`text,label` header),
 * so exporting the sample to a file gives the same fingerprint.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Dataset, DatasetFingerprint } from '../data/index.js';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text of labelled rows (header `text,label`, LF line ends). */
export function toCsv(rows: ReadonlyArray<{ text: string; label: string }>): string {
  return `text,label\n${rows.map((r) => `${csvField(r.text)},${csvField(r.label)}`).join('\n')}\n`;
}

/** A Dataset (as ts/data's loadDataset returns it) over in-memory rows. */
export function inlineDataset(
  name: string,
  rows: ReadonlyArray<{ text: string; label: string }>,
): Dataset {
  const csv = Buffer.from(toCsv(rows), 'utf8');
  const lengths = rows.map((r) => r.text.length).sort((a, b) => a - b);
  const labels: Record<string, number> = {};
  for (const r of rows) labels[r.label] = (labels[r.label] ?? 0) + 1;
  const q = (p: number) =>
    lengths[Math.min(lengths.length - 1, Math.floor(p * lengths.length))] ?? 0;
  const fingerprint: DatasetFingerprint = {
    sha256: createHash('sha256').update(csv).digest('hex'),
    rows: rows.length,
    labels: Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k] ?? 0]),
    ),
    textLength: {
      min: lengths[0] ?? 0,
      max: lengths[lengths.length - 1] ?? 0,
      mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
      p50: q(0.5),
      p90: q(0.9),
    },
    path: name,
    format: 'csv',
    bytes: csv.length,
    gzip: false,
    columns: { text: 'text', label: 'label' },
  };
  return {
    texts: rows.map((r) => r.text),
    labels: rows.map((r) => r.label),
    // Line numbers as in the CSV form: the header is line 1.
    lines: rows.map((_, i) => i + 2),
    fingerprint,
    stats: { read: rows.length, kept: rows.length, skipped: 0, skippedReasons: {}, blankLines: 0 },
  };
}
