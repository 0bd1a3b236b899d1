/**
 * Incremental line splitting for the line-oriented formats (TSV, JSONL,
 * text-per-line): chunks in, complete lines out with their 1-based line
 * numbers. LF and CRLF both end a line; only the unfinished tail of the
 * current line is carried between chunks.
 * @module
 */

export interface Line {
  text: string;
  line: number;
}

export class LineSplitter {
  private carry = '';
  private line = 1;

  push(chunk: string, out: Line[]): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl >= 0) {
      let text = chunk.slice(start, nl);
      if (this.carry !== '') {
        text = this.carry + text;
        this.carry = '';
      }
      out.push({ text: stripCR(text), line: this.line++ });
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.carry += chunk.slice(start);
  }

  /** The last line, when the input does not end with a line break. */
  end(out: Line[]): void {
    if (this.carry !== '') out.push({ text: stripCR(this.carry), line: this.line++ });
    this.carry = '';
  }
}

function stripCR(s: string): string {
  return s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
