/**
 * Which reader a file needs, from its name: .csv, .tsv (.tab), .jsonl
 * (.ndjson), .txt, each optionally followed by .gz.
 * @module
 */
import { dataError } from './errors.js';
import type { DataFormat } from './types.js';

export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'tsv', 'jsonl', 'txt'];

const BY_EXTENSION: Record<string, DataFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  txt: 'txt',
};

export function isDataFormat(s: string): s is DataFormat {
  return (DATA_FORMATS as readonly string[]).includes(s);
}

/** The format named by the extension (ignoring a trailing .gz), or an error saying how to choose one. */
export function formatFromPath(file: string): DataFormat {
  const m = /\.([a-z0-9]+)(?:\.gz)?$/i.exec(file);
  const ext = m?.[1]?.toLowerCase() ?? '';
  const format = BY_EXTENSION[ext];
  if (format !== undefined) return format;
  const hint = ext === 'json' ? ' (JSON Lines files, one object per line, end in .jsonl)' : '';
  throw dataError(
    'DATA_UNKNOWN_FORMAT',
    file,
    null,
    `cannot tell the format from the name${hint}; use a .csv, .tsv, .jsonl or .txt name (optionally .gz), or pass the format explicitly (--format csv|tsv|jsonl|txt)`,
  );
}
