// Cross-backend parity: one model file gives the same probabilities on the
// native and the WASM engine (airline_tweets, 14,640 texts, 3 classes).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Engine, EngineModel, TrainConfig } from './index.js';
import { loader, skipReason } from './test-support/backends.js';
import { airline } from './test-support/datasets.js';

const CONFIG: TrainConfig = { ngram_range: [1, 2], sublinear_tf: true, min_df: 2 };
const TOLERANCE = 1e-12;

/** Largest |a - b|, asserting it is within `tol`. */
function maxDiff(a: Float64Array, b: Float64Array, tol: number, what: string): number {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= tol))
      assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]} (|diff| ${d} > ${tol})`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Labels agree wherever the winner is not a near-tie. */
function sameLabels(a: EngineModel, b: EngineModel, texts: string[]): void {
  const pa = a.predictBatch(texts);
  const pb = b.predictBatch(texts);
  const k = pa.nClasses;
  for (let i = 0; i < texts.length; i++) {
    if (pa.labels[i] === pb.labels[i]) continue;
    const r = Array.from(pa.probabilities.subarray(i * k, (i + 1) * k)).sort((x, y) => y - x);
    assert.ok(
      (r[0] as number) - (r[1] as number) < 1e-9,
      `text ${i}: labels ${pa.labels[i]} vs ${pb.labels[i]}`,
    );
  }
}

const skip = skipReason('native') || skipReason('wasm');

describe('cross-backend parity (native vs wasm)', { skip }, () => {
  let native: Engine;
  let wasm: Engine;
  let texts: string[];
  let labels: string[];

  before(async () => {
    native = await loader('native')();
    wasm = await loader('wasm')();
    ({ texts, labels } = airline());
  });

  for (const trainOn of ['native', 'wasm'] as const) {
    it(`a model file trained on ${trainOn} scores the same on both backends (within ${TOLERANCE})`, async () => {
      const trainer = trainOn === 'native' ? native : wasm;
      const model = await trainer.train(CONFIG, texts, labels);
      const bytes = model.toBytes();
      const onNative = native.loadModel(bytes);
      const onWasm = wasm.loadModel(bytes);
      assert.deepEqual(onWasm.classes, ['negative', 'neutral', 'positive']);
      assert.deepEqual(onNative.vocabulary(), onWasm.vocabulary());
      const worst = maxDiff(
        onNative.predictBatch(texts).probabilities,
        onWasm.predictBatch(texts).probabilities,
        TOLERANCE,
        'predictBatch probabilities',
      );
      sameLabels(onNative, onWasm, texts);
      for (const text of texts.slice(0, 500)) {
        maxDiff(
          onNative.predict(text).probabilities,
          onWasm.predict(text).probabilities,
          TOLERANCE,
          'predict',
        );
        const en = onNative.explain(text, 5);
        const ew = onWasm.explain(text, 5);
        assert.deepEqual(
          en.contributions.map((c) => c.feature),
          ew.contributions.map((c) => c.feature),
        );
        maxDiff(
          new Float64Array(en.contributions.map((c) => c.contribution)),
          new Float64Array(ew.contributions.map((c) => c.contribution)),
          TOLERANCE,
          'explain contributions',
        );
        const tn = onNative.transform(text);
        const tw = onWasm.transform(text);
        assert.deepEqual(tn.indices, tw.indices);
        maxDiff(tn.values, tw.values, TOLERANCE, 'transform');
      }
      assert.ok(worst <= TOLERANCE);
    });
  }

  it('both backends train equivalent models from the same data and config', async () => {
    const a = await native.train(CONFIG, texts, labels);
    const b = await wasm.train(CONFIG, texts, labels);
    assert.deepEqual(a.vocabulary(), b.vocabulary());
    assert.deepEqual(a.facts, b.facts);
    assert.deepEqual(a.config, b.config);
    maxDiff(a.idf() as Float64Array, b.idf() as Float64Array, TOLERANCE, 'idf');
    maxDiff(
      a.predictBatch(texts).probabilities,
      b.predictBatch(texts).probabilities,
      TOLERANCE,
      'probabilities',
    );
    const report = native.evaluate(labels, a.predictBatch(texts).labelNames);
    assert.equal(report.accuracy, wasm.evaluate(labels, b.predictBatch(texts).labelNames).accuracy);
  });
});
