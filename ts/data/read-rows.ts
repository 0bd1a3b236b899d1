/**
 * `readRows`: the streaming reader every other part of Sentio uses. Bytes
 * are hashed, gunzipped and decoded (source.ts), split into records per
 * format (records.ts), then normalised and filtered here, the same way for
 * every format, and yielded in batches.
 * @module
 */
import { dataError } from './errors.js';
import { formatFromPath } from './format.js';
import { createExtractor, type RawRow } from './records.js';
import { fileSize, openSource } from './source.js';
import type { ReadOptions, ReadStats, ReadSummary, Row } from './types.js';

const DEFAULT_BATCH = 2048;

/** The effective `labels` mode: explicit, else `none` for .txt, else `required`. */
export function labelMode(opts: ReadOptions, format: string): 'required' | 'optional' | 'none' {
  return opts.labels ?? (format === 'txt' ? 'none' : 'required');
}

/**
 * Stream `path` as batches of rows. The generator's return value (what
 * `next()` gives with `done: true`) is the ReadSummary: stats, sha256 of the
 * raw bytes, size, columns used. Throws SentioError DATA_* with
 * `details.{file, line, reason}` on malformed input.
 */
export async function* readRows(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<Row[], ReadSummary> {
  await fileSize(path); // "no such file" before "unknown format"
  const format = opts.format ?? formatFromPath(path);
  const labels = labelMode(opts, format);
  if (format === 'txt' && labels === 'required') {
    throw dataError(
      'DATA_MISSING_COLUMN',
      path,
      null,
      'a .txt file holds one text per line and has no label column',
      {
        column: opts.labelColumn ?? 'label',
        available: [],
      },
    );
  }
  const normalize = opts.normalizeLabels ?? true;
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
  const source = await openSource(path, opts.onProgress);
  const extractor = createExtractor(format, path, {
    text: opts.textColumn ?? 'text',
    label: opts.labelColumn ?? 'label',
    labels,
  });
  const stats: ReadStats = { read: 0, kept: 0, skipped: 0, skippedReasons: {}, blankLines: 0 };
  const skip = (reason: string) => {
    stats.skipped++;
    stats.skippedReasons[reason] = (stats.skippedReasons[reason] ?? 0) + 1;
  };
  const raw: RawRow[] = [];
  let batch: Row[] = [];
  // Normalise, filter and batch the raw rows extracted so far.
  const take = () => {
    for (const r of raw) {
      stats.read++;
      const text = r.text ?? '';
      if (text.trim() === '') {
        skip('empty text');
        continue;
      }
      let label: string | undefined;
      if (r.label !== null) {
        label = normalize ? r.label.trim().toLowerCase() : r.label;
        if (label.trim() === '') label = undefined;
      }
      if (label === undefined && labels === 'required') {
        skip('empty label');
        continue;
      }
      stats.kept++;
      batch.push(label === undefined ? { text, line: r.line } : { text, label, line: r.line });
    }
    raw.length = 0;
  };

  for await (const chunk of source.text()) {
    extractor.push(chunk, raw);
    take();
    if (batch.length >= batchSize) {
      // Yield in batches of exactly batchSize where possible.
      let start = 0;
      while (batch.length - start >= batchSize) {
        yield batch.slice(start, start + batchSize);
        start += batchSize;
      }
      batch = batch.slice(start);
    }
  }
  extractor.end(raw);
  take();
  if (!extractor.sawContent && (format === 'csv' || format === 'tsv')) {
    throw dataError(
      'DATA_EMPTY',
      path,
      null,
      source.bytes === 0 ? 'the file is empty' : 'the file has no header line (only blank lines)',
    );
  }
  while (batch.length > 0) {
    yield batch.slice(0, batchSize);
    batch = batch.slice(batchSize);
  }
  stats.blankLines = extractor.blankLines;
  return {
    path,
    format,
    gzip: source.gzip,
    sha256: source.sha256(),
    bytes: source.bytes,
    columns: extractor.columns,
    stats,
  };
}

/**
 * Drive `readRows` to the end, handing each batch to `onBatch`, and return
 * the summary (the return value a `for await` loop would drop).
 */
export async function consumeRows(
  path: string,
  opts: ReadOptions,
  onBatch: (rows: Row[]) => void | Promise<void>,
): Promise<ReadSummary> {
  const it = readRows(path, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    await onBatch(r.value);
  }
}
