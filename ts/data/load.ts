/**
 * `loadDataset`: a labelled dataset in memory (texts, labels, lines) with
 * its fingerprint, streamed from disk in one pass. Fails early and clearly
 * on data a classifier cannot learn from (no rows, one class).
 * @module
 */
import path from 'node:path';
import { dataError } from './errors.js';
import { lengthStats, NumberColumn } from './length-stats.js';
import { consumeRows } from './read-rows.js';
import type { Dataset, DatasetFingerprint, ReadOptions, ReadStats, ReadSummary } from './types.js';

export interface LoadOptions extends ReadOptions {
  /**
   * Fewest distinct labels accepted (default 2, for training). Evaluating on
   * a file that happens to hold one class can pass 1.
   */
  minClasses?: number;
}

/** "3 empty text, 1 empty label", for messages. */
export function describeSkips(stats: ReadStats): string {
  return Object.entries(stats.skippedReasons)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
}

/** Label counts, most frequent first (ties by name), as a plain object. */
export function sortedCounts(counts: Map<string, number>): Record<string, number> {
  const entries = [...counts].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  return Object.fromEntries(entries);
}

export function fingerprintOf(
  summary: ReadSummary,
  labels: Map<string, number>,
  lengths: NumberColumn,
): DatasetFingerprint {
  return {
    sha256: summary.sha256,
    rows: summary.stats.kept,
    labels: sortedCounts(labels),
    textLength: lengthStats(lengths.sorted()),
    path: path.resolve(summary.path),
    format: summary.format,
    bytes: summary.bytes,
    gzip: summary.gzip,
    columns: summary.columns,
  };
}

export async function loadDataset(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  const texts: string[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  const counts = new Map<string, number>();
  const lengths = new NumberColumn();
  const summary = await consumeRows(file, { ...opts, labels: 'required' }, (rows) => {
    for (const r of rows) {
      const label = r.label as string;
      texts.push(r.text);
      labels.push(label);
      lines.push(r.line);
      lengths.push(r.text.length);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  });
  const { stats } = summary;
  if (stats.kept === 0) {
    const reason =
      stats.read === 0
        ? 'no data rows (the file has no records after the header)'
        : `no usable rows: all ${stats.read} rows were skipped (${describeSkips(stats)})`;
    throw dataError('DATA_EMPTY', file, null, reason, { stats });
  }
  const minClasses = opts.minClasses ?? 2;
  if (counts.size < minClasses) {
    const only = [...counts.keys()].map((l) => JSON.stringify(l)).join(', ');
    throw dataError(
      'DATA_ONE_CLASS',
      file,
      null,
      `found ${counts.size} class${counts.size === 1 ? '' : 'es'} (${only}) in ${stats.kept} rows; a classifier needs at least ${minClasses}`,
      { labels: Object.fromEntries(counts) },
    );
  }
  return { texts, labels, lines, fingerprint: fingerprintOf(summary, counts, lengths), stats };
}
