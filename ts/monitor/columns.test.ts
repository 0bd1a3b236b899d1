// The column path's helpers: probabilities JSON identical to JSON.stringify's
// (index-like and repeated class names, escapes, non-finite numbers), the
// same sha256 from a string and from its UTF-8 bytes, the row queue's
// bounds and order, and consecutive blocks of a stream merged into one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { columnsToRows, mergeColumns, probabilitiesJson, sha256Hex } from './columns.js';
import { RowQueue } from './queue.js';
import { AT0, columnBlock } from './test-support/blocks.js';
import type { PredictionColumns } from './types.js';

test('probabilitiesJson is JSON.stringify of the class → probability object', () => {
  const cases: Array<[string[], number[]]> = [
    [
      ['neg', 'pos'],
      [0.1, 0.9],
    ],
    [
      ['neg', 'pos'],
      [1 / 3, 2 / 3],
    ],
    [
      ['a', 'b', 'c'],
      [0, 1e-7, 0.9999999],
    ],
    [
      ['1', '0'],
      [0.25, 0.75],
    ],
    [
      ['x', '2', 'y'],
      [0.2, 0.3, 0.5],
    ],
    [
      ['same', 'same'],
      [0.4, 0.6],
    ],
    [
      ['quote"d', 'back\\slash', 'ünï', '😀\n'],
      [0.1, 0.2, 0.3, 0.4],
    ],
    [
      ['n', 'p'],
      [Number.NaN, Number.POSITIVE_INFINITY],
    ],
    [
      ['n', 'p'],
      [-0, Number.NEGATIVE_INFINITY],
    ],
    [[], []],
  ];
  for (const [classes, p] of cases) {
    const expected: Record<string, number> = {};
    classes.forEach((c, i) => {
      expected[c] = p[i] as number;
    });
    const json = probabilitiesJson(classes);
    // Twice, at an offset: the template is reused across rows.
    const row = Float64Array.from([9, 9, ...p]);
    assert.equal(json(row, 2), JSON.stringify(expected), JSON.stringify(classes));
    assert.equal(json(p, 0), JSON.stringify(expected));
  }
});

test('sha256Hex: the same digest from a text and from its UTF-8 bytes', () => {
  for (const text of ['', 'plain ascii', 'ünïcödé and emoji 😀 and CJK 漢字', 'a\u0000b']) {
    const want = createHash('sha256').update(text).digest('hex');
    assert.equal(sha256Hex(text), want);
    assert.equal(sha256Hex(new TextEncoder().encode(text)), want);
  }
});

test('RowQueue: bounded in rows, takes what fits, FIFO, splits a segment at a batch end', () => {
  assert.throws(() => new RowQueue(0), RangeError);
  const q = new RowQueue<string>(10);
  assert.equal(q.push('a', 0, 4), 4);
  assert.equal(q.push('b', 2, 12), 6, 'only what fits: rows 2..8 of b');
  assert.equal(q.push('c', 0, 1), 0, 'full');
  assert.equal(q.size, 10);
  assert.deepEqual(q.take(5), [
    { block: 'a', from: 0, to: 4 },
    { block: 'b', from: 2, to: 3 },
  ]);
  assert.equal(q.size, 5);
  assert.equal(q.push('c', 0, 3), 3);
  assert.deepEqual(q.take(100), [
    { block: 'b', from: 3, to: 8 },
    { block: 'c', from: 0, to: 3 },
  ]);
  assert.equal(q.size, 0);
  assert.deepEqual(q.take(3), []);
  // Many single rows wrap around the ring.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) assert.equal(q.push(`r${i}`, 0, 1), 1);
    assert.deepEqual(
      q.take(10).map((s) => s.block),
      [...Array(10).keys()].map((i) => `r${i}`),
    );
  }
});

/** Column blocks without drift counts (tokens null) unless given. */
const cols = (over: Partial<PredictionColumns>, n = 2, first = 0) =>
  columnBlock({ tokens: null, oovTokens: null, ...over }, n, first);

test('mergeColumns: consecutive blocks of one stream become one, in order; others stay apart', () => {
  const a = cols({}, 2, 0);
  const b = cols({ tokens: Int32Array.from([7]), oovTokens: Int32Array.from([1]) }, 1, 2);
  const c = cols({ arm: 'shadow' }, 1, 3);
  const d = cols({}, 2, 4);
  const merged = mergeColumns([a, b, c, d]);
  assert.equal(merged.length, 3);
  const [ab, cc, dd] = merged as [PredictionColumns, PredictionColumns, PredictionColumns];
  assert.equal(cc, c);
  assert.equal(dd, d);
  assert.deepEqual(
    columnsToRows(ab).map((r) => [r.id, r.at, r.tokens, r.oovTokens, r.probabilities.pos]),
    [
      ['p0', AT0, null, null, 2 / 3],
      ['p1', AT0 + 1, null, null, 2 / 3],
      ['p2', AT0 + 2, 7, 1, 2 / 3],
    ],
  );
  const big = cols({}, 64, 10);
  const after = mergeColumns([
    cols({}, 2, 0),
    big,
    cols({}, 2, 100),
    cols({ arm: 'canary' }, 3, 102),
  ]);
  assert.deepEqual(
    after.map((b) => [b.length, b.ids[0], b.ids[b.length - 1], b.arm]),
    [
      [68, 'p0', 'p101', 'stable'],
      [3, 'p102', 'p104', 'canary'],
    ],
    'blocks of any size merge with their stream neighbours',
  );
});
