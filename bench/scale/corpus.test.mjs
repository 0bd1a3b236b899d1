// node --test bench/scale/
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunks, corpusOrder, mulberry32 } from './corpus.mjs';

test('mulberry32 is deterministic and in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
  assert.notEqual(mulberry32(1)(), mulberry32(2)());
});

test('corpusOrder holds every review exactly `times` times, shuffled, reproducibly', () => {
  const order = corpusOrder(10, 4, 7);
  assert.equal(order.length, 40);
  const counts = new Array(10).fill(0);
  for (const i of order) counts[i]++;
  assert.deepEqual(counts, new Array(10).fill(4));
  assert.deepEqual(order, corpusOrder(10, 4, 7));
  assert.notDeepEqual(
    Array.from(order),
    Array.from({ length: 40 }, (_, k) => k % 10),
  );
});

test('chunks cover the order in sequence', () => {
  const set = { texts: ['a', 'b', 'c'], labels: ['x', 'y', 'z'] };
  const order = Uint32Array.from([2, 0, 1, 1, 0]);
  const out = [...chunks(set, order, 2)];
  assert.deepEqual(
    out.map((c) => c.texts),
    [['c', 'a'], ['b', 'b'], ['a']],
  );
  assert.deepEqual(out[0].labels, ['z', 'x']);
});
