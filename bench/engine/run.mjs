#!/usr/bin/env node
// Sentio's engine benchmark: Sentio (native N-API and WASM, through the
// engine API in dist/engine) side by side with scikit-learn and the pure-JS
// Naive Bayes packages from npm, in one run, on the same data and config;
// and Sentio vs scikit-learn once more on a second dataset (airline_tweets).
//
//   npm run bench:engine              full run -> bench/RESULTS.md, bench/results/engine.{json}, engine-ratios.svg
//   npm run bench:engine -- --quick   CI-sized smoke run (subsample, fewer repeats; under 3 minutes)
//                                     -> bench/.work/engine-quick/ unless --out is given
//   npm run bench / npm run bench:quick   run this through bench/run-all.mjs (with the other benches)
//   options: --out DIR    write RESULTS.md and results/ under DIR instead
//            --rerender   only rewrite RESULTS.md and the chart from DIR/results/engine.json
//                         (after a change to the report code; measures nothing)
//
// Prerequisites: `npm run bootstrap` (native addon, WASM package, dist/, .venv
// with scikit-learn); the npm script runs it first.
import path from 'node:path';
import { runNodeChild } from '../lib/child.mjs';
import { benchCli, rerenderAndExit, startRun } from '../lib/cli.mjs';
import { loadSample, machineInfo, packageVersion } from '../lib/machine.mjs';
import { secondsSince, summarize } from '../lib/stats.mjs';
import { measureAirline } from './airline.mjs';
import { MODEL_CONFIG, PROFILES, REPO_ROOT } from './config.mjs';
import { accuracy, dataFiles, loadData, prefix } from './data.mjs';
import { alternately, measureInterleaved } from './interleaved.mjs';
import { runSklearn } from './peer-sklearn.mjs';
import { fmtTime, writeOutputs } from './report.mjs';
import {
  loadEngines,
  measureBatch,
  measureLoad,
  measureSingle,
  measureTraining,
  mergeBatches,
  mergeSingles,
  predictedNames,
  trainOnce,
} from './sentio.mjs';

const { opts, profile, outputs } = benchCli('engine', {
  usage: 'node --expose-gc bench/engine/run.mjs [--quick] [--out DIR] [--rerender]',
  profiles: PROFILES,
});
if (opts.rerender) {
  // The ratios are computed again from the raw figures.
  rerenderAndExit('engine', outputs, (res) => {
    delete res.ratios;
    return writeOutputs(res, outputs);
  });
}

const argvText = process.argv.slice(2).join(' ');
// bench/run-all.mjs passes the command it was started with (npm run bench:quick ...).
const command =
  process.env.SENTIO_BENCH_COMMAND ??
  (process.env.npm_lifecycle_event === 'bench:engine'
    ? `npm run bench:engine${argvText ? ` -- ${argvText}` : ''}`
    : `node bench/engine/run.mjs${argvText ? ` ${argvText}` : ''}`);

const { wall0, startedAt, timeline, phase } = startRun();
const log = (s) => console.log(`  ${s}`);
if (typeof globalThis.gc !== 'function')
  log('note: run node with --expose-gc to collect garbage between repeats');

// ------------------------------------------------------------------ setup
phase('load engines and data');
const { native, wasm } = await loadEngines();
if (native.backend !== 'native') throw new Error('the native backend did not load');
const data = loadData(profile);
log(
  `train ${data.train.n} reviews, test ${data.test.n} reviews (CSV read in ${fmtTime(data.csvLoadSeconds)})`,
);
const files = dataFiles(data);
if (files.temporary) log(`prefix CSVs for the file-reading peers: ${path.dirname(files.train)}`);

try {
  // ---------------------------------------------------- peak memory (fresh processes)
  phase('Sentio: peak memory child (fresh node process)');
  const memoryChild = await runNodeChild(
    path.join(REPO_ROOT, 'bench', 'engine', 'sentio-train-child.mjs'),
    [files.train, JSON.stringify(MODEL_CONFIG)],
    { label: 'sentio-memory', execArgv: ['--expose-gc'] },
  );
  log(
    `maxRSS before training ${(memoryChild.peak_rss_bytes_after_load / 2 ** 20).toFixed(1)} MiB, after ${(memoryChild.peak_rss_bytes_after_train / 2 ** 20).toFixed(1)} MiB`,
  );

  // ---------------------------------------------------------------- scikit-learn
  phase('scikit-learn peer (bench/peers/sklearn_bench.py)');
  // Its fit and batch here only produce the fitted pipeline and accuracy:
  // the reported ones are measured alternately with Sentio's below.
  const sklearn = await runSklearn({
    trainFile: files.train,
    testFile: files.test,
    config: MODEL_CONFIG,
    repeats: profile.sklearnRepeats,
    fitRepeats: 1,
    batchRepeats: 1,
    singleCalls: profile.singleCalls,
  });

  // ------------------------------- training and batches, alternately with scikit-learn
  phase('Sentio native and scikit-learn, alternately: training, then batch prediction');
  const interleaved = await measureInterleaved({
    engine: native,
    config: MODEL_CONFIG,
    train: data.train,
    test: data.test,
    files,
    rounds: profile.trainRepeats,
    batchRounds: profile.batchRepeats,
    log,
  });
  const { model } = interleaved;
  const trainSeconds = interleaved.sentio.train_seconds;
  const trainCpuSeconds = interleaved.sentio.train_cpu_seconds;
  Object.assign(sklearn, {
    fit_seconds: interleaved.sklearn.fit_seconds,
    fit_cpu_seconds: interleaved.sklearn.fit_cpu_seconds,
    batch_predict_proba: interleaved.sklearnBatch,
    interleaved_with_sentio: {
      rounds: interleaved.rounds,
      batch_rounds: interleaved.batchRounds,
      what: 'fit_seconds, fit_cpu_seconds and batch_predict_proba were measured alternately with Sentio (bench/engine/interleaved.mjs), not by the one-shot run',
    },
  });

  // ---------------------------------------------------------------- Sentio native
  const { batch, batchAsync } = interleaved;
  log(
    `predictBatch ${Math.round(batch.docs_per_second_median)} docs/s, accuracy ${batch.accuracy.toFixed(4)}`,
  );
  log(`predictBatchAsync ${Math.round(batchAsync.docs_per_second_median)} docs/s`);
  phase('Sentio native: single-text latency');
  const single = measureSingle(model, data.test.texts, profile.singleCalls);
  log(`predict median ${fmtTime(single.median)}, p90 ${fmtTime(single.p90)}`);
  phase('Sentio native: model size and load');
  const bytes = model.toBytes();
  const load = measureLoad(native, bytes, profile.loadRepeats);
  log(`${bytes.length} bytes, load median ${fmtTime(load.median)}`);

  // ---------------------------------------------------------------- Sentio WASM
  phase('Sentio WASM: single, batch, load, training');
  const wasmModel = wasm.loadModel(bytes);
  // The single-text target's N-API side is measured again, in rounds that
  // alternate with WASM's. Measured once each, one after the other, each
  // side landed in whatever stretch of machine speed it fell in, and WASM
  // went right after its model was loaded: the first block of calls on a
  // freshly loaded model runs slower than later ones on both backends (WASM
  // 32-35 us median in its first block, 22-29 us in later ones, here).
  const singles = await alternately(profile.singleRounds, {
    wasm: () =>
      measureSingle(wasmModel, data.test.texts, profile.singleCalls, { keepSamples: true }),
    native: () => measureSingle(model, data.test.texts, profile.singleCalls, { keepSamples: true }),
  });
  const wasmSingle = mergeSingles(singles.wasm);
  const nativeSingleBesideWasm = mergeSingles(singles.native);
  log(
    `predict median WASM ${fmtTime(wasmSingle.median)}, N-API ${fmtTime(nativeSingleBesideWasm.median)} (${profile.singleRounds} alternating rounds)`,
  );
  // The batch target's N-API side is measured again, alternately with WASM.
  const batches = await alternately(profile.wasmBatchRepeats, {
    wasm: () => measureBatch(wasmModel, data.test, 1),
    native: () => measureBatch(model, data.test, 1),
  });
  const wasmBatch = mergeBatches(batches.wasm);
  const nativeBatchBesideWasm = mergeBatches(batches.native);
  log(
    `predictBatch WASM ${Math.round(wasmBatch.docs_per_second_median)} docs/s, N-API ${Math.round(nativeBatchBesideWasm.docs_per_second_median)} docs/s`,
  );
  const wasmLoad = measureLoad(wasm, bytes, profile.wasmLoadRepeats);
  wasmModel.dispose();
  const wasmTrain = await measureTraining(
    wasm,
    MODEL_CONFIG,
    data.train,
    profile.wasmTrainRepeats,
    log,
  );
  wasmTrain.model.dispose();
  let labelsAgree = 0;
  for (let i = 0; i < batch.labels.length; i++)
    if (batch.labels[i] === wasmBatch.labels[i]) labelsAgree++;

  // ------------------------------------------------ second dataset: airline_tweets
  let airline = null;
  if (profile.airline) {
    phase('airline_tweets: Sentio native and scikit-learn side by side');
    airline = await measureAirline(native, profile.airline, log);
  }

  // ---------------------------------------------------------------- pure-JS peers
  const PACKAGES = { bayes: 'bayes', wink: 'wink-naive-bayes-text-classifier', natural: 'natural' };
  const jsPeers = {};
  for (const [key, spec] of Object.entries(profile.peers)) {
    phase(
      `JS peer ${PACKAGES[key]}: ${spec.nTrain} train / ${spec.nTest} test reviews (fresh node process)`,
    );
    // bayes's targets are judged against Sentio with unigram features only
    // (bayes has no bigrams), otherwise the same config, on the same
    // reviews: one such Sentio training after each bayes training, while
    // the bayes child waits, so both sides sample the same minutes.
    const unigram =
      key === 'bayes'
        ? {
            config: { ...MODEL_CONFIG, ngram_range: [1, 1] },
            train: prefix(data.trainAll, spec.nTrain),
            runs: [],
            model: null,
          }
        : null;
    const onRound = unigram
      ? async () => {
          unigram.model?.dispose();
          unigram.model = null;
          const run = await trainOnce(native, unigram.config, unigram.train);
          unigram.model = run.model;
          unigram.runs.push(run);
          log(
            `Sentio with ngram_range [1,1], after bayes round ${unigram.runs.length}: ${fmtTime(run.seconds)}`,
          );
        }
      : undefined;
    let peer;
    try {
      peer = await runNodeChild(
        path.join(REPO_ROOT, 'bench', 'engine', 'js-peer-child.mjs'),
        [
          key,
          String(spec.nTrain),
          String(spec.nTest),
          String(spec.repeats),
          ...(unigram ? ['alternate'] : []),
        ],
        { timeoutMs: spec.timeoutMs, label: key, execArgv: ['--expose-gc'], onRound },
      );
      log(`train ${fmtTime(peer.train_seconds.median)}, accuracy ${peer.accuracy.toFixed(4)}`);
    } catch (err) {
      peer = { error: err.message, timed_out: Boolean(err.timedOut) };
      log(`failed: ${err.message}`);
    }
    // Sentio on exactly the same reviews.
    let sentio;
    const sameTrain = spec.nTrain === data.train.n;
    if (sameTrain) {
      const testPrefix = prefix(data.testAll, spec.nTest);
      const labels =
        spec.nTest <= data.test.n
          ? batch.labels.slice(0, spec.nTest)
          : predictedNames(model, model.predictBatch(testPrefix.texts));
      sentio = {
        n_train: spec.nTrain,
        n_test: spec.nTest,
        reused_headline: true,
        train_seconds: trainSeconds,
        accuracy: accuracy(labels, testPrefix.labels),
      };
    } else {
      const tr = prefix(data.trainAll, spec.nTrain);
      const te = prefix(data.testAll, spec.nTest);
      const t = await measureTraining(native, MODEL_CONFIG, tr, profile.subsampleTrainRepeats);
      const b = t.model.predictBatch(te.texts);
      sentio = {
        n_train: spec.nTrain,
        n_test: spec.nTest,
        reused_headline: false,
        train_seconds: t.seconds,
        accuracy: accuracy(predictedNames(t.model, b), te.labels),
      };
      t.model.dispose();
    }
    log(
      `Sentio on the same reviews: train ${fmtTime(sentio.train_seconds.median)}, accuracy ${sentio.accuracy.toFixed(4)}`,
    );
    if (unigram) {
      // Measured alternately with bayes above; if the child failed before
      // its first round, measured here on its own.
      if (unigram.runs.length === 0) {
        const t = await measureTraining(
          native,
          unigram.config,
          unigram.train,
          profile.subsampleTrainRepeats,
        );
        unigram.model = t.model;
        unigram.runs = t.seconds.all.map((seconds) => ({ seconds }));
      }
      const te = prefix(data.testAll, spec.nTest);
      const b = unigram.model.predictBatch(te.texts);
      sentio.unigram = {
        config: unigram.config,
        alternated_with_peer: unigram.runs.length > 0 && !peer.error,
        train_seconds: summarize(unigram.runs.map((r) => r.seconds)),
        accuracy: accuracy(predictedNames(unigram.model, b), te.labels),
        n_features: unigram.model.nFeatures,
      };
      unigram.model.dispose();
      log(
        `Sentio with ngram_range [1,1]: train ${fmtTime(sentio.unigram.train_seconds.median)}, accuracy ${sentio.unigram.accuracy.toFixed(4)}`,
      );
    }
    const full =
      spec.nTrain >= data.trainAll.texts.length && spec.nTest >= data.testAll.texts.length;
    jsPeers[key] = {
      package: PACKAGES[key],
      n_train: spec.nTrain,
      n_test: spec.nTest,
      timeout_seconds: spec.timeoutMs / 1000,
      why_subsample: full ? null : subsampleReason(key, spec, profile),
      peer,
      sentio,
    };
  }

  phase('done measuring');
  const res = {
    schema: 'sentio-engine-bench/1',
    profile: profile.name,
    profile_settings: profile,
    command,
    repo_root: REPO_ROOT,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    wall_seconds: secondsSince(wall0),
    machine: machineInfo(REPO_ROOT),
    tinybench_version: packageVersion(REPO_ROOT, 'tinybench'),
    config: MODEL_CONFIG,
    data: {
      train_file: data.train.file,
      test_file: data.test.file,
      n_train: data.train.n,
      n_test: data.test.n,
      n_train_file: data.train.nFile,
      n_test_file: data.test.nFile,
      train_file_bytes: data.train.fileBytes,
      test_file_bytes: data.test.fileBytes,
      selection:
        data.train.n === data.train.nFile && data.test.n === data.test.nFile
          ? 'whole files'
          : 'first N records of each file (balanced: the classes alternate)',
      csv_load_seconds: data.csvLoadSeconds,
    },
    load_timeline: timeline,
    sentio: {
      engine_version: native.version,
      native_source: native.source,
      wasm_source: wasm.source,
      n_features: model.nFeatures,
      accuracy: batch.accuracy,
      train: {
        api: 'engine.train (native trainAsync)',
        seconds: trainSeconds,
        cpu_seconds: trainCpuSeconds,
      },
      single,
      batch: stripLabels(batch),
      batch_async: stripLabels(batchAsync),
      model_bytes: bytes.length,
      load,
      memory_child: memoryChild,
      wasm: {
        single: wasmSingle,
        batch: stripLabels(wasmBatch),
        // N-API measured alternately with the batch above: the side the
        // WASM batch target compares against.
        native_batch: stripLabels(nativeBatchBesideWasm),
        native_single: nativeSingleBesideWasm,
        load: wasmLoad,
        train: {
          api: 'engine.train (WASM, synchronous)',
          seconds: wasmTrain.seconds,
          cpu_seconds: wasmTrain.cpu_seconds,
        },
        batch_labels_agree_with_native: labelsAgree / batch.labels.length,
      },
    },
    sklearn,
    js_peers: jsPeers,
    airline_tweets: airline,
  };
  res.load_timeline.push(loadSample('end'));
  const out = writeOutputs(res, outputs);

  console.log(`\n== summary (${profile.name} profile, ${(res.wall_seconds / 60).toFixed(1)} min)`);
  for (const r of out.rows) {
    const st = r.met === true ? 'met' : r.met === false ? 'NOT met' : '';
    console.log(
      `  ${r.figure}: ${r.ratioText}${r.target ? `  [target ${r.target.text}: ${st}]` : ''}`,
    );
  }
  console.log(
    `\nwrote ${path.relative(REPO_ROOT, out.resultsMd)}, ${path.relative(REPO_ROOT, out.jsonFile)}, ${path.relative(REPO_ROOT, out.svgFile)}`,
  );
  model.dispose();
} finally {
  files.cleanup();
}

function stripLabels({ labels, ...rest }) {
  return rest;
}

function subsampleReason(key, spec, prof) {
  const what = `trained on the first ${spec.nTrain.toLocaleString('en-US')} train reviews and scored on the first ${spec.nTest.toLocaleString('en-US')} test reviews; Sentio was trained and scored on the same reviews for this comparison`;
  if (prof.name === 'quick') return `${what} (quick profile).`;
  if (key === 'natural') {
    return `${what}. natural's BayesClassifier turns every document into a dense 0/1 vector over the whole vocabulary (\`textToFeatures\`: one \`indexOf\` per vocabulary entry), so training grows with documents × vocabulary and each prediction with the vocabulary: 2,000 reviews already take tens of seconds to train and around 10 ms or more per prediction (see the table); 25,000 would take hours.`;
  }
  if (key === 'wink') {
    return `${what}. Training runs on all 25,000 reviews; only the scoring is on a prefix, because wink's recommended preparation (winkNLP tokenization, stems, negation) costs several ms per review and prediction is slower than training per review.`;
  }
  return `${what}.`;
}
