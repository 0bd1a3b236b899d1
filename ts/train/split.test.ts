import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stratifiedSplit } from './split.js';

test('stratified split keeps class balance and is reproducible', () => {
  const labels = [
    ...Array(100).fill('a'),
    ...Array(50).fill('b'),
    ...Array(10).fill('c'),
  ] as string[];
  const s = stratifiedSplit(labels, 0.2, 7);
  const count = (rows: number[], l: string) => rows.filter((i) => labels[i] === l).length;
  assert.deepEqual([count(s.test, 'a'), count(s.test, 'b'), count(s.test, 'c')], [20, 10, 2]);
  assert.equal(s.train.length + s.test.length, labels.length);
  assert.equal(new Set([...s.train, ...s.test]).size, labels.length);
  assert.deepEqual(stratifiedSplit(labels, 0.2, 7), s);
  assert.notDeepEqual(stratifiedSplit(labels, 0.2, 8).test, s.test);
});

test('tiny classes still land on both sides', () => {
  const s = stratifiedSplit(['x', 'x', 'y', 'y', 'y'], 0.2, 1);
  assert.ok(s.test.some((i) => i < 2) && s.train.some((i) => i < 2));
  assert.throws(() => stratifiedSplit(['x'], 1.5), RangeError);
});
