// The test-support CSV reader (RFC 4180) against hand-made and shared files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from './test-support/csv.js';
import { airline, uci } from './test-support/datasets.js';

test('parseCsv: quotes, escaped quotes, commas and line breaks in fields, CRLF', () => {
  const text = 'text,label\r\n"a, ""b""\nc",x\nplain,y\n"",z\nlast,w';
  assert.deepEqual(parseCsv(text), [
    ['text', 'label'],
    ['a, "b"\nc', 'x'],
    ['plain', 'y'],
    ['', 'z'],
    ['last', 'w'],
  ]);
  assert.throws(() => parseCsv('"open'), /unterminated/);
});

test('shared datasets read with the documented row counts and labels', () => {
  const u = uci();
  assert.equal(u.texts.length, 3000);
  assert.deepEqual([...new Set(u.labels)].sort(), ['negative', 'positive']);
  const a = airline();
  assert.equal(a.texts.length, 14640);
  assert.deepEqual([...new Set(a.labels)].sort(), ['negative', 'neutral', 'positive']);
});
