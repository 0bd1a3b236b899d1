/**
 * The shapes ts/data hands out: rows, read statistics, dataset fingerprints
 * and inspection reports. Kept apart so readers, loaders and the CLI share
 * one vocabulary.
 * @module
 */

/** File formats the readers understand (each optionally gzip'd). */
export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'txt';

export interface ReadOptions {
  /** Overrides the format taken from the file extension. */
  format?: DataFormat;
  /** Column (CSV/TSV header name, JSONL key) holding the text. Default `text`. */
  textColumn?: string;
  /** Column holding the label. Default `label`. */
  labelColumn?: string;
  /**
   * `required`: the label column must exist and rows with an empty label are
   * skipped; `optional`: used when present; `none`: ignored. Default
   * `required`, except for .txt files (which have no labels): `none`.
   */
  labels?: 'required' | 'optional' | 'none';
  /** Trim and lowercase labels (`" Positive"` → `positive`). Default true. */
  normalizeLabels?: boolean;
  /** Rows per yielded batch. Default 2048. */
  batchSize?: number;
  /** Called as raw (possibly compressed) bytes are read. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface Row {
  text: string;
  label?: string;
  /** 1-based physical line where the record starts. */
  line: number;
}

export interface ReadStats {
  /** Data records read (header and blank lines excluded). */
  read: number;
  kept: number;
  skipped: number;
  /** Why rows were skipped, e.g. `{ "empty text": 3 }`. */
  skippedReasons: Record<string, number>;
  /** Blank lines passed over (not records, not counted in `read`). */
  blankLines: number;
}

/** What a completed read knows about the file as a whole. */
export interface ReadSummary {
  path: string;
  format: DataFormat;
  gzip: boolean;
  /** sha256 (hex) of the raw file bytes, as stored on disk (compressed if gzip'd). */
  sha256: string;
  /** Raw file size in bytes. */
  bytes: number;
  /** Column names as found in the file (CSV/TSV header; JSONL: the chosen keys). */
  columns: { text: string; label: string | null };
  stats: ReadStats;
}

export interface TextLengthStats {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
}

export interface DatasetFingerprint {
  /** sha256 of the raw file bytes: the identity of the file. */
  sha256: string;
  rows: number;
  labels: Record<string, number>;
  /** In characters (UTF-16 code units). */
  textLength: TextLengthStats;
  path: string;
  format: DataFormat;
  bytes: number;
  gzip: boolean;
  columns: { text: string; label: string | null };
}

export interface Dataset {
  texts: string[];
  labels: string[];
  /** Physical line of each row in the file, for error messages. */
  lines: number[];
  fingerprint: DatasetFingerprint;
  stats: ReadStats;
}

export interface LengthBucket {
  /** Inclusive lower bound, in characters. */
  from: number;
  /** Exclusive upper bound; null for the open last bucket. */
  to: number | null;
  count: number;
}

export interface TokenCount {
  token: string;
  /** Documents (rows) of the class that contain the token. */
  count: number;
}

export interface DistinctiveToken extends TokenCount {
  /** z-score of the weighted log-odds ratio (informative Dirichlet prior) of the class vs the others. */
  score: number;
}

export interface InspectReport {
  path: string;
  format: DataFormat;
  gzip: boolean;
  bytes: number;
  sha256: string;
  columns: { text: string; label: string | null };
  stats: ReadStats;
  /** Rows kept (= stats.kept). */
  rows: number;
  /** Label balance, most frequent first; empty when the file has no labels. */
  labels: { label: string; count: number; share: number }[];
  /** Most frequent / least frequent class count (1 = balanced); null without labels. */
  imbalance: number | null;
  length: TextLengthStats & { unit: 'characters'; histogram: LengthBucket[] };
  tokens: { mean: number; p50: number; p90: number; vocabulary: number };
  duplicates: {
    /** Rows whose exact text already appeared on an earlier row. */
    rows: number;
    distinctTexts: number;
    /** Distinct texts that appear with more than one label. */
    conflictingLabels: number;
  };
  /** Rows skipped for an empty text / an empty label. */
  empty: { text: number; label: number };
  /** Per class: the most common tokens (common English function words left out). */
  topTokens: Record<string, TokenCount[]>;
  /** Per class (when there are 2+): tokens most typical of it relative to the others. */
  distinctiveTokens: Record<string, DistinctiveToken[]>;
}
