/**
 * Per-format record extraction: turns decoded text chunks into raw
 * (text, label, line) triples, checking structure on the way: the header
 * and column names (CSV/TSV), the field count of every record, one JSON
 * object per line (JSONL). Normalising and skipping happen later, in
 * read-rows.ts, the same way for every format.
 * @module
 */
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { dataError } from './errors.js';
import { type Line, LineSplitter } from './line-splitter.js';
import type { DataFormat } from './types.js';

export interface RawRow {
  /** null: the value is absent or JSON null (treated as empty). */
  text: string | null;
  label: string | null;
  line: number;
}

export interface ColumnRequest {
  text: string;
  label: string;
  labels: 'required' | 'optional' | 'none';
}

export interface RecordExtractor {
  push(chunk: string, out: RawRow[]): void;
  end(out: RawRow[]): void;
  /** Column names actually used (known once the header or first object was seen). */
  readonly columns: { text: string; label: string | null };
  /** Empty physical lines passed over. */
  readonly blankLines: number;
  /** True once a header (CSV/TSV) or any line (JSONL/TXT) was seen. */
  readonly sawContent: boolean;
}

export function createExtractor(
  format: DataFormat,
  file: string,
  cols: ColumnRequest,
): RecordExtractor {
  switch (format) {
    case 'csv':
      return new DelimitedExtractor(file, cols, new CsvSource(file, ','));
    case 'tsv':
      return new DelimitedExtractor(file, cols, new TsvSource());
    case 'jsonl':
      return new JsonlExtractor(file, cols);
    case 'txt':
      return new TextExtractor();
  }
}

/** Where a delimited format's records come from. */
interface FieldSource {
  push(chunk: string, out: CsvRecord[]): void;
  end(out: CsvRecord[]): void;
}

class CsvSource implements FieldSource {
  private readonly parser: CsvParser;
  constructor(file: string, delimiter: string) {
    this.parser = new CsvParser(file, delimiter);
  }
  push(chunk: string, out: CsvRecord[]): void {
    this.parser.push(chunk, out);
  }
  end(out: CsvRecord[]): void {
    this.parser.end(out);
  }
}

/**
 * TSV as IANA text/tab-separated-values: one record per line, fields split
 * on tabs, no quoting (a `"` is an ordinary character, as in GLUE's SST-2).
 */
class TsvSource implements FieldSource {
  private readonly lines = new LineSplitter();
  private readonly buf: Line[] = [];
  push(chunk: string, out: CsvRecord[]): void {
    this.lines.push(chunk, this.buf);
    this.drain(out);
  }
  end(out: CsvRecord[]): void {
    this.lines.end(this.buf);
    this.drain(out);
  }
  private drain(out: CsvRecord[]): void {
    for (const l of this.buf)
      out.push({ fields: l.text.split('\t'), line: l.line, blank: l.text === '' });
    this.buf.length = 0;
  }
}

/** Find `name` among header names: exact, else one case-insensitive trimmed match. */
export function findColumn(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const want = name.trim().toLowerCase();
  const loose = header.flatMap((h, i) => (h.trim().toLowerCase() === want ? [i] : []));
  return loose.length === 1 ? (loose[0] as number) : -1;
}

function missingColumn(
  file: string,
  line: number,
  what: string,
  name: string,
  available: readonly string[],
) {
  const list = available.length > 0 ? available.map((a) => JSON.stringify(a)).join(', ') : 'none';
  return dataError(
    'DATA_MISSING_COLUMN',
    file,
    line,
    `no ${what} column ${JSON.stringify(name)} (available columns: ${list})`,
    { column: name, available: [...available] },
  );
}

class DelimitedExtractor implements RecordExtractor {
  columns: { text: string; label: string | null };
  blankLines = 0;
  sawContent = false;
  private header: string[] | null = null;
  private textAt = -1;
  private labelAt = -1;
  private readonly records: CsvRecord[] = [];

  constructor(
    private readonly file: string,
    private readonly cols: ColumnRequest,
    private readonly source: FieldSource,
  ) {
    this.columns = { text: cols.text, label: cols.labels === 'none' ? null : cols.label };
  }

  push(chunk: string, out: RawRow[]): void {
    this.source.push(chunk, this.records);
    this.drain(out);
  }

  end(out: RawRow[]): void {
    this.source.end(this.records);
    this.drain(out);
  }

  private drain(out: RawRow[]): void {
    for (const rec of this.records) {
      if (rec.blank) {
        this.blankLines++;
        continue;
      }
      if (this.header === null) {
        this.useHeader(rec);
        continue;
      }
      const n = this.header.length;
      if (rec.fields.length !== n) {
        throw dataError(
          'DATA_MALFORMED',
          this.file,
          rec.line,
          `expected ${n} fields (${this.header.join(', ')}) but found ${rec.fields.length}` +
            (rec.fields.length > n && this.source instanceof CsvSource
              ? ' (a text with a comma must be quoted)'
              : ''),
          { kind: 'column_count', expected: n, found: rec.fields.length },
        );
      }
      out.push({
        text: rec.fields[this.textAt] as string,
        label: this.labelAt < 0 ? null : (rec.fields[this.labelAt] as string),
        line: rec.line,
      });
    }
    this.records.length = 0;
  }

  private useHeader(rec: CsvRecord): void {
    this.header = rec.fields;
    this.sawContent = true;
    this.textAt = findColumn(rec.fields, this.cols.text);
    if (this.textAt < 0)
      throw missingColumn(this.file, rec.line, 'text', this.cols.text, rec.fields);
    if (this.cols.labels !== 'none') {
      this.labelAt = findColumn(rec.fields, this.cols.label);
      if (this.labelAt < 0 && this.cols.labels === 'required') {
        throw missingColumn(this.file, rec.line, 'label', this.cols.label, rec.fields);
      }
    }
    this.columns = {
      text: rec.fields[this.textAt] as string,
      label: this.labelAt < 0 ? null : (rec.fields[this.labelAt] as string),
    };
  }
}

class JsonlExtractor implements RecordExtractor {
  columns: { text: string; label: string | null };
  blankLines = 0;
  sawContent = false;
  private readonly lines = new LineSplitter();
  private readonly buf: Line[] = [];
  private sawLabel = false;

  constructor(
    private readonly file: string,
    private readonly cols: ColumnRequest,
  ) {
    this.columns = { text: cols.text, label: null };
  }

  push(chunk: string, out: RawRow[]): void {
    this.lines.push(chunk, this.buf);
    this.drain(out);
  }

  end(out: RawRow[]): void {
    this.lines.end(this.buf);
    this.drain(out);
  }

  private drain(out: RawRow[]): void {
    for (const l of this.buf) {
      if (l.text.trim() === '') {
        this.blankLines++;
        continue;
      }
      this.sawContent = true;
      let obj: unknown;
      try {
        obj = JSON.parse(l.text);
      } catch (e) {
        throw dataError('DATA_MALFORMED', this.file, l.line, `bad JSON: ${(e as Error).message}`, {
          kind: 'bad_json',
        });
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        throw dataError(
          'DATA_MALFORMED',
          this.file,
          l.line,
          'expected a JSON object on every line',
          {
            kind: 'not_an_object',
          },
        );
      }
      const rec = obj as Record<string, unknown>;
      if (!(this.cols.text in rec))
        throw missingColumn(this.file, l.line, 'text', this.cols.text, Object.keys(rec));
      let label: string | null = null;
      if (this.cols.labels !== 'none') {
        if (this.cols.label in rec) {
          label = this.scalar(rec[this.cols.label], this.cols.label, l.line);
          if (!this.sawLabel) {
            this.sawLabel = true;
            this.columns = { text: this.cols.text, label: this.cols.label };
          }
        } else if (this.cols.labels === 'required') {
          throw missingColumn(this.file, l.line, 'label', this.cols.label, Object.keys(rec));
        }
      }
      out.push({
        text: this.scalar(rec[this.cols.text], this.cols.text, l.line),
        label,
        line: l.line,
      });
    }
    this.buf.length = 0;
  }

  /** Strings as they are, numbers and booleans as text, null as absent; nothing else. */
  private scalar(v: unknown, key: string, line: number): string | null {
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return null;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw dataError(
      'DATA_MALFORMED',
      this.file,
      line,
      `"${key}" must be a string, number or boolean`,
      {
        kind: 'bad_value',
      },
    );
  }
}

/** One text per line, no labels. */
class TextExtractor implements RecordExtractor {
  readonly columns = { text: 'line', label: null };
  blankLines = 0;
  sawContent = false;
  private readonly lines = new LineSplitter();
  private readonly buf: Line[] = [];

  push(chunk: string, out: RawRow[]): void {
    this.lines.push(chunk, this.buf);
    this.drain(out);
  }

  end(out: RawRow[]): void {
    this.lines.end(this.buf);
    this.drain(out);
  }

  private drain(out: RawRow[]): void {
    for (const l of this.buf) {
      if (l.text === '') {
        this.blankLines++;
        continue;
      }
      this.sawContent = true;
      out.push({ text: l.text, label: null, line: l.line });
    }
    this.buf.length = 0;
  }
}
