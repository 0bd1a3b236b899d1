/**
 * `inspectDataset`: what is in a file before training on it: label balance,
 * text lengths, duplicates, empties and the tokens that characterise each
 * class. One streaming pass; labels are optional here (an unlabelled file
 * can be inspected too).
 *
 * Tokens come from a small tokenizer of its own (lowercase runs of two or
 * more letters, digits or underscores, like scikit-learn's default token
 * pattern), so inspecting data never needs the engine.
 * @module
 */
import { dataError } from './errors.js';
import { formatFromPath } from './format.js';
import { lengthHistogram, NumberColumn, percentile } from './length-stats.js';
import { fingerprintOf } from './load.js';
import { consumeRows, labelMode } from './read-rows.js';
import { fileSize } from './source.js';
import { ClassTokenStats } from './token-stats.js';
import type { InspectReport, ReadOptions } from './types.js';

export interface InspectOptions extends ReadOptions {
  /** Tokens listed per class (default 10). */
  top?: number;
}

/** Key under which rows without a label are grouped. */
export const NO_LABEL = '(no label)';

export async function inspectDataset(
  file: string,
  opts: InspectOptions = {},
): Promise<InspectReport> {
  const top = opts.top ?? 10;
  await fileSize(file); // "no such file" before "unknown format"
  const format = opts.format ?? formatFromPath(file);
  const labels = opts.labels ?? (labelMode(opts, format) === 'none' ? 'none' : 'optional');
  const labelCounts = new Map<string, number>();
  const lengths = new NumberColumn();
  const tokenLengths = new NumberColumn();
  // text → its label (or NO_LABEL), and the texts seen with several labels.
  const seen = new Map<string, string>();
  const conflicting = new Set<string>();
  let duplicateRows = 0;
  const tokens = new ClassTokenStats();

  const summary = await consumeRows(file, { ...opts, format, labels }, (rows) => {
    for (const r of rows) {
      const label = r.label ?? NO_LABEL;
      if (r.label !== undefined) labelCounts.set(r.label, (labelCounts.get(r.label) ?? 0) + 1);
      lengths.push(r.text.length);
      const prev = seen.get(r.text);
      if (prev === undefined) seen.set(r.text, label);
      else {
        duplicateRows++;
        if (prev !== label) conflicting.add(r.text);
      }
      tokenLengths.push(tokens.add(label, r.text));
    }
  });

  if (summary.stats.read === 0) {
    throw dataError('DATA_EMPTY', file, null, 'no data rows to inspect');
  }
  const fp = fingerprintOf(summary, labelCounts, lengths);
  const sortedLengths = lengths.sorted();
  const sortedTokens = tokenLengths.sorted();
  let tokenSum = 0;
  for (const x of sortedTokens) tokenSum += x;
  const kept = summary.stats.kept;
  const counts = [...labelCounts.values()];

  return {
    path: fp.path,
    format: fp.format,
    gzip: fp.gzip,
    bytes: fp.bytes,
    sha256: fp.sha256,
    columns: fp.columns,
    stats: summary.stats,
    rows: kept,
    labels: Object.entries(fp.labels).map(([label, count]) => ({
      label,
      count,
      share: count / kept,
    })),
    imbalance: counts.length > 0 ? Math.max(...counts) / Math.min(...counts) : null,
    length: { unit: 'characters', ...fp.textLength, histogram: lengthHistogram(sortedLengths) },
    tokens: {
      mean: sortedTokens.length > 0 ? tokenSum / sortedTokens.length : 0,
      p50: percentile(sortedTokens, 50),
      p90: percentile(sortedTokens, 90),
      vocabulary: tokens.vocabulary,
    },
    duplicates: {
      rows: duplicateRows,
      distinctTexts: seen.size,
      conflictingLabels: conflicting.size,
    },
    empty: {
      text: summary.stats.skippedReasons['empty text'] ?? 0,
      label: summary.stats.skippedReasons['empty label'] ?? 0,
    },
    topTokens: tokens.frequent(top),
    distinctiveTokens: tokens.classCount >= 2 ? tokens.distinctive(top) : {},
  };
}
