/**
 * An incremental RFC 4180 parser: text arrives in chunks of any size (a chunk
 * may end inside a quoted field, between `""`, or between CR and LF) and
 * complete records come out with the physical line they start on. Nothing
 * but the record being parsed is held, so files of any size stream through.
 *
 * Accepted: quoted fields with `""` escapes, delimiters and line breaks
 * inside quotes, LF / CRLF / CR record ends, a final record without a line
 * break. A `"` inside an unquoted field is kept as a literal character (as
 * Python's csv module does). Rejected: text after a closing quote
 * (`"a"b,`), a quote never closed.
 * @module
 */
import { dataError } from './errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line where the record starts. */
  line: number;
  /** True for an empty physical line (one unquoted empty field). */
  blank: boolean;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

// Parser states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just saw a `"` inside a quoted field: an escape or the closing quote. */
const QUOTE_IN_QUOTED = 3;

/** A quoted field longer than this is almost surely an unclosed quote. */
export const MAX_FIELD_CHARS = 64 * 1024 * 1024;

/** Index of `ch` at or after `from`, or the string length when absent. */
function indexOrEnd(s: string, ch: string, from: number): number {
  const k = s.indexOf(ch, from);
  return k < 0 ? s.length : k;
}

export class CsvParser {
  private state: number = FIELD_START;
  private field = '';
  private fields: string[] = [];
  private quotedRecord = false;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  /** The last chunk ended with a CR record end; a leading LF belongs to it. */
  private skipLF = false;

  constructor(
    private readonly file: string,
    private readonly delimiter = ',',
    private readonly maxFieldChars = MAX_FIELD_CHARS,
  ) {}

  /** Parse `chunk`, appending every record it completes to `out`. */
  push(chunk: string, out: CsvRecord[]): void {
    const n = chunk.length;
    const delim = this.delimiter.charCodeAt(0);
    let i = 0;
    if (this.skipLF && n > 0) {
      this.skipLF = false;
      if (chunk.charCodeAt(0) === LF) i = 1;
    }
    // Position of the next LF at or after some index, cached so counting the
    // line breaks inside quoted fields stays linear in the chunk length.
    let nextLF = -1;
    while (i < n) {
      switch (this.state) {
        case FIELD_START:
          if (chunk.charCodeAt(i) === QUOTE) {
            this.state = QUOTED;
            this.quotedRecord = true;
            this.quoteLine = this.line;
            i++;
            break;
          }
          this.state = UNQUOTED;
          break;
        case UNQUOTED: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = chunk.charCodeAt(j);
            if (c === delim || c === LF || c === CR) break;
            j++;
          }
          this.append(chunk, i, j);
          if (j === n) {
            i = n;
            break;
          }
          if (c === delim) {
            this.fields.push(this.field);
            this.field = '';
            this.state = FIELD_START;
            i = j + 1;
          } else {
            i = this.endOfLine(chunk, j, out);
          }
          break;
        }
        case QUOTED: {
          const q = chunk.indexOf('"', i);
          const end = q < 0 ? n : q;
          // Count the line breaks the quoted text spans.
          if (nextLF < i) nextLF = indexOrEnd(chunk, '\n', i);
          while (nextLF < end) {
            this.line++;
            nextLF = indexOrEnd(chunk, '\n', nextLF + 1);
          }
          this.append(chunk, i, end);
          if (this.field.length > this.maxFieldChars) {
            throw dataError(
              'DATA_MALFORMED',
              this.file,
              this.quoteLine,
              `the quoted field that starts here runs for more than ${this.maxFieldChars} characters (unclosed quote?)`,
              { kind: 'record_too_long' },
            );
          }
          if (q < 0) {
            i = n;
          } else {
            this.state = QUOTE_IN_QUOTED;
            i = q + 1;
          }
          break;
        }
        case QUOTE_IN_QUOTED: {
          const c = chunk.charCodeAt(i);
          if (c === QUOTE) {
            this.field += '"';
            this.state = QUOTED;
            i++;
          } else if (c === delim) {
            this.fields.push(this.field);
            this.field = '';
            this.state = FIELD_START;
            i++;
          } else if (c === LF || c === CR) {
            i = this.endOfLine(chunk, i, out);
          } else {
            throw dataError(
              'DATA_MALFORMED',
              this.file,
              this.line,
              `unexpected text after a closing quote (a quote inside a quoted field must be doubled: "")`,
              { kind: 'text_after_quote' },
            );
          }
          break;
        }
      }
    }
  }

  /** End of input: flush the last record, or fail on an unclosed quote. */
  end(out: CsvRecord[]): void {
    if (this.state === QUOTED) {
      throw dataError(
        'DATA_MALFORMED',
        this.file,
        this.quoteLine,
        'unclosed quote: the quoted field that starts on this line is never closed',
        { kind: 'unclosed_quote' },
      );
    }
    if (this.state !== FIELD_START || this.fields.length > 0) this.emit(out);
  }

  private append(chunk: string, from: number, to: number): void {
    if (to > from)
      this.field = this.field === '' ? chunk.slice(from, to) : this.field + chunk.slice(from, to);
  }

  /** A record ends at the CR or LF at `j`; returns the index after it. */
  private endOfLine(chunk: string, j: number, out: CsvRecord[]): number {
    this.emit(out);
    this.line++;
    this.recordLine = this.line;
    if (chunk.charCodeAt(j) === CR) {
      if (j + 1 < chunk.length) return chunk.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
      this.skipLF = true;
    }
    return j + 1;
  }

  private emit(out: CsvRecord[]): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.field === '' && !this.quotedRecord;
    out.push({ fields: this.fields, line: this.recordLine, blank });
    this.fields = [];
    this.field = '';
    this.quotedRecord = false;
    this.state = FIELD_START;
  }
}
