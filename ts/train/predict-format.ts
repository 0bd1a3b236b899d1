/**
 * Output of `sentio predict`: JSONL (default, and stdout) or CSV, chosen by
 * the output file's extension. One record per input row with `label` and
 * `probabilities` (every class → probability); CSV keeps the probabilities
 * as a JSON object in one column so both formats carry the same record.
 * @module
 */
import path from 'node:path';
import { SentioError } from '../errors/index.js';

export type OutputFormat = 'jsonl' | 'csv';

/** Output format from the output file's extension (stdout: JSONL). */
export function outputFormat(file: string | undefined): OutputFormat {
  if (file === undefined) return 'jsonl';
  const ext = path.extname(file.replace(/\.gz$/i, '')).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new SentioError(
    'CLI_USAGE',
    `--output ${file}: unknown extension; use .jsonl (or .ndjson) or .csv`,
  );
}

/** One scored row. */
export interface PredictionRecord {
  /** Input line (1-based) where the row starts; absent for --text. */
  line?: number;
  text: string;
  label: string;
  probabilities: Record<string, number>;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'line,text,label,probabilities\n';

/** A record as a line of the chosen format. */
export function formatRecord(r: PredictionRecord, format: OutputFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(r)}\n`;
  return `${[String(r.line ?? ''), csvField(r.text), csvField(r.label), csvField(JSON.stringify(r.probabilities))].join(',')}\n`;
}
