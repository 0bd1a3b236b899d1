/**
 * CSV for the batch mode (RFC 4180: quoted fields, `""` escapes, line breaks
 * inside quotes, LF or CRLF), the same dialect `sentio predict` reads and
 * writes. Parsing is one pass over the string; errors name the line.
 * @module
 */
import { WebError } from './errors';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') endField();
    else if (c === '\n') {
      endRow();
      line++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      // CRLF: the \n ends the row
    } else field += c;
    i++;
  }
  if (quoted) {
    throw new WebError(
      'WEB_CSV',
      `line ${quoteLine}: unclosed quote: the quoted field that starts on this line is never closed`,
    );
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: ReadonlyArray<string | number>): string {
  return `${fields.map(csvField).join(',')}\n`;
}
