// The engine test suite, run once per backend: runEngineSuite({ name, load }).
// Trains on the UCI sentiment sentences (3,000 rows) so every case is quick.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  type Backend,
  type Engine,
  EngineError,
  type EngineErrorCode,
  type EngineModel,
  type TrainConfig,
} from '../index.js';
import { type LabelledData, pick } from './csv.js';
import { uci } from './datasets.js';

export interface SuiteOptions {
  name: Backend;
  load: () => Promise<Engine>;
  /** Set to skip the whole suite, with the reason shown in the report. */
  skip?: string | false;
}

const CONFIG: TrainConfig = { ngram_range: [1, 2], sublinear_tf: true, min_df: 2 };

/** Assert `fn` throws (or rejects with) an EngineError with `code`. */
export async function expectCode(code: EngineErrorCode, fn: () => unknown): Promise<EngineError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(
    caught instanceof EngineError,
    `expected an EngineError ${code}, got ${String(caught)}`,
  );
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  assert.ok(caught.message.length > 0, 'the error has no message');
  return caught;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function row(p: Float64Array, i: number, k: number): Float64Array {
  return p.subarray(i * k, (i + 1) * k);
}

/** The same array type and every element bit-identical. */
function assertSameFloats(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= tol))
      assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]} (|diff| ${d} > ${tol})`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** Every fifth row is held out. */
function split(data: LabelledData): { train: LabelledData; test: LabelledData } {
  const idx = data.texts.map((_, i) => i);
  return {
    train: pick(
      data,
      idx.filter((i) => i % 5 !== 0),
    ),
    test: pick(
      data,
      idx.filter((i) => i % 5 === 0),
    ),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function runWorker(job: { backend: Backend; model: Uint8Array; texts: string[] }): Promise<{
  backend: Backend;
  labels: string[];
  single: string[];
  probabilities: Float64Array;
}> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-predict.js', import.meta.url), { workerData: job });
    let result: unknown;
    worker.once('message', (m) => {
      result = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
      else if (result === undefined) reject(new Error('worker exited without a result'));
      else resolve(result as Awaited<ReturnType<typeof runWorker>>);
    });
  });
}

export function runEngineSuite(options: SuiteOptions): void {
  const { name, load } = options;
  describe(`engine (${name})`, { skip: options.skip ?? false }, () => {
    let engine: Engine;
    let data: LabelledData;
    let model: EngineModel;
    let tmp: string;

    before(async () => {
      engine = await load();
      data = uci();
      model = await engine.train(CONFIG, data.texts, data.labels);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sentio-engine-${name}-`));
    });

    after(() => {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('loads the requested backend', () => {
      assert.equal(engine.backend, name);
      assert.equal(model.backend, name);
      assert.equal(engine.fallbackReason, null);
      assert.match(engine.version, /^\d+\.\d+\.\d+/);
      assert.ok(fs.existsSync(engine.source), `engine.source ${engine.source} does not exist`);
    });

    it('trains on uci_sentiment: classes, facts, config, held-out accuracy', async () => {
      assert.deepEqual(model.classes, ['negative', 'positive']);
      assert.ok(Object.isFrozen(model.classes));
      const facts = model.facts;
      assert.equal(facts.n_documents, 3000);
      assert.deepEqual(facts.class_counts, [1500, 1500]);
      assert.equal(facts.n_features, model.nFeatures);
      assert.ok(facts.n_candidate_features > model.nFeatures, 'min_df=2 pruned nothing');
      assert.ok(facts.n_tokens > 30000);
      const cfg = model.config;
      assert.deepEqual(cfg.ngram_range, [1, 2]);
      assert.equal(cfg.sublinear_tf, true);
      assert.deepEqual(cfg.min_df, { count: 2 });
      assert.deepEqual(cfg.max_df, { proportion: 1 });
      assert.equal(cfg.norm, 'l2');
      assert.equal(cfg.classifier, 'multinomial');
      assert.equal(cfg.alpha, 1);

      const { train, test } = split(data);
      const held = await engine.train(CONFIG, train.texts, train.labels);
      const batch = held.predictBatch(test.texts);
      const report = engine.evaluate(test.labels, batch.labelNames, {
        classes: held.classes,
        values: batch.probabilities,
      });
      assert.equal(report.n, test.texts.length);
      assert.ok(report.accuracy > 0.75, `held-out accuracy ${report.accuracy}`);
      assert.ok(
        report.log_loss !== null && report.log_loss > 0 && report.log_loss < 0.7,
        `log loss ${report.log_loss}`,
      );
      const correct = batch.labelNames.filter((l, i) => l === test.labels[i]).length;
      assert.equal(report.accuracy, correct / test.texts.length);
      assert.deepEqual(report.labels, ['negative', 'positive']);
      assert.equal(
        report.per_class.reduce((s, c) => s + c.support, 0),
        test.texts.length,
      );
      assert.deepEqual(
        report.confusion_matrix.flat().reduce((s, v) => s + v, 0),
        test.texts.length,
      );
    });

    it('model round trip: toBytes -> loadModel gives identical predictions and bytes', () => {
      const bytes = model.toBytes();
      assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
      assert.deepEqual(Array.from(bytes.subarray(0, 8)), Array.from(Buffer.from('SENTIOMF')));
      const back = engine.loadModel(bytes);
      assert.deepEqual(back.classes, model.classes);
      assert.equal(back.nFeatures, model.nFeatures);
      assert.deepEqual(back.config, model.config);
      assert.deepEqual(back.facts, model.facts);
      assert.deepEqual(back.vocabulary(), model.vocabulary());
      assertSameFloats(back.idf() as Float64Array, model.idf() as Float64Array, 'idf');
      const a = model.predictBatch(data.texts);
      const b = back.predictBatch(data.texts);
      assert.deepEqual(b.labels, a.labels);
      assertSameFloats(b.probabilities, a.probabilities, 'probabilities after the round trip');
      assert.ok(bytesEqual(back.toBytes(), bytes), 're-serialised model differs');
      // A view into a larger buffer (non-zero byteOffset) reads only its window.
      const padded = new Uint8Array(bytes.length + 16).fill(0xee);
      padded.set(bytes, 7);
      assert.ok(
        bytesEqual(engine.loadModel(padded.subarray(7, 7 + bytes.length)).toBytes(), bytes),
      );
      const text = new TextEncoder().encode('xx a great movie');
      assertSameFloats(
        model.predictBytes(text.subarray(3)).probabilities,
        model.predict('a great movie').probabilities,
        'predictBytes of a view',
      );
      // A Node Buffer is accepted as well.
      assert.deepEqual(engine.loadModel(Buffer.from(bytes)).classes, model.classes);
    });

    it('same data + config => byte-identical model file, whatever the training route', async () => {
      const bytes = model.toBytes();
      const again = await engine.train(CONFIG, data.texts, data.labels);
      assert.ok(bytesEqual(again.toBytes(), bytes), 'retraining gave different bytes');
      assert.ok(
        bytesEqual(engine.trainSync(CONFIG, data.texts, data.labels).toBytes(), bytes),
        'trainSync differs',
      );

      // The model's resolved config is a valid TrainConfig and trains the same model.
      const resolved: TrainConfig = model.config;
      assert.ok(
        bytesEqual((await engine.train(resolved, data.texts, data.labels)).toBytes(), bytes),
        'resolved config differs',
      );

      // Streaming, single pass, in chunks.
      const single = engine.createTrainer(CONFIG);
      const textChunks = chunks(data.texts, 700);
      const labelChunks = chunks(data.labels, 700);
      textChunks.forEach((t, i) => {
        single.learn(t, labelChunks[i] as string[]);
      });
      assert.equal(single.learnedDocuments, 3000);
      assert.ok(bytesEqual(single.finish().toBytes(), bytes), 'single-pass streaming differs');

      // Two passes, with the async variants.
      const two = engine.createTrainer(CONFIG);
      for (const t of textChunks) await two.observeAsync(t);
      for (let i = 0; i < textChunks.length; i++)
        await two.learnAsync(textChunks[i] as string[], labelChunks[i] as string[]);
      assert.ok(
        bytesEqual((await two.finishAsync()).toBytes(), bytes),
        'two-pass async streaming differs',
      );
    });

    it('loadModelFile reads a saved model; unreadable paths are IO_ERROR', async () => {
      const file = path.join(tmp, 'model.sentio');
      fs.writeFileSync(file, model.toBytes());
      const loaded = await engine.loadModelFile(file);
      const texts = data.texts.slice(0, 200);
      assertSameFloats(
        loaded.predictBatch(texts).probabilities,
        model.predictBatch(texts).probabilities,
        'file model',
      );
      await expectCode('IO_ERROR', () => engine.loadModelFile(path.join(tmp, 'missing.sentio')));
      await expectCode('IO_ERROR', () => engine.loadModelFile(tmp));
      const bad = path.join(tmp, 'bad.sentio');
      fs.writeFileSync(bad, 'not a model');
      await expectCode('MODEL_BAD_MAGIC', () => engine.loadModelFile(bad));
    });

    it('predict, predictBytes, predictBatch and predictBatchAsync agree exactly', async () => {
      const batch = model.predictBatch(data.texts);
      assert.equal(batch.length, data.texts.length);
      assert.equal(batch.nClasses, 2);
      assert.equal(batch.probabilities.length, data.texts.length * 2);
      data.texts.forEach((text, i) => {
        const p = model.predict(text);
        assert.equal(p.label, batch.labelNames[i]);
        assert.equal(p.labelIndex, batch.labels[i]);
        assert.equal(model.classes[p.labelIndex], p.label);
        assertSameFloats(p.probabilities, row(batch.probabilities, i, 2), `text ${i}`);
        if (i % 10 === 0) {
          const fromBytes = model.predictBytes(new TextEncoder().encode(text));
          assertSameFloats(fromBytes.probabilities, p.probabilities, `predictBytes of text ${i}`);
        }
      });
      const sums = data.texts.map((_, i) =>
        row(batch.probabilities, i, 2).reduce((s, v) => s + v, 0),
      );
      assertClose(
        sums,
        sums.map(() => 1),
        1e-12,
        'probabilities sum to 1',
      );
      const asyncBatch = await model.predictBatchAsync(data.texts);
      assert.deepEqual(asyncBatch.labels, batch.labels);
      assertSameFloats(asyncBatch.probabilities, batch.probabilities, 'predictBatchAsync');
      const empty = model.predictBatch([]);
      assert.equal(empty.length, 0);
      assert.equal(empty.probabilities.length, 0);
      // Concurrent async batches on one model.
      const parts = chunks(data.texts, 500);
      const results = await Promise.all(parts.map((p) => model.predictBatchAsync(p)));
      const joined = new Float64Array(results.flatMap((r) => Array.from(r.probabilities)));
      assertSameFloats(joined, batch.probabilities, 'concurrent predictBatchAsync');
    });

    it('large batches, copied and scored chunk by chunk, equal small ones and name a bad element', async () => {
      // Past 512 texts the native binding scores chunks while it copies the
      // rest; the answers must not depend on that.
      const big = Array.from({ length: 1337 }, (_, i) => data.texts[i % data.texts.length] ?? '');
      const whole = model.predictBatch(big);
      const pieces = chunks(big, 300).map((p) => model.predictBatch(p));
      assert.deepEqual(
        Array.from(whole.labels),
        pieces.flatMap((p) => Array.from(p.labels)),
      );
      const joined = new Float64Array(pieces.flatMap((p) => Array.from(p.probabilities)));
      assertSameFloats(whole.probabilities, joined, 'one large batch vs small batches');
      const asyncWhole = await model.predictBatchAsync(big);
      assertSameFloats(asyncWhole.probabilities, joined, 'large predictBatchAsync');
      const bad = [...big];
      bad[900] = 42 as unknown as string;
      const any = model as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const call of [
        () => any.predictBatch?.call(model, bad),
        () => any.predictBatchAsync?.call(model, bad),
      ]) {
        const e = await expectCode('INVALID_ARGUMENT', call);
        assert.match(e.message, /texts\[900\]/);
      }
      // The model is unharmed.
      assertSameFloats(model.predictBatch(big).probabilities, joined, 'after the errors');
    });

    it('explain: top-k contributions are sane', () => {
      const vocab = model.vocabulary() as string[];
      const index = new Map(vocab.map((t, i) => [t, i]));
      for (const text of [...data.texts.slice(0, 60), 'I loved it, a great and excellent movie']) {
        const e = model.explain(text, 5);
        const p = model.predict(text);
        assert.equal(e.label, p.label);
        assertSameFloats(e.probabilities, p.probabilities, 'explain probabilities');
        const row = model.transform(text);
        const weights = new Map(Array.from(row.indices, (f, i) => [f, row.values[i] as number]));
        assert.equal(e.contributions.length, Math.min(5, row.indices.length), text);
        const grams = new Set(model.analyze(text));
        e.contributions.forEach((c, i) => {
          if (i > 0)
            assert.ok(
              c.contribution <= (e.contributions[i - 1]?.contribution ?? Infinity),
              'not sorted',
            );
          assert.ok(grams.has(c.feature), `feature "${c.feature}" is not an n-gram of the text`);
          const f = index.get(c.feature);
          assert.ok(f !== undefined, `feature "${c.feature}" is not in the vocabulary`);
          assert.equal(c.weight, weights.get(f), `weight of "${c.feature}"`);
          assert.ok(Number.isFinite(c.contribution));
        });
      }
      const good = model.explain('I loved it, a great and excellent movie', 3);
      assert.equal(good.label, 'positive');
      assert.ok(
        (good.contributions[0]?.contribution ?? 0) > 0,
        'top contribution of a positive text is not positive',
      );
      assert.ok(
        ['great', 'excellent', 'loved'].some((w) =>
          good.contributions.some((c) => c.feature.includes(w)),
        ),
      );
      assert.deepEqual(model.explain('great', 0).contributions, []);
      assert.equal(model.explain('', 10).contributions.length, 0);
      assert.equal(
        model.explain('great movie', 1000).contributions.length,
        model.transform('great movie').indices.length,
      );
    });

    it('transform, vocabulary, idf, analyze, oovCounts and driftCounts', () => {
      const vocab = model.vocabulary() as string[];
      assert.equal(vocab.length, model.nFeatures);
      for (let i = 1; i < vocab.length; i++) {
        assert.ok(
          Buffer.compare(Buffer.from(vocab[i - 1] as string), Buffer.from(vocab[i] as string)) < 0,
          'vocabulary not sorted',
        );
      }
      const idf = model.idf() as Float64Array;
      assert.ok(idf instanceof Float64Array);
      assert.equal(idf.length, model.nFeatures);
      assert.ok(idf.every((v) => v >= 1));
      const r = model.transform('A great, great movie. Not bad!');
      assert.ok(r.indices instanceof Uint32Array && r.values instanceof Float64Array);
      assert.ok(r.indices.length > 0);
      for (let i = 1; i < r.indices.length; i++)
        assert.ok((r.indices[i] as number) > (r.indices[i - 1] as number));
      assert.ok(r.indices.every((f) => f < model.nFeatures));
      const norm = Math.sqrt(r.values.reduce((s, v) => s + v * v, 0));
      assert.ok(Math.abs(norm - 1) < 1e-12, `l2 norm ${norm}`);
      assert.equal(model.transform('').indices.length, 0);
      const grams = model.analyze('Great Movie!');
      assert.deepEqual([...grams].sort(), ['great', 'great movie', 'movie']);
      assert.deepEqual(model.analyze(''), []);
      assert.deepEqual(model.oovCounts('great movie'), { tokens: 2, oov: 0 });
      assert.deepEqual(model.oovCounts('great zzqxv movie'), { tokens: 3, oov: 1 });
      assert.deepEqual(model.oovCounts(''), { tokens: 0, oov: 0 });
      // driftCounts: oovCounts and transform's indices, from one call.
      for (const text of ['A great, great movie. Not bad!', 'great zzqxv movie', '', '!!']) {
        const d = model.driftCounts(text);
        assert.ok(d.features instanceof Uint32Array);
        assert.deepEqual(
          { tokens: d.tokens, oov: d.oov, features: [...d.features] },
          { ...model.oovCounts(text), features: [...model.transform(text).indices] },
          text,
        );
      }
    });

    it('empty and punctuation-only texts score as the class priors', async () => {
      // Unbalanced on purpose: every negative, one positive in three.
      const neg = data.texts.map((_, i) => i).filter((i) => data.labels[i] === 'negative');
      const pos = data.texts
        .map((_, i) => i)
        .filter((i) => data.labels[i] === 'positive' && i % 3 === 0);
      const sub = pick(data, [...neg, ...pos]);
      const m = await engine.train(CONFIG, sub.texts, sub.labels);
      const n = neg.length + pos.length;
      const priors = [neg.length / n, pos.length / n];
      for (const text of ['', '   ', '!!! ... ??? --- ;;;', '\n\t', 'a']) {
        const p = m.predict(text);
        assertClose(p.probabilities, priors, 1e-12, JSON.stringify(text));
        assert.equal(p.label, 'negative');
      }
      const explicit = await engine.train(
        {
          ...CONFIG,
          class_prior: [
            ['negative', 0.2],
            ['positive', 0.8],
          ],
        },
        sub.texts,
        sub.labels,
      );
      assertClose(explicit.predict('?!').probabilities, [0.2, 0.8], 1e-12, 'explicit class_prior');
      const flat = await engine.train({ ...CONFIG, fit_prior: false }, sub.texts, sub.labels);
      assertClose(flat.predict('').probabilities, [0.5, 0.5], 1e-12, 'fit_prior false');
    });

    it('invalid UTF-8 via predictBytes is INVALID_UTF8', async () => {
      await expectCode('INVALID_UTF8', () =>
        model.predictBytes(new Uint8Array([0x67, 0x72, 0x65, 0x61, 0x74, 0xff, 0x20])),
      );
      await expectCode('INVALID_UTF8', () => model.predictBytes(new Uint8Array([0xc3])));
      await expectCode('INVALID_UTF8', () =>
        model.predictBytes(new Uint8Array([0xed, 0xa0, 0x80])),
      ); // encoded surrogate
      assertSameFloats(
        model.predictBytes(new Uint8Array()).probabilities,
        model.predict('').probabilities,
        'empty bytes',
      );
    });

    it('lone surrogates in JS strings are scored, not rejected', () => {
      const p = model.predict('great \ud800 movie');
      assert.ok(p.probabilities.every(Number.isFinite));
    });

    it('texts in any script reach the engine exactly (string arrays = their UTF-8 bytes)', () => {
      // ASCII, a little and a lot of non-ASCII (the native binding sizes its
      // first UTF-8 buffer for mostly-ASCII text and falls back when it may
      // not fit), astral characters, a lone surrogate (V8 and Buffer.from
      // both write U+FFFD), empty.
      const texts = [
        'a great movie, really great',
        `${'great film '.repeat(30)}élève café naïve`,
        // Known words at the end: a truncated conversion would lose them.
        `${'élève café naïve déjà vu '.repeat(40)} awful boring`,
        `${'東京タワー 映画 最高 '.repeat(60)} great fun`,
        `great 😀 movie ${'😀'.repeat(200)} bad awful`,
        'great \ud800 movie',
        '',
      ];
      const batch = model.predictBatch(texts);
      const k = model.classes.length;
      texts.forEach((t, i) => {
        assertSameFloats(
          batch.probabilities.subarray(i * k, (i + 1) * k),
          model.predictBytes(new TextEncoder().encode(t)).probabilities,
          `text ${i}`,
        );
      });
    });

    it('a 10 MB text is scored', () => {
      const sentence = 'The plot was great but the acting was awful, really bad. ';
      const big = sentence.repeat(Math.ceil((10 * 1024 * 1024) / sentence.length));
      assert.ok(big.length >= 10 * 1024 * 1024);
      const p = model.predict(big);
      assert.ok(p.probabilities.every(Number.isFinite));
      assert.ok(Math.abs(p.probabilities.reduce((s, v) => s + v, 0) - 1) < 1e-12);
      assertSameFloats(
        model.predictBatch([big]).probabilities,
        p.probabilities,
        'batch of the big text',
      );
      // Sublinear tf: the repeated text scores like a few copies of the sentence, in direction.
      assert.equal(p.label, model.predict(sentence.repeat(50)).label);
    });

    it('training copies texts of every size and script exactly (one-shot = streaming trainer)', async () => {
      // One-shot training copies every text into one buffer (natively, most
      // of them without asking for their length first, a long one by another
      // route); the streaming trainer copies each text on its own.
      const words = ['café', 'naïve', 'δράμα', '東京', 'good', 'bad', '😀x', 'fine_film'];
      const texts: string[] = [];
      const labels: string[] = [];
      for (let i = 0; i < 400; i++) {
        // Every 97th text is over 64 KiB of UTF-8; all end in a lone surrogate.
        const n = i % 97 === 0 ? 12_000 + i : 1 + (i % 23);
        const body = Array.from({ length: n }, (_, j) => words[(i + j * 7) % words.length]);
        texts.push(`${body.join(' ')} t${i} \ud800`);
        labels.push(i % 3 === 0 ? 'pos' : 'neg');
      }
      const oneShot = await engine.train({ ngram_range: [1, 2] }, texts, labels);
      const streaming = engine.createTrainer({ ngram_range: [1, 2] });
      streaming.learn(texts, labels);
      assert.ok(bytesEqual(oneShot.toBytes(), streaming.finish().toBytes()));
      const vocab = oneShot.vocabulary() as string[];
      for (const w of ['café', 'naïve', 'δράμα', '東京', 'fine_film', 't399']) {
        assert.ok(vocab.includes(w), w);
      }
    });

    it('training errors: EMPTY_TRAINING_SET, SINGLE_CLASS, INVALID_LABELS, EMPTY_VOCABULARY', async () => {
      await expectCode('EMPTY_TRAINING_SET', () => engine.train(CONFIG, [], []));
      await expectCode('EMPTY_TRAINING_SET', () => engine.trainSync({}, [], []));
      await expectCode('EMPTY_TRAINING_SET', () => engine.createTrainer({}).finish());
      await expectCode('SINGLE_CLASS', () =>
        engine.train({}, ['good movie', 'bad movie'], ['pos', 'pos']),
      );
      await expectCode('INVALID_LABELS', () =>
        engine.train({}, ['good movie', 'bad movie'], ['pos']),
      );
      await expectCode('INVALID_LABELS', () =>
        engine.train({}, ['good movie', 'bad movie'], ['pos', '']),
      );
      await expectCode('EMPTY_VOCABULARY', () =>
        engine.train({ min_df: 2 }, ['good movie', 'bad film'], ['pos', 'neg']),
      );
      await expectCode('INVALID_CONFIG', () =>
        engine.train({ min_df: 50 }, ['good movie', 'bad movie'], ['pos', 'neg']),
      );
      await expectCode('EMPTY_VOCABULARY', () => engine.train({}, ['!', '?'], ['pos', 'neg']));
    });

    it('trainer state: TRAINER_STATE, TRAINER_FINISHED', async () => {
      const t = engine.createTrainer({});
      t.learn(['good movie'], ['pos']);
      await expectCode('TRAINER_STATE', () => t.observe(['bad movie']));
      t.learn(['bad movie'], ['neg']);
      assert.equal(t.learnedDocuments, 2);
      const m = t.finish();
      assert.deepEqual(m.classes, ['neg', 'pos']);
      assert.equal(t.learnedDocuments, 2);
      await expectCode('TRAINER_FINISHED', () => t.learn(['x'], ['y']));
      await expectCode('TRAINER_FINISHED', () => t.finish());
      await expectCode('TRAINER_FINISHED', () => t.finishAsync());
      await expectCode('TRAINER_FINISHED', () => t.observeAsync(['x']));
      // Two passes that disagree on the documents.
      const u = engine.createTrainer({});
      u.observe(['good movie', 'bad movie']);
      u.learn(['good movie'], ['pos']);
      await expectCode('TRAINER_STATE', () => u.finish());
      // A finish refused before building leaves the trainer usable: give it
      // the missing document and finish again.
      u.learn(['bad movie'], ['neg']);
      assert.deepEqual(u.finish().classes, ['neg', 'pos']);
      const v = engine.createTrainer({});
      await expectCode('EMPTY_TRAINING_SET', () => v.finish());
      await expectCode('EMPTY_TRAINING_SET', () => v.finishAsync());
      v.learn(['good movie'], ['pos']);
      await expectCode('SINGLE_CLASS', () => v.finishAsync());
      v.learn(['bad movie'], ['neg']);
      assert.equal((await v.finishAsync()).nFeatures, 3);
      await expectCode('TRAINER_FINISHED', () => v.finish());
      // A finish that fails while building spends the trainer.
      const w = engine.createTrainer({ min_df: 2 });
      w.learn(['good movie', 'bad film'], ['pos', 'neg']);
      await expectCode('EMPTY_VOCABULARY', () => w.finish());
      await expectCode('TRAINER_FINISHED', () => w.learn(['good movie'], ['pos']));
    });

    it('evaluate: unseen labels, log loss, bad input', () => {
      const r = engine.evaluate(
        ['positive', 'negative', 'meh'],
        ['positive', 'positive', 'negative'],
      );
      assert.deepEqual(r.labels, ['meh', 'negative', 'positive']);
      assert.equal(r.n, 3);
      assert.equal(r.accuracy, 1 / 3);
      assert.deepEqual(r.confusion_matrix, [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 1],
      ]);
      assert.equal(r.log_loss, null);
      const meh = r.per_class[0];
      assert.deepEqual(meh, { label: 'meh', precision: 0, recall: 0, f1: 0, support: 1 });
      // With probabilities: log loss when every true label is a model class, null otherwise.
      const values = new Float64Array([0.9, 0.1, 0.2, 0.8]);
      const ok = engine.evaluate(['negative', 'positive'], ['negative', 'positive'], {
        classes: ['negative', 'positive'],
        values,
      });
      assert.ok(Math.abs((ok.log_loss as number) - -(Math.log(0.9) + Math.log(0.8)) / 2) < 1e-12);
      const plain = engine.evaluate(['negative', 'positive'], ['negative', 'positive'], {
        classes: ['negative', 'positive'],
        values: [0.9, 0.1, 0.2, 0.8],
      });
      assert.equal(plain.log_loss, ok.log_loss);
      const unseen = engine.evaluate(['negative', 'meh'], ['negative', 'positive'], {
        classes: ['negative', 'positive'],
        values,
      });
      assert.equal(unseen.log_loss, null);
      assert.equal(unseen.accuracy, 0.5);
    });

    it('evaluate errors: INVALID_METRICS_INPUT, INVALID_ARGUMENT', async () => {
      await expectCode('INVALID_METRICS_INPUT', () => engine.evaluate(['a', 'b'], ['a']));
      await expectCode('INVALID_METRICS_INPUT', () =>
        engine.evaluate(['a', 'b'], ['a', 'b'], {
          classes: ['a', 'b'],
          values: new Float64Array(3),
        }),
      );
      await expectCode('INVALID_ARGUMENT', () =>
        engine.evaluate('a' as unknown as string[], ['a']),
      );
      await expectCode('INVALID_ARGUMENT', () =>
        engine.evaluate(['a'], ['a'], { classes: ['a'], values: 'x' as unknown as number[] }),
      );
    });

    it('corrupted, truncated, random and wrong-version model bytes', async () => {
      const bytes = model.toBytes();
      await expectCode('MODEL_TRUNCATED', () => engine.loadModel(new Uint8Array()));
      await expectCode('MODEL_TRUNCATED', () => engine.loadModel(bytes.slice(0, 20)));
      await expectCode('MODEL_TRUNCATED', () => engine.loadModel(bytes.slice(0, 40)));
      await expectCode('MODEL_TRUNCATED', () => engine.loadModel(bytes.slice(0, bytes.length - 1)));
      await expectCode('MODEL_BAD_MAGIC', () => engine.loadModel(randomBytes(4096, 7)));
      await expectCode('MODEL_BAD_MAGIC', () =>
        engine.loadModel(new TextEncoder().encode('SENTIOMX and more bytes than a preamble')),
      );
      const wrongVersion = bytes.slice();
      wrongVersion[8] = 2;
      await expectCode('MODEL_VERSION', () => engine.loadModel(wrongVersion));
      for (const at of [40, Math.floor(bytes.length / 2), bytes.length - 1]) {
        const flipped = bytes.slice();
        flipped[at] = (flipped[at] as number) ^ 0x01;
        await expectCode('MODEL_CHECKSUM', () => engine.loadModel(flipped));
      }
      const checksum = bytes.slice();
      checksum[24] = (checksum[24] as number) ^ 0xff;
      await expectCode('MODEL_CHECKSUM', () => engine.loadModel(checksum));
      const trailing = new Uint8Array(bytes.length + 3);
      trailing.set(bytes);
      await expectCode('MODEL_CORRUPT', () => engine.loadModel(trailing));
      // Random garbage behind a valid magic: never a crash, always a model code.
      for (let seed = 1; seed <= 50; seed++) {
        const junk = randomBytes(64 + seed * 13, seed);
        junk.set(bytes.subarray(0, seed % 2 === 0 ? 8 : 32));
        let err: unknown;
        try {
          engine.loadModel(junk);
        } catch (e) {
          err = e;
        }
        assert.ok(
          err instanceof EngineError,
          `seed ${seed}: expected an EngineError, got ${String(err)}`,
        );
        assert.match(err.code, /^MODEL_/);
      }
      await expectCode('INVALID_ARGUMENT', () =>
        engine.loadModel('SENTIOMF' as unknown as Uint8Array),
      );
      await expectCode('INVALID_ARGUMENT', () =>
        engine.loadModel([1, 2, 3] as unknown as Uint8Array),
      );
    });

    it('bad configs are INVALID_CONFIG', async () => {
      const bad: unknown[] = [
        { min_dff: 2 },
        { ngram_range: [2, 1] },
        { ngram_range: [0, 1] },
        { ngram_range: [1, 9] },
        { alpha: 0 },
        { alpha: -1 },
        { alpha: Number.NaN },
        { min_df: 2.5 },
        { min_df: -1 },
        { max_df: 1.5 },
        { max_features: 0 },
        { hashing: { bits: 40 } },
        { hashing: { bits: 0 } },
        { hashing: { bits: 10, extra: true } },
        { hashing: { bits: 10 }, max_features: 5 },
        { norm: 'l3' },
        { classifier: 'bernoulli' },
        { strip_accents: 'yes' },
        { stop_words: 'french' },
        { stop_words: [''] },
        {
          class_prior: [
            ['a', 0.5],
            ['b', 0.4],
          ],
        },
        { lowercase: 'yes' },
      ];
      for (const cfg of bad) {
        await expectCode('INVALID_CONFIG', () => engine.createTrainer(cfg as TrainConfig));
        await expectCode('INVALID_CONFIG', () =>
          engine.train(cfg as TrainConfig, ['good movie', 'bad movie'], ['pos', 'neg']),
        );
      }
      // Valid in shape but not for this data.
      await expectCode('INVALID_CONFIG', () =>
        engine.train(
          {
            class_prior: [
              ['pos', 0.5],
              ['other', 0.5],
            ],
          },
          ['good movie', 'bad movie'],
          ['pos', 'neg'],
        ),
      );
      await expectCode('INVALID_ARGUMENT', () =>
        engine.createTrainer('{}' as unknown as TrainConfig),
      );
    });

    it('wrong JS types are INVALID_ARGUMENT', async () => {
      const any = model as unknown as Record<string, (...a: unknown[]) => unknown>;
      await expectCode('INVALID_ARGUMENT', () => any.predict?.call(model, 42));
      await expectCode('INVALID_ARGUMENT', () => any.predict?.call(model, undefined));
      await expectCode('INVALID_ARGUMENT', () => any.predictBatch?.call(model, 'text'));
      await expectCode('INVALID_ARGUMENT', () => any.predictBatch?.call(model, ['ok', 1]));
      await expectCode('INVALID_ARGUMENT', () => any.predictBatchAsync?.call(model, [null]));
      await expectCode('INVALID_ARGUMENT', () => any.predictBytes?.call(model, 'text'));
      await expectCode('INVALID_ARGUMENT', () => any.explain?.call(model, 'text', -1));
      await expectCode('INVALID_ARGUMENT', () => any.explain?.call(model, 'text', 1.5));
      await expectCode('INVALID_ARGUMENT', () => any.explain?.call(model, 'text', '3'));
      await expectCode('INVALID_ARGUMENT', () =>
        engine.train({}, 'ab' as unknown as string[], ['a']),
      );
      await expectCode('INVALID_ARGUMENT', () =>
        engine.createTrainer({}).learn(['a'], [1 as unknown as string]),
      );
    });

    it('hashing mode and complement NB', async () => {
      const { train, test } = split(data);
      const hashed = await engine.train(
        { ngram_range: [1, 2], sublinear_tf: true, hashing: { bits: 14, signed: true } },
        train.texts,
        train.labels,
      );
      assert.equal(hashed.vocabulary(), null);
      assert.equal(hashed.nFeatures, 1 << 14);
      assert.equal((hashed.idf() as Float64Array).length, 1 << 14);
      assert.deepEqual(hashed.config.hashing, { bits: 14, signed: true });
      const acc = engine.evaluate(test.labels, hashed.predictBatch(test.texts).labelNames).accuracy;
      assert.ok(acc > 0.7, `hashing accuracy ${acc}`);
      const back = engine.loadModel(hashed.toBytes());
      assertSameFloats(
        back.predictBatch(test.texts).probabilities,
        hashed.predictBatch(test.texts).probabilities,
        'hashed round trip',
      );
      const e = hashed.explain('a great and excellent movie', 3);
      assert.ok(
        e.contributions.length > 0 &&
          e.contributions.every((c) =>
            hashed.analyze('a great and excellent movie').includes(c.feature),
          ),
      );
      const noIdf = await engine.train({ use_idf: false, norm: 'none' }, train.texts, train.labels);
      assert.equal(noIdf.idf(), null);
      const cnb = await engine.train(
        { ...CONFIG, classifier: 'complement', complement_norm: true },
        train.texts,
        train.labels,
      );
      const cacc = engine.evaluate(test.labels, cnb.predictBatch(test.texts).labelNames).accuracy;
      assert.ok(cacc > 0.7, `complement NB accuracy ${cacc}`);
    });

    it('sha256EachText: native digests packed texts as node:crypto does; null on WASM', async () => {
      const each = engine.sha256EachText;
      if (name !== 'native') {
        assert.equal(each, null);
        return;
      }
      assert.ok(each !== null);
      const texts = ['', 'abc', 'héllo ✓ \u{1F600}', 'x'.repeat(100_000), data.texts[0] as string];
      const parts = texts.map((t) => new TextEncoder().encode(t));
      const bytes = new Uint8Array(7 + parts.reduce((s, p) => s + p.length, 0));
      const ends = new Uint32Array(parts.length);
      let at = 7; // the packed texts start after unrelated bytes
      parts.forEach((p, i) => {
        bytes.set(p, at);
        at += p.length;
        ends[i] = at;
      });
      const out = each(bytes, 7, ends);
      assert.equal(out.length, 32 * texts.length);
      texts.forEach((t, i) => {
        const hex = Buffer.from(out.subarray(32 * i, 32 * i + 32)).toString('hex');
        assert.equal(hex, crypto.createHash('sha256').update(t, 'utf8').digest('hex'), `text ${i}`);
      });
      assert.equal(each(bytes, 0, new Uint32Array(0)).length, 0);
      const e = await expectCode('INVALID_ARGUMENT', () => each(bytes, 0, new Uint32Array([5, 3])));
      assert.match(e.message, /ends\[1\]: 3 is before 5/);
      await expectCode('INVALID_ARGUMENT', () =>
        each(bytes, 0, new Uint32Array([bytes.length + 1])),
      );
      await expectCode('INVALID_ARGUMENT', () => each(bytes, 0, [3] as unknown as Uint32Array));
    });

    it('disposed models refuse further use', () => {
      const m = engine.loadModel(model.toBytes());
      m.dispose();
      m.dispose();
      assert.throws(
        () => m.predict('x'),
        (e: unknown) => e instanceof EngineError && e.code === 'INVALID_ARGUMENT',
      );
    });

    it('worker_threads: load + predict inside Workers', async () => {
      const texts = data.texts.slice(0, 300);
      const bytes = model.toBytes();
      const expected = model.predictBatch(texts);
      const results = await Promise.all(
        [0, 1].map(() => runWorker({ backend: name, model: bytes, texts })),
      );
      for (const r of results) {
        assert.equal(r.backend, name);
        assert.deepEqual(r.labels, expected.labelNames);
        assert.deepEqual(r.single, expected.labelNames);
        assertSameFloats(r.probabilities, expected.probabilities, 'worker probabilities');
      }
    });
  });
}
