import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SentioError } from '../errors/index.js';
import { CsvParser, type CsvRecord } from './csv-parser.js';

/** Parse `text` fed in pieces of `sizes` (cycled); records as [line, ...fields]. */
function parse(text: string, chunk = text.length, delimiter = ','): (string | number)[][] {
  const p = new CsvParser('t.csv', delimiter);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk), out);
  p.end(out);
  return out.filter((r) => !r.blank).map((r) => [r.line, ...r.fields]);
}

/** The same records whatever the chunking: whole, every split point, one char at a time. */
function parseEverywhere(text: string): (string | number)[][] {
  const whole = parse(text);
  for (let cut = 1; cut < text.length; cut++) {
    const p = new CsvParser('t.csv');
    const out: CsvRecord[] = [];
    p.push(text.slice(0, cut), out);
    p.push(text.slice(cut), out);
    p.end(out);
    assert.deepEqual(
      out.filter((r) => !r.blank).map((r) => [r.line, ...r.fields]),
      whole,
      `split at ${cut}`,
    );
  }
  assert.deepEqual(parse(text, 1), whole, 'one character per chunk');
  return whole;
}

describe('CsvParser (RFC 4180, streaming)', () => {
  it('parses plain records with their line numbers', () => {
    assert.deepEqual(parseEverywhere('text,label\nhello,pos\nbye,neg\n'), [
      [1, 'text', 'label'],
      [2, 'hello', 'pos'],
      [3, 'bye', 'neg'],
    ]);
  });

  it('handles quoted fields with delimiters, escaped quotes and line breaks', () => {
    const csv = 'text,label\n"a, b",x\n"say ""hi""",y\n"two\nlines",z\n"",w\nlast,v';
    assert.deepEqual(parseEverywhere(csv), [
      [1, 'text', 'label'],
      [2, 'a, b', 'x'],
      [3, 'say "hi"', 'y'],
      [4, 'two\nlines', 'z'],
      [6, '', 'w'],
      [7, 'last', 'v'],
    ]);
  });

  it('accepts CRLF and CR record ends, and keeps CRLF inside quotes', () => {
    assert.deepEqual(parseEverywhere('a,b\r\n"x\r\ny",1\r\nz,2\r\n'), [
      [1, 'a', 'b'],
      [2, 'x\r\ny', '1'],
      [4, 'z', '2'],
    ]);
    assert.deepEqual(parseEverywhere('a,b\rc,d\r'), [
      [1, 'a', 'b'],
      [2, 'c', 'd'],
    ]);
  });

  it('keeps empty fields and a final record without a line break', () => {
    assert.deepEqual(parseEverywhere('a,b,c\n,,\nx,,"y"'), [
      [1, 'a', 'b', 'c'],
      [2, '', '', ''],
      [3, 'x', '', 'y'],
    ]);
  });

  it('marks blank lines, and treats a quote inside an unquoted field as literal', () => {
    const p = new CsvParser('t.csv');
    const out: CsvRecord[] = [];
    p.push('a,b\n\nhe said "hi",1\n', out);
    p.end(out);
    assert.deepEqual(
      out.map((r) => [r.blank, r.line, ...r.fields]),
      [
        [false, 1, 'a', 'b'],
        [true, 2, ''],
        [false, 3, 'he said "hi"', '1'],
      ],
    );
  });

  it('supports other delimiters', () => {
    assert.deepEqual(parse('a;b\n"x;y";1\n', 3, ';'), [
      [1, 'a', 'b'],
      [2, 'x;y', '1'],
    ]);
  });

  it('fails on an unclosed quote, naming the line where it opens', () => {
    for (const chunk of [1, 4, 1000]) {
      assert.throws(
        () => parse('text,label\nok,1\n"never closed,2\nmore,3\n', chunk),
        (e: unknown) =>
          e instanceof SentioError &&
          e.code === 'DATA_MALFORMED' &&
          e.details?.line === 3 &&
          e.details?.kind === 'unclosed_quote' &&
          e.message.startsWith('t.csv:3: unclosed quote'),
      );
    }
  });

  it('fails on text after a closing quote', () => {
    assert.throws(
      () => parse('text,label\n"a"b,1\n'),
      (e: unknown) =>
        e instanceof SentioError && e.details?.line === 2 && e.details?.kind === 'text_after_quote',
    );
  });

  it('gives up on a runaway quoted field instead of buffering the rest of the file', () => {
    const p = new CsvParser('t.csv', ',', 100);
    assert.throws(
      () => p.push(`a,b\n"${'x'.repeat(200)}`, []),
      (e: unknown) =>
        e instanceof SentioError && e.details?.kind === 'record_too_long' && e.details?.line === 2,
    );
  });
});
