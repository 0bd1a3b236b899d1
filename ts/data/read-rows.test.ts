import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { consumeRows, type ReadOptions, type Row, readRows } from './index.js';
import { rejectsWith, tempFile } from './test-support/fixtures.js';

async function all(
  file: string,
  opts: ReadOptions = {},
): Promise<{ rows: Row[]; summary: Awaited<ReturnType<typeof consumeRows>> }> {
  const rows: Row[] = [];
  const summary = await consumeRows(file, opts, (b) => {
    rows.push(...b);
  });
  return { rows, summary };
}

const CSV =
  'text,label\n"Great, really",Positive\nawful,negative\n"line one\nline two", neutral \n';
const EXPECTED: Row[] = [
  { text: 'Great, really', label: 'positive', line: 2 },
  { text: 'awful', label: 'negative', line: 3 },
  { text: 'line one\nline two', label: 'neutral', line: 4 },
];

describe('readRows: formats', () => {
  it('reads CSV with quoting, normalising labels', async () => {
    const { rows, summary } = await all(tempFile('a.csv', CSV));
    assert.deepEqual(rows, EXPECTED);
    assert.deepEqual(summary.stats, {
      read: 3,
      kept: 3,
      skipped: 0,
      skippedReasons: {},
      blankLines: 0,
    });
    assert.equal(summary.format, 'csv');
    assert.deepEqual(summary.columns, { text: 'text', label: 'label' });
  });

  it('reads CRLF CSV with a BOM', async () => {
    const { rows } = await all(tempFile('crlf.csv', `\uFEFF${CSV.replace(/\n/g, '\r\n')}`));
    assert.deepEqual(
      rows.map((r) => [r.text, r.label, r.line]),
      [
        ['Great, really', 'positive', 2],
        ['awful', 'negative', 3],
        ['line one\r\nline two', 'neutral', 4],
      ],
    );
  });

  it('reads gzip-compressed files of every format', async () => {
    const plain = await all(tempFile('a.csv', CSV));
    const gz = await all(tempFile('a.csv.gz', CSV));
    assert.deepEqual(gz.rows, plain.rows);
    assert.equal(gz.summary.gzip, true);
    assert.equal(gz.summary.format, 'csv');
    const tsv = await all(tempFile('a.tsv.gz', 'label\ttext\npos\tgood "quoted" film\nneg\tbad\n'));
    assert.deepEqual(
      tsv.rows.map((r) => [r.text, r.label]),
      [
        ['good "quoted" film', 'pos'],
        ['bad', 'neg'],
      ],
    );
    const jsonl = await all(
      tempFile('a.jsonl.gz', '{"text":"hi","label":"A"}\n{"text":"yo","label":"b"}\n'),
    );
    assert.deepEqual(
      jsonl.rows.map((r) => [r.text, r.label]),
      [
        ['hi', 'a'],
        ['yo', 'b'],
      ],
    );
    const txt = await all(tempFile('a.txt.gz', 'first text\nsecond text\n'));
    assert.deepEqual(txt.rows, [
      { text: 'first text', line: 1 },
      { text: 'second text', line: 2 },
    ]);
  });

  it('detects gzip data by its magic bytes whatever the name', async () => {
    const { rows } = await all(tempFile('really-gzip.csv', gzipSync(Buffer.from(CSV))));
    assert.deepEqual(rows, EXPECTED);
  });

  it('reads TSV without quoting (quotes are ordinary characters)', async () => {
    const { rows } = await all(tempFile('a.tsv', 'text\tlabel\n"it\'s" ok\tpos\r\nno\tneg\n'));
    assert.deepEqual(rows, [
      { text: '"it\'s" ok', label: 'pos', line: 2 },
      { text: 'no', label: 'neg', line: 3 },
    ]);
  });

  it('reads JSONL: numbers and booleans as labels, blank lines ignored, other keys ignored', async () => {
    const file = tempFile(
      'a.jsonl',
      '{"review":"fine","stars":5,"id":1}\n\n{"review":"meh","stars":2}\n{"review":"ok","stars":true}',
    );
    const { rows, summary } = await all(file, { textColumn: 'review', labelColumn: 'stars' });
    assert.deepEqual(rows, [
      { text: 'fine', label: '5', line: 1 },
      { text: 'meh', label: '2', line: 3 },
      { text: 'ok', label: 'true', line: 4 },
    ]);
    assert.equal(summary.stats.blankLines, 1);
    assert.deepEqual(summary.columns, { text: 'review', label: 'stars' });
  });

  it('reads text-per-line files without labels', async () => {
    const { rows, summary } = await all(tempFile('a.txt', 'one\n\n  \ntwo\r\n'));
    assert.deepEqual(rows, [
      { text: 'one', line: 1 },
      { text: 'two', line: 4 },
    ]);
    assert.deepEqual(summary.stats.skippedReasons, { 'empty text': 1 });
    assert.equal(summary.stats.blankLines, 1);
  });

  it('honours an explicit format over the extension', async () => {
    const { rows } = await all(tempFile('data.dat', CSV), { format: 'csv' });
    assert.equal(rows.length, 3);
  });
});

describe('readRows: columns and labels', () => {
  it('selects columns by name, in any order, among others', async () => {
    const file = tempFile('cols.csv', 'id,label,body,extra\n1,pos,nice,x\n2,neg,bad,y\n');
    const { rows, summary } = await all(file, { textColumn: 'body' });
    assert.deepEqual(
      rows.map((r) => [r.text, r.label]),
      [
        ['nice', 'pos'],
        ['bad', 'neg'],
      ],
    );
    assert.deepEqual(summary.columns, { text: 'body', label: 'label' });
  });

  it('matches column names case-insensitively when there is no exact match', async () => {
    const { rows, summary } = await all(tempFile('case.csv', 'Text, Label\nhi,pos\n'));
    assert.deepEqual(rows, [{ text: 'hi', label: 'pos', line: 2 }]);
    assert.deepEqual(summary.columns, { text: 'Text', label: ' Label' });
  });

  it('keeps labels as written with normalizeLabels: false', async () => {
    const { rows } = await all(tempFile('raw.csv', CSV), { normalizeLabels: false });
    assert.deepEqual(
      rows.map((r) => r.label),
      ['Positive', 'negative', ' neutral '],
    );
  });

  it('labels: optional keeps unlabelled rows; none ignores the label column', async () => {
    const file = tempFile('opt.csv', 'text,label\na,x\nb,\n');
    const opt = await all(file, { labels: 'optional' });
    assert.deepEqual(opt.rows, [
      { text: 'a', label: 'x', line: 2 },
      { text: 'b', line: 3 },
    ]);
    const none = await all(tempFile('none.csv', 'text\na\nb\n'), { labels: 'none' });
    assert.deepEqual(
      none.rows.map((r) => r.text),
      ['a', 'b'],
    );
    assert.deepEqual(none.summary.columns, { text: 'text', label: null });
  });

  it('skips rows with empty text or empty label and says why', async () => {
    const file = tempFile(
      'skips.csv',
      'text,label\ngood,pos\n,neg\n   ,pos\nfine,\nok,  \n"",x\nyes,neg\n\n',
    );
    const { rows, summary } = await all(file);
    assert.deepEqual(
      rows.map((r) => r.line),
      [2, 8],
    );
    assert.deepEqual(summary.stats, {
      read: 7,
      kept: 2,
      skipped: 5,
      skippedReasons: { 'empty text': 3, 'empty label': 2 },
      blankLines: 1,
    });
  });
});

describe('readRows: streaming', () => {
  it('yields batches of batchSize and reports progress up to the file size', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `text ${i},${i % 2 ? 'a' : 'b'}`);
    const file = tempFile('many.csv', `text,label\n${lines.join('\n')}\n`);
    const sizes: number[] = [];
    const progress: number[] = [];
    let total = 0;
    for await (const batch of readRows(file, {
      batchSize: 300,
      onProgress: (done, t) => {
        progress.push(done);
        total = t;
      },
    })) {
      sizes.push(batch.length);
    }
    assert.deepEqual(sizes, [300, 300, 300, 100]);
    assert.equal(total, fs.statSync(file).size);
    assert.equal(progress.at(-1), total);
  });

  it('streams a file larger than one read chunk, with a record across the boundary', async () => {
    // ~3 MB of multi-line quoted records: several 1 MiB reads, quotes split across them.
    const rec = (i: number) =>
      `"row ${i} ""quoted""\n${'é'.repeat(50)} ${'x'.repeat(i % 97)}",${i % 3}\n`;
    const parts = ['text,label\n'];
    for (let i = 0; i < 20000; i++) parts.push(rec(i));
    const file = tempFile('big.csv', parts.join(''));
    const { rows, summary } = await all(file);
    assert.equal(rows.length, 20000);
    assert.equal(
      rows[12345]?.text,
      `row 12345 "quoted"\n${'é'.repeat(50)} ${'x'.repeat(12345 % 97)}`,
    );
    assert.equal(rows[12345]?.line, 2 + 12345 * 2);
    assert.equal(summary.sha256, createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  });

  it('can stop early without reading the rest', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `t${i},x`);
    const file = tempFile('early.csv', `text,label\n${lines.join('\n')}\n`);
    let batches = 0;
    for await (const _ of readRows(file, { batchSize: 10 })) {
      batches++;
      if (batches === 2) break;
    }
    assert.equal(batches, 2);
  });
});

describe('readRows: malformed input fails with code, file and line', () => {
  it('unclosed quote', async () => {
    const file = tempFile('unclosed.csv', 'text,label\nok,pos\n"never closed,neg\nmore,pos\n');
    const e = await rejectsWith(() => all(file), 'DATA_MALFORMED', {
      line: 3,
      kind: 'unclosed_quote',
      file,
    });
    assert.match(e.message, /unclosed-?\S*\.csv:3: unclosed quote/);
  });

  it('wrong column count, counting lines inside quoted fields', async () => {
    const file = tempFile('cols.csv', 'text,label\n"two\nlines",pos\nan, unquoted comma,neg\n');
    const e = await rejectsWith(() => all(file), 'DATA_MALFORMED', {
      line: 4,
      kind: 'column_count',
      expected: 2,
      found: 3,
    });
    assert.match(e.message, /expected 2 fields \(text, label\) but found 3/);
    await rejectsWith(
      () => all(tempFile('few.tsv', 'text\tlabel\nonly one field\n')),
      'DATA_MALFORMED',
      {
        line: 2,
        kind: 'column_count',
      },
    );
  });

  it('missing column names the available ones', async () => {
    const file = tempFile('miss.csv', 'body,sentiment\nx,y\n');
    const e = await rejectsWith(() => all(file), 'DATA_MISSING_COLUMN', {
      line: 1,
      column: 'text',
      available: ['body', 'sentiment'],
    });
    assert.match(e.message, /no text column "text" \(available columns: "body", "sentiment"\)/);
    await rejectsWith(() => all(file, { textColumn: 'body' }), 'DATA_MISSING_COLUMN', {
      column: 'label',
    });
    const jsonl = tempFile('miss.jsonl', '{"text":"a","label":"x"}\n{"txt":"b","label":"y"}\n');
    await rejectsWith(() => all(jsonl), 'DATA_MISSING_COLUMN', {
      line: 2,
      available: ['txt', 'label'],
    });
    await rejectsWith(
      () => all(tempFile('t.txt', 'a\n'), { labels: 'required' }),
      'DATA_MISSING_COLUMN',
    );
  });

  it('non-UTF-8 bytes: the line of the first bad byte', async () => {
    const bytes = Buffer.concat([
      Buffer.from('text,label\ncafé,pos\nprice \u00a3'),
      Buffer.from([0xa3]),
      Buffer.from('5,neg\n'),
    ]);
    const file = tempFile('latin1.csv', bytes);
    const e = await rejectsWith(() => all(file), 'DATA_ENCODING', { line: 3, byte: 0xa3 });
    assert.match(e.message, /latin1\.csv:3: not valid UTF-8 \(byte 0xA3\)/);
    await rejectsWith(() => all(tempFile('latin1.csv.gz', bytes)), 'DATA_ENCODING', { line: 3 });
  });

  it('non-UTF-8 far into a large file, and a character cut off at the end', async () => {
    const head = `text,label\n${'abc,x\n'.repeat(400000)}`; // 2.4 MB: past the first read chunks
    const file = tempFile(
      'late.csv',
      Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(',y\n')]),
    );
    await rejectsWith(() => all(file), 'DATA_ENCODING', { line: 400002 });
    const cut = tempFile(
      'cut.csv',
      Buffer.concat([Buffer.from('text,label\nab,'), Buffer.from([0xe2, 0x82])]),
    );
    const e = await rejectsWith(() => all(cut), 'DATA_ENCODING', { line: 2 });
    assert.match(e.message, /middle of a multi-byte character/);
  });

  it('bad JSON and non-object lines in JSONL', async () => {
    const file = tempFile('bad.jsonl', '{"text":"a","label":"x"}\n{"text": "b", "label": }\n');
    const e = await rejectsWith(() => all(file), 'DATA_MALFORMED', { line: 2, kind: 'bad_json' });
    assert.match(e.message, /bad\.jsonl:2: bad JSON/);
    await rejectsWith(() => all(tempFile('arr.jsonl', '["a","b"]\n')), 'DATA_MALFORMED', {
      line: 1,
      kind: 'not_an_object',
    });
    await rejectsWith(
      () => all(tempFile('obj.jsonl', '{"text":{"a":1},"label":"x"}\n')),
      'DATA_MALFORMED',
      {
        kind: 'bad_value',
      },
    );
  });

  it('empty files', async () => {
    await rejectsWith(() => all(tempFile('empty.csv', '')), 'DATA_EMPTY');
    await rejectsWith(() => all(tempFile('blank.tsv', '\n\n')), 'DATA_EMPTY');
  });

  it('broken gzip data', async () => {
    await rejectsWith(() => all(tempFile('fake.csv.gz.raw', 'x')), 'DATA_UNKNOWN_FORMAT');
    const plain = tempFile('plain.csv', CSV);
    const renamed = `${plain}.gz`;
    fs.copyFileSync(plain, renamed);
    await rejectsWith(() => all(renamed), 'DATA_MALFORMED', { kind: 'bad_gzip' });
    const gz = gzipSync(Buffer.from(CSV.repeat(200)));
    const truncated = tempFile('trunc.bin', gz.subarray(0, gz.length - 30));
    await rejectsWith(() => all(truncated, { format: 'csv' }), 'DATA_MALFORMED', {
      kind: 'bad_gzip',
    });
  });

  it('missing files and unknown extensions', async () => {
    await rejectsWith(() => all('/nonexistent/dir/data.csv'), 'DATA_NOT_FOUND', {
      file: '/nonexistent/dir/data.csv',
    });
    await rejectsWith(() => all('/nonexistent/data.json'), 'DATA_NOT_FOUND');
    await rejectsWith(() => all(path.dirname(tempFile('x.csv', ''))), 'DATA_NOT_FOUND', {
      reason: 'is a directory, not a data file',
    });
    const e = await rejectsWith(() => all(tempFile('data.json', '[]')), 'DATA_UNKNOWN_FORMAT');
    assert.match(e.message, /\.jsonl/);
  });
});
