#!/usr/bin/env node
// Sentio's browser benchmark: WASM predict in headless Chromium (Debian's
// chromium driven by playwright-core, as the web app's tests do) against the
// same model in Node — N-API and WASM-in-Node — in the same run.
//
//   node bench/browser/run.mjs            full run -> bench/RESULTS.md (browser section),
//                                         bench/results/browser.json
//   node bench/browser/run.mjs --quick    smoke run -> bench/.work/browser-quick/
//   options: --out DIR     write RESULTS.md and results/ under DIR instead
//            --rerender    only rewrite RESULTS.md from DIR/results/browser.json
//
// The model is trained in Node (engine.train on all imdb train reviews, the
// bench's model config); its bytes and the test reviews are served to a
// bench page from a loopback http server (bench/browser/server.mjs). The
// environments take turns in rounds and run the same measurement code
// (bench/browser/measure.mjs). Exit code 1 when browser predictions differ
// from Node's.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchCli, rerenderAndExit, startRun } from '../lib/cli.mjs';
import { readTextLabelCsv } from '../lib/csv.mjs';
import { loadSample, packageVersion } from '../lib/machine.mjs';
import { median, secondsSince } from '../lib/stats.mjs';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  MODEL_CONFIG,
  PROBABILITY_TOLERANCE,
  PROFILES,
  REPO_ROOT,
  TEST_CSV,
  TRAIN_CSV,
} from './config.mjs';
import * as measure from './measure.mjs';
import { latency, writeOutputs } from './report.mjs';
import { startStaticServer } from './server.mjs';

const { opts, profile, outputs } = benchCli('browser', {
  usage: 'node bench/browser/run.mjs [--quick] [--out DIR] [--rerender]',
  profiles: PROFILES,
});
if (opts.rerender) rerenderAndExit('browser', outputs, writeOutputs);

function fail(message) {
  console.error(`browser bench: ${message}`);
  process.exit(1);
}

// ------------------------------------------------------------ prerequisites
for (const file of [TRAIN_CSV, TEST_CSV]) {
  if (!fs.existsSync(file)) {
    fail(
      `bench data not found: ${file} (set SENTIO_BENCH_DATA to the folder with the imdb train.csv and test.csv)`,
    );
  }
}
if (!fs.existsSync(CHROMIUM)) {
  fail(
    `Chromium is not installed at ${CHROMIUM}: this bench drives Debian's chromium (as the web app's browser tests do). Install it with \`apt-get install chromium\` (or \`node scripts/bootstrap.mjs\`, its "browser" step), or point SENTIO_CHROMIUM at a Chromium binary. Never \`npx playwright install\`.`,
  );
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  fail(`playwright-core is not installed (${err.message}): run \`npm install\``);
}
const PKG = path.join(REPO_ROOT, 'bindings', 'wasm', 'pkg');
const PKG_JS = path.join(PKG, 'sentio_wasm.js');
const PKG_WASM = path.join(PKG, 'sentio_wasm_bg.wasm');
for (const file of [PKG_JS, PKG_WASM]) {
  if (!fs.existsSync(file)) {
    fail(
      `${file} is missing: build the WASM package (\`node scripts/build-wasm.mjs\` or \`npm run build\`)`,
    );
  }
}
const engineIndex = path.join(REPO_ROOT, 'dist', 'engine', 'index.js');
if (!fs.existsSync(engineIndex)) fail(`${engineIndex} is missing: run \`npm run build\``);
const { loadEngine } = await import(pathToFileURL(engineIndex).href);

const { timeline, phase, resultsHead } = startRun();
const log = (s) => console.log(`  ${s}`);
const now = () => performance.now();

// ------------------------------------------------------------ model and data
phase('train the model in Node (native engine) and load it everywhere');
let native;
let wasm;
try {
  native = await loadEngine({ backend: 'native' });
  wasm = await loadEngine({ backend: 'wasm' });
} catch (err) {
  fail(`the engine does not load (${err.message}); build it with \`npm run build\``);
}
if (native.backend !== 'native') fail('the native engine did not load: run `npm run build`');
const train = readTextLabelCsv(TRAIN_CSV);
const test = readTextLabelCsv(TEST_CSV);
const nSingle = profile.rounds * profile.singlePerRound;
const nTexts = Math.max(profile.batchTexts, nSingle + profile.warmupCalls);
if (nTexts > test.texts.length) fail(`the profile needs ${nTexts} test reviews`);
const texts = test.texts.slice(0, nTexts);
const t0 = process.hrtime.bigint();
const trained = await native.train(MODEL_CONFIG, train.texts, train.labels);
const trainSeconds = secondsSince(t0);
const modelBytes = trained.toBytes();
trained.dispose();
log(
  `trained on ${train.texts.length} reviews in ${trainSeconds.toFixed(2)} s: ${modelBytes.length} bytes, ${texts.length} test reviews for the page`,
);
// The same model file in every environment.
const pkg = await import(pathToFileURL(PKG_JS).href);
pkg.initSync({ module: fs.readFileSync(PKG_WASM) }); // a no-op: loadEngine's WASM backend already did
const plainBytes = new Uint8Array(modelBytes);
const models = {
  napi: native.loadModel(modelBytes),
  node_wasm: pkg.Model.fromBytes(plainBytes),
  node_wasm_engine: wasm.loadModel(plainBytes),
};

// ------------------------------------------------------------ browser
phase('start the static server and Chromium');
const server = await startStaticServer({
  files: {
    '/': path.join(REPO_ROOT, 'bench', 'browser', 'page.html'),
    '/page.mjs': path.join(REPO_ROOT, 'bench', 'browser', 'page.mjs'),
    '/measure.mjs': path.join(REPO_ROOT, 'bench', 'browser', 'measure.mjs'),
    '/pkg/sentio_wasm.js': PKG_JS,
    '/pkg/sentio_wasm_bg.wasm': PKG_WASM,
  },
  blobs: {
    '/data/model.bin': Buffer.from(modelBytes),
    '/data/texts.json': JSON.stringify(texts),
  },
});
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
} catch (err) {
  await server.close();
  fail(`Chromium (${CHROMIUM}) did not start: ${err.message}`);
}
const pageErrors = [];
let res;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  page.setDefaultTimeout(10 * 60_000);
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.body.dataset.ready || document.body.dataset.error);
  const failed = await page.evaluate(() => document.body.dataset.error ?? null);
  if (failed) throw new Error(`the bench page failed to set up: ${failed}`);
  const browserInfo = await page.evaluate(() => window.bench.info());
  browserInfo.chromium_version = browser.version();
  log(
    `${browserInfo.user_agent}; crossOriginIsolated ${browserInfo.cross_origin_isolated}, timer resolution ${(browserInfo.timer_resolution_ms * 1000).toFixed(1)} µs`,
  );
  if (browserInfo.model_bytes !== modelBytes.length)
    throw new Error('the page got other model bytes');

  // Each environment as the same five operations, the browser's through page.evaluate.
  const envs = {
    browser: {
      label: 'Chromium, WASM',
      warmUp: (start, calls, n, b) =>
        page.evaluate(([s, c, nb, bb]) => window.bench.warmUp(s, c, nb, bb), [start, calls, n, b]),
      single: (start, count) =>
        page.evaluate(([s, c]) => window.bench.single(s, c), [start, count]),
      blocks: (start, count) =>
        page.evaluate(
          ([s, c, k]) => window.bench.blocks(s, c, k),
          [start, count, profile.blockSize],
        ),
      batch: (n) => page.evaluate((nb) => window.bench.batch(nb), n),
    },
  };
  for (const [key, model, label] of [
    ['napi', models.napi, 'Node, N-API (engine API)'],
    ['node_wasm', models.node_wasm, 'Node, WASM (the package, as the page calls it)'],
    ['node_wasm_engine', models.node_wasm_engine, 'Node, WASM (engine API)'],
  ]) {
    envs[key] = {
      label,
      warmUp: async (start, calls, n, b) =>
        measure.warmUp(model, texts, start, calls, texts.slice(0, n), b),
      single: async (start, count) => measure.single(model, texts, start, count, now),
      blocks: async (start, count) =>
        measure.blocks(model, texts, start, count, profile.blockSize, now),
      batch: async (n) => measure.batch(model, texts.slice(0, n), now),
    };
  }
  const keys = Object.keys(envs);

  phase('warm up every environment');
  for (const k of keys) {
    await envs[k].warmUp(nSingle, profile.warmupCalls, profile.batchTexts, profile.warmupBatches);
  }

  const perEnv = Object.fromEntries(
    keys.map((k) => [k, { samples_ms: [], block_ms: [], batch_ms: [], rounds: [] }]),
  );
  for (let r = 0; r < profile.rounds; r++) {
    phase(`round ${r + 1}/${profile.rounds}`);
    const order = keys.map((_, i) => keys[(i + r) % keys.length]);
    const start = r * profile.singlePerRound;
    for (const k of order) {
      const s = await envs[k].single(start, profile.singlePerRound);
      const bl = await envs[k].blocks(start, profile.singlePerRound);
      const b = await envs[k].batch(profile.batchTexts);
      const e = perEnv[k];
      e.samples_ms.push(...s.samples);
      e.block_ms.push(...bl.per_call_ms);
      e.batch_ms.push(b);
      const round = {
        round: r + 1,
        single_median_ms: median(s.samples),
        block_median_ms: median(bl.per_call_ms),
        block_mean_ms: bl.total_ms / profile.singlePerRound,
        batch_ms: b,
      };
      e.rounds.push(round);
      log(
        `${envs[k].label.padEnd(48)} predict median ${(round.single_median_ms * 1000).toFixed(1)} µs, in blocks of ${profile.blockSize} ${(round.block_median_ms * 1000).toFixed(1)} µs, batch ${b.toFixed(0)} ms`,
      );
    }
  }

  // ---------------------------------------------------------- agreement
  phase('check that the browser predicts what Node predicts');
  const step = Math.max(1, Math.floor(texts.length / profile.checkSample));
  const indices = Array.from({ length: profile.checkSample }, (_, i) => i * step);
  const fromBrowser = await page.evaluate((ix) => window.bench.predictions(ix), indices);
  const batchBrowser = await page.evaluate(
    (n) => window.bench.batchPredictions(n),
    profile.batchTexts,
  );
  const agreement = {
    tolerance: PROBABILITY_TOLERANCE,
    single: {
      n: indices.length,
      indices: `every ${step}th of the first ${texts.length} test reviews`,
      vs_napi: compareSingle(fromBrowser, measure.predictions(models.napi, texts, indices)),
      vs_node_wasm: compareSingle(
        fromBrowser,
        measure.predictions(models.node_wasm, texts, indices),
      ),
    },
    batch: {
      n: profile.batchTexts,
      vs_napi: compareBatch(
        batchBrowser,
        measure.batchPredictions(models.napi, texts.slice(0, profile.batchTexts)),
      ),
      vs_node_wasm: compareBatch(
        batchBrowser,
        measure.batchPredictions(models.node_wasm, texts.slice(0, profile.batchTexts)),
      ),
    },
  };
  const checks = [
    agreement.single.vs_napi,
    agreement.single.vs_node_wasm,
    agreement.batch.vs_napi,
    agreement.batch.vs_node_wasm,
  ];
  agreement.passed = checks.every(
    (c) => c.label_mismatches === 0 && c.max_abs_diff <= PROBABILITY_TOLERANCE,
  );
  log(
    `single (${indices.length}): max |Δp| vs N-API ${agreement.single.vs_napi.max_abs_diff.toExponential(2)}, vs WASM-in-Node ${agreement.single.vs_node_wasm.max_abs_diff.toExponential(2)}; batch (${profile.batchTexts}): label mismatches vs N-API ${agreement.batch.vs_napi.label_mismatches}, max |Δp| ${agreement.batch.vs_napi.max_abs_diff.toExponential(2)} -> ${agreement.passed ? 'agree' : 'DISAGREE'}`,
  );
  const napiBatch = models.napi.predictBatch(texts.slice(0, profile.batchTexts));
  let correct = 0;
  for (let i = 0; i < napiBatch.length; i++)
    if (napiBatch.labelNames[i] === test.labels[i]) correct++;

  phase('done measuring');
  timeline.push(loadSample('end'));
  res = {
    ...resultsHead({
      schema: 'sentio-browser-bench/1',
      profile,
      script: 'bench/browser/run.mjs',
    }),
    node: {
      timer_resolution_ms: measure.timerResolution(now),
      engine_version: native.version,
      native_source: native.source,
      wasm_source: wasm.source,
    },
    browser: {
      executable: CHROMIUM,
      args: CHROMIUM_ARGS,
      playwright_core: packageVersion(REPO_ROOT, 'playwright-core'),
      ...browserInfo,
    },
    model: {
      config: MODEL_CONFIG,
      train_file: TRAIN_CSV,
      n_train: train.texts.length,
      train_seconds: trainSeconds,
      bytes: modelBytes.length,
      n_features: models.napi.nFeatures,
    },
    data: {
      test_file: TEST_CSV,
      n_texts_served: texts.length,
      n_single: nSingle,
      n_batch: profile.batchTexts,
      batch_accuracy_napi: correct / napiBatch.length,
    },
    // Per-call samples are summarised here (the JSON keeps the summary and every round's figures).
    environments: Object.fromEntries(
      keys.map((k) => {
        const { samples_ms, block_ms, ...rest } = perEnv[k];
        return [
          k,
          { label: envs[k].label, single: latency(samples_ms), blocks: latency(block_ms), ...rest },
        ];
      }),
    ),
    agreement,
    page_errors: pageErrors,
    load_timeline: timeline,
  };
} finally {
  await browser.close();
  await server.close();
}

const out = writeOutputs(res, outputs);
console.log(`\n== summary (${profile.name} profile, ${(res.wall_seconds / 60).toFixed(1)} min)`);
for (const r of out.rows) console.log(`  ${r.figure}: ${r.ratioText}`);
console.log(
  `  predictions: ${res.agreement.passed ? 'the browser agrees with Node' : 'the browser DISAGREES with Node'}`,
);
console.log(
  `\nwrote ${path.relative(REPO_ROOT, out.resultsMd)}, ${path.relative(REPO_ROOT, out.jsonFile)}`,
);
if (!res.agreement.passed) process.exitCode = 1;

function compareSingle(a, b) {
  let mismatches = 0;
  let maxDiff = 0;
  let identical = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i].label !== b[i].label) mismatches++;
    let same = true;
    for (let c = 0; c < a[i].probabilities.length; c++) {
      const d = Math.abs(a[i].probabilities[c] - b[i].probabilities[c]);
      if (d !== 0) same = false;
      maxDiff = Math.max(maxDiff, d);
    }
    if (same) identical++;
  }
  return {
    n: a.length,
    label_mismatches: mismatches,
    max_abs_diff: maxDiff,
    bit_identical: identical,
  };
}

function compareBatch(a, b) {
  let mismatches = 0;
  let maxDiff = 0;
  let different = 0;
  for (let i = 0; i < a.labels.length; i++) if (a.labels[i] !== b.labels[i]) mismatches++;
  for (let i = 0; i < a.probabilities.length; i++) {
    const d = Math.abs(a.probabilities[i] - b.probabilities[i]);
    if (d !== 0) different++;
    maxDiff = Math.max(maxDiff, d);
  }
  return {
    n: a.labels.length,
    label_mismatches: mismatches,
    max_abs_diff: maxDiff,
    probabilities_differing: different,
  };
}
