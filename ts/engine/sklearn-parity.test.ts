// scikit-learn parity: the engine and TfidfVectorizer + MultinomialNB, fitted on
// the same data with the same config, give the same vocabulary, the same
// predict_proba (within 1e-6) and the same accuracy. The reference comes from
// tests/reference/sklearn_reference.py in the .venv that bootstrap creates; a
// missing venv fails the test (it never skips).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TrainConfig } from './index.js';
import { loader, skipReason } from './test-support/backends.js';
import { type LabelledData, pick } from './test-support/csv.js';
import { dataFile, dataset } from './test-support/datasets.js';
import { type SklearnReference, sklearnReference } from './test-support/sklearn.js';

const CONFIG: TrainConfig = { ngram_range: [1, 2], sublinear_tf: true, min_df: 2, alpha: 1 };
const PROBA_TOLERANCE = 1e-6;

interface Case {
  name: string;
  train: string[];
  test?: string[];
}

const CASES: Case[] = [
  { name: 'airline_tweets (stratified 80/20 split)', train: ['airline_tweets', 'all.csv'] },
  {
    name: 'imdb (train.csv -> test.csv)',
    train: ['imdb', 'train.csv'],
    test: ['imdb', 'test.csv'],
  },
];

function firstDifference(a: readonly string[], b: readonly string[]): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `first difference at ${i}: engine "${a[i]}" vs sklearn "${b[i]}"`;
  }
  return `lengths ${a.length} (engine) vs ${b.length} (sklearn)`;
}

for (const c of CASES) {
  describe(`scikit-learn parity: ${c.name}`, { timeout: 15 * 60_000 }, () => {
    let ref: SklearnReference;
    let train: LabelledData;
    let test: LabelledData;

    before(async () => {
      const trainFile = dataFile(...c.train);
      ref = await sklearnReference({
        train: trainFile,
        test: c.test && dataFile(...c.test),
        config: CONFIG,
      });
      if (c.test) {
        train = dataset(...c.train);
        test = dataset(...c.test);
      } else {
        const all = dataset(...c.train);
        assert.ok(ref.split, 'sklearn_reference.py wrote no split.json');
        train = pick(all, ref.split.train);
        test = pick(all, ref.split.test);
      }
    });

    after(() => {
      if (ref) fs.rmSync(ref.dir, { recursive: true, force: true });
    });

    it('the reference run read the same rows', () => {
      assert.equal(ref.summary.n_train, train.texts.length);
      assert.equal(ref.summary.n_test, test.texts.length);
      assert.deepEqual(
        ref.testLabels,
        test.labels,
        'test labels differ: CSV reading or split disagree',
      );
    });

    for (const backend of ['native', 'wasm'] as const) {
      it(`${backend}: vocabulary identical, predict_proba within ${PROBA_TOLERANCE}, accuracy equal`, {
        skip: skipReason(backend),
      }, async (t) => {
        const engine = await loader(backend)();
        const model = await engine.train(CONFIG, train.texts, train.labels);
        assert.deepEqual(model.classes, ref.classes);
        const vocab = model.vocabulary() as string[];
        const refVocab = ref.vocabulary as string[];
        assert.ok(
          vocab.length === refVocab.length && vocab.every((t, i) => t === refVocab[i]),
          `vocabulary differs: ${firstDifference(vocab, refVocab)}`,
        );
        assert.equal(model.nFeatures, ref.summary.n_features);
        const idf = model.idf() as Float64Array;
        const refIdf = ref.idf as Float64Array;
        for (let i = 0; i < idf.length; i++) {
          const d = Math.abs((idf[i] as number) - (refIdf[i] as number));
          if (!(d <= 1e-12)) assert.fail(`idf[${i}] ("${vocab[i]}"): ${idf[i]} vs ${refIdf[i]}`);
        }
        const batch = await model.predictBatchAsync(test.texts);
        assert.equal(batch.probabilities.length, ref.proba.length);
        let worst = 0;
        for (let i = 0; i < ref.proba.length; i++) {
          const d = Math.abs((batch.probabilities[i] as number) - (ref.proba[i] as number));
          if (!(d <= PROBA_TOLERANCE)) {
            const row = Math.floor(i / batch.nClasses);
            assert.fail(
              `predict_proba row ${row} (class ${i % batch.nClasses}): ${batch.probabilities[i]} vs ${ref.proba[i]}`,
            );
          }
          worst = Math.max(worst, d);
        }
        const report = engine.evaluate(test.labels, batch.labelNames);
        assert.equal(report.accuracy, ref.summary.accuracy, "accuracy differs from scikit-learn's");
        t.diagnostic(
          `${c.name} [${backend}]: ${vocab.length} features, accuracy ${report.accuracy.toFixed(4)} ` +
            `(sklearn ${ref.summary.accuracy.toFixed(4)}), max |proba diff| ${worst.toExponential(2)}, ` +
            `sklearn run ${ref.seconds.toFixed(1)} s`,
        );
      });
    }
  });
}
