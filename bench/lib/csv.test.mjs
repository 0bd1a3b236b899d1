// node --test bench/lib/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseCsv, readTextLabelCsv, writeTextLabelCsv } from './csv.mjs';

test('parses RFC 4180 quoting, CRLF and LF records, empty fields', () => {
  assert.deepEqual(parseCsv('a,b\n"x, ""y""\nz",2\r\n,\n'), [
    ['a', 'b'],
    ['x, "y"\nz', '2'],
    ['', ''],
  ]);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
  assert.deepEqual(parseCsv('\ufeffa,"b"\n""'), [['a', 'b'], ['']]);
  assert.deepEqual(parseCsv('a\rb,c\n'), [['a\rb', 'c']]);
  assert.deepEqual(parseCsv(''), []);
});

test('rejects malformed input', () => {
  assert.throws(() => parseCsv('"abc'), /unterminated/);
  assert.throws(() => parseCsv('"a"b,c'), /after a closing quote/);
  assert.throws(() => parseCsv('a"b,c'), /inside an unquoted field/);
});

test('writeTextLabelCsv round-trips through readTextLabelCsv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-test-'));
  try {
    const file = path.join(dir, 'x.csv');
    const texts = ['plain', 'with, comma', 'with "quotes"', 'multi\nline', ''];
    const labels = ['a', 'b', 'a', 'b', 'a'];
    writeTextLabelCsv(file, texts, labels);
    const back = readTextLabelCsv(file);
    assert.deepEqual(back.texts, texts);
    assert.deepEqual(back.labels, labels);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
