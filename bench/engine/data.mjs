// Benchmark data: imdb train/test CSVs, read with bench/lib/csv.mjs, and the
// prefixes (subsamples) that the profiles ask for; airline_tweets/all.csv and
// its deterministic train/test split.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTextLabelCsv, writeTextLabelCsv } from '../lib/csv.mjs';
import { secondsSince } from '../lib/stats.mjs';
import { AIRLINE_CSV, AIRLINE_TEST_EVERY, TEST_CSV, TRAIN_CSV } from './config.mjs';

function need(file) {
  if (!fs.existsSync(file)) {
    throw new Error(
      `bench data not found: ${file} (set SENTIO_BENCH_DATA to the folder with train.csv and test.csv)`,
    );
  }
}

/** `{ texts, labels }` limited to the first n records (n null: all). */
export function prefix(set, n) {
  if (n === null || n === undefined || n >= set.texts.length) return set;
  return { ...set, texts: set.texts.slice(0, n), labels: set.labels.slice(0, n), n };
}

/** Load both files, cut to the profile's prefixes. */
export function loadData(profile) {
  need(TRAIN_CSV);
  need(TEST_CSV);
  const t0 = process.hrtime.bigint();
  const trainAll = readTextLabelCsv(TRAIN_CSV);
  const testAll = readTextLabelCsv(TEST_CSV);
  const loadSeconds = secondsSince(t0);
  const train = {
    file: TRAIN_CSV,
    fileBytes: trainAll.bytes,
    nFile: trainAll.texts.length,
    ...prefix(trainAll, profile.nTrain),
  };
  const test = {
    file: TEST_CSV,
    fileBytes: testAll.bytes,
    nFile: testAll.texts.length,
    ...prefix(testAll, profile.nTest),
  };
  train.n = train.texts.length;
  test.n = test.texts.length;
  return { train, test, trainAll, testAll, csvLoadSeconds: loadSeconds };
}

/**
 * The CSV files that hold exactly `data.train` / `data.test`, for the peers
 * that read files themselves (scikit-learn, the memory child). Whole files are
 * used as they are; a prefix is written to a temporary folder outside the
 * repository, removed by `cleanup()`.
 */
export function dataFiles(data) {
  let dir = null;
  const fileFor = (set, name) => {
    if (set.n === set.nFile) return set.file;
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-bench-'));
    const file = path.join(dir, name);
    writeTextLabelCsv(file, set.texts, set.labels);
    return file;
  };
  const train = fileFor(data.train, 'train-prefix.csv');
  const test = fileFor(data.test, 'test-prefix.csv');
  return {
    train,
    test,
    temporary: dir !== null,
    cleanup() {
      if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many of each label, sorted by label. */
export function labelCounts(labels) {
  const counts = {};
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * airline_tweets/all.csv split deterministically (the file has no official
 * split): data row i (0-based, header excluded) is a test row when
 * i % AIRLINE_TEST_EVERY === AIRLINE_TEST_EVERY - 1 (rows 5, 10, 15, ... when
 * counting from 1), every other row a train row, both in file order. No
 * randomness, so any language reproduces it; the file is in source order
 * (grouped by airline), so every 5th row samples each airline evenly. Null
 * when the file is absent.
 */
export function loadAirline(file = AIRLINE_CSV) {
  if (!fs.existsSync(file)) return null;
  const t0 = process.hrtime.bigint();
  const all = readTextLabelCsv(file);
  const loadSeconds = secondsSince(t0);
  const train = { texts: [], labels: [] };
  const test = { texts: [], labels: [] };
  for (let i = 0; i < all.texts.length; i++) {
    const set = i % AIRLINE_TEST_EVERY === AIRLINE_TEST_EVERY - 1 ? test : train;
    set.texts.push(all.texts[i]);
    set.labels.push(all.labels[i]);
  }
  train.n = train.texts.length;
  test.n = test.texts.length;
  return {
    file,
    fileBytes: all.bytes,
    nFile: all.texts.length,
    split: `every ${AIRLINE_TEST_EVERY}th data row (0-based index % ${AIRLINE_TEST_EVERY} === ${AIRLINE_TEST_EVERY - 1}) is a test row, the others train rows, both in file order`,
    train,
    test,
    csvLoadSeconds: loadSeconds,
  };
}

/** Write `sets` ({ name: { texts, labels } }) as CSVs into a fresh temporary folder. */
export function tempCsvs(sets) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-bench-'));
  const files = {};
  for (const [name, set] of Object.entries(sets)) {
    files[name] = path.join(dir, `${name}.csv`);
    writeTextLabelCsv(files[name], set.texts, set.labels);
  }
  return {
    files,
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Share of positions where predicted === truth. */
export function accuracy(predicted, truth) {
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) ok++;
  return ok / truth.length;
}
