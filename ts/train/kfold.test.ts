import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanStd, stratifiedKFold } from './kfold.js';

test('stratified k folds partition the rows and keep class balance', () => {
  const labels = [
    ...Array(50).fill('a'),
    ...Array(25).fill('b'),
    ...Array(7).fill('c'),
  ] as string[];
  const folds = stratifiedKFold(labels, 5, 3);
  assert.equal(folds.length, 5);
  const tested = folds.flatMap((f) => f.test).sort((a, b) => a - b);
  assert.deepEqual(
    tested,
    labels.map((_, i) => i),
  );
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, labels.length);
    assert.equal(new Set([...f.train, ...f.test]).size, labels.length);
    const a = f.test.filter((i) => labels[i] === 'a').length;
    assert.equal(a, 10);
    const b = f.test.filter((i) => labels[i] === 'b').length;
    assert.equal(b, 5);
    assert.ok(f.test.length >= 16 && f.test.length <= 17);
  }
  assert.deepEqual(stratifiedKFold(labels, 5, 3), folds);
  assert.notDeepEqual(stratifiedKFold(labels, 5, 4), folds);
  assert.throws(() => stratifiedKFold(labels, 1), RangeError);
  assert.throws(() => stratifiedKFold(['a', 'b'], 3), RangeError);
});

test('mean and population std', () => {
  assert.deepEqual(meanStd([1, 2, 3, 4]), { mean: 2.5, std: Math.sqrt(1.25) });
  assert.ok(Number.isNaN(meanStd([]).mean));
});
