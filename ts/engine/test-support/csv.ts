// A small RFC 4180 CSV reader for the tests: quoted fields with "" escapes,
// commas and line breaks inside quotes, LF or CRLF record ends.
import fs from 'node:fs';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  let atFieldStart = true;
  while (i < n) {
    const c = text[i];
    if (atFieldStart && c === '"') {
      // Quoted field: up to the closing quote; "" is a literal quote.
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quoted field in record ${rows.length + 1}`);
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      atFieldStart = false;
      const next = text[i];
      if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
        throw new Error(`unexpected character after a quoted field in record ${rows.length + 1}`);
      }
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      // Unquoted run up to the next delimiter.
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      field += text.slice(i, j);
      atFieldStart = false;
      i = j;
    }
  }
  if (!atFieldStart || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface LabelledData {
  texts: string[];
  labels: string[];
}

/** A `text,label` CSV (the shared datasets' format). */
export function readLabelledCsv(file: string): LabelledData {
  const rows = parseCsv(fs.readFileSync(file, 'utf8'));
  const header = rows.shift();
  if (header?.[0] !== 'text' || header[1] !== 'label' || header.length !== 2) {
    throw new Error(`${file}: expected the header "text,label", got ${JSON.stringify(header)}`);
  }
  const texts: string[] = [];
  const labels: string[] = [];
  rows.forEach((r, i) => {
    if (r.length !== 2)
      throw new Error(`${file}: record ${i + 2} has ${r.length} fields, expected 2`);
    texts.push(r[0] as string);
    labels.push(r[1] as string);
  });
  return { texts, labels };
}

/** Rows picked by index, in the given order. */
export function pick(data: LabelledData, indices: readonly number[]): LabelledData {
  return {
    texts: indices.map((i) => data.texts[i] as string),
    labels: indices.map((i) => data.labels[i] as string),
  };
}
