// A small RFC 4180 CSV reader for the benches (no dependencies).
//
//   parseCsv(text | Uint8Array)  -> string[][]  (every record, header included)
//   readTextLabelCsv(path)       -> { texts, labels, bytes }  for `text,label` files
//
// RFC 4180: fields separated by ",", records by CRLF or LF (a lone CR inside
// an unquoted field is kept as data), a field that starts with '"' is quoted:
// it runs to the next '"' not followed by another '"', and '""' inside it is
// one '"'. Line breaks and commas inside quoted fields are data. A final line
// break at the end of the file does not start an empty record. A leading
// UTF-8 BOM is skipped. Malformed input (text after a closing quote, a quote
// inside an unquoted field, an unterminated quoted field) throws.
//
// The parser works on the UTF-8 bytes ('"', ',', CR and LF never occur inside
// a multi-byte sequence) and decodes each field on its own, so a mostly-ASCII
// file becomes compact one-byte strings and no copy of the whole file as one
// string stays alive behind them (V8 slices would keep it).
import fs from 'node:fs';

export class CsvError extends Error {}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

function lineAt(buf, pos) {
  let line = 1;
  for (let k = buf.indexOf(LF); k !== -1 && k < pos; k = buf.indexOf(LF, k + 1)) line++;
  return line;
}

/** Every record of `input` (a string, or UTF-8 bytes) as an array of fields. */
export function parseCsv(input) {
  const buf =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const n = buf.length;
  const records = [];
  let record = [];
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  if (i === n) return records;
  for (;;) {
    // One field starts at i.
    let field;
    if (buf[i] === QUOTE) {
      let j = i + 1;
      let parts = null;
      let from = j;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q === -1)
          throw new CsvError(`unterminated quoted field starting on line ${lineAt(buf, i)}`);
        if (buf[q + 1] === QUOTE) {
          if (parts === null) parts = [];
          parts.push(buf.subarray(from, q + 1));
          j = q + 2;
          from = j;
          continue;
        }
        // A field with "" escapes is decoded once from its unescaped bytes:
        // joining decoded pieces would make a V8 cons string, which is
        // flattened (copied) later by whatever reads it whole, such as the
        // engine's copy of the texts, leaving garbage at that moment.
        field =
          parts === null
            ? buf.toString('utf8', from, q)
            : Buffer.concat([...parts, buf.subarray(from, q)]).toString('utf8');
        i = q + 1;
        break;
      }
      const c = buf[i];
      if (i < n && c !== COMMA && c !== LF && !(c === CR && buf[i + 1] === LF)) {
        throw new CsvError(`line ${lineAt(buf, i)}: unexpected character after a closing quote`);
      }
    } else {
      let j = i;
      while (j < n) {
        const c = buf[j];
        if (c === COMMA || c === LF || (c === CR && buf[j + 1] === LF)) break;
        if (c === QUOTE) throw new CsvError(`line ${lineAt(buf, j)}: '"' inside an unquoted field`);
        j++;
      }
      field = buf.toString('utf8', i, j);
      i = j;
    }
    record.push(field);
    // After a field: ",", a record end, or the end of the input.
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (buf[i] === COMMA) {
      i++;
      continue;
    }
    i += buf[i] === CR ? 2 : 1;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}

/**
 * Read a UTF-8 `text,label` CSV (header exactly `text,label`) into two
 * parallel arrays. `bytes` is the file size.
 */
export function readTextLabelCsv(file) {
  const buf = fs.readFileSync(file);
  const records = parseCsv(buf);
  const header = records[0];
  if (
    header === undefined ||
    header.length !== 2 ||
    header[0] !== 'text' ||
    header[1] !== 'label'
  ) {
    throw new CsvError(`${file}: expected the header "text,label", got ${JSON.stringify(header)}`);
  }
  const texts = new Array(records.length - 1);
  const labels = new Array(records.length - 1);
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    if (rec.length !== 2)
      throw new CsvError(`${file}: record ${r} has ${rec.length} fields, expected 2`);
    texts[r - 1] = rec[0];
    labels[r - 1] = rec[1];
  }
  return { texts, labels, bytes: buf.length };
}

/** One field, quoted only when it needs to be (RFC 4180). */
function csvField(s) {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Write `text,label` records as a UTF-8 CSV with LF record ends. */
export function writeTextLabelCsv(file, texts, labels) {
  if (texts.length !== labels.length) throw new CsvError('texts and labels differ in length');
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = [];
    const flush = () => {
      fs.writeSync(fd, chunk.join(''));
      chunk.length = 0;
    };
    chunk.push('text,label\n');
    for (let i = 0; i < texts.length; i++) {
      chunk.push(`${csvField(texts[i])},${csvField(labels[i])}\n`);
      if (chunk.length >= 2048) flush();
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
}
