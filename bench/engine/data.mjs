// Benchmark data: imdb train/test CSVs, read with bench/lib/csv.mjs, and the
// prefixes (subsamples) that the profiles ask for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTextLabelCsv, writeTextLabelCsv } from '../lib/csv.mjs';
import { secondsSince } from '../lib/stats.mjs';
import { TEST_CSV, TRAIN_CSV } from './config.mjs';

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

/** Share of positions where predicted === truth. */
export function accuracy(predicted, truth) {
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) ok++;
  return ok / truth.length;
}
