#!/usr/bin/env node
// Fetch the datasets the test suites and benchmarks read, through
// `sentio data pull` (sha256-verified), into one directory laid out like
// ../shared/data (<dir>/<name>/<file>.csv); point SENTIO_DATA_DIR at it.
//
//   node scripts/ci/fetch-datasets.mjs --out DIR [--mirror DIR]
//
// Datasets with an official address are downloaded from it (and kept by the
// CI cache); one without (airline_tweets: Kaggle only) needs a mirror
// (--mirror or SENTIO_DATA_MIRROR) once, after which the cache holds it.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const DATASETS = ['imdb', 'uci_sentiment', 'bbc_news', 'airline_tweets'];

const { values: opts } = parseArgs({
  options: { out: { type: 'string' }, mirror: { type: 'string' } },
});
if (!opts.out) {
  console.error('usage: node scripts/ci/fetch-datasets.mjs --out DIR [--mirror DIR]');
  process.exit(2);
}
const out = path.resolve(opts.out.replace(/^~(?=$|\/)/, os.homedir()));
// `sentio data pull` caches under $SENTIO_CACHE/datasets/<name>/.
const cacheRoot = path.basename(out) === 'datasets' ? path.dirname(out) : out;
const mirror = opts.mirror ?? process.env.SENTIO_DATA_MIRROR;
let failed = 0;
for (const name of DATASETS) {
  const r = spawnSync(
    process.execPath,
    [CLI, 'data', 'pull', name, ...(mirror ? ['--mirror', mirror] : [])],
    { encoding: 'utf8', env: { ...process.env, SENTIO_CACHE: cacheRoot, NO_COLOR: '1' } },
  );
  if (r.status === 0) console.log(`fetch-datasets: ${name} ok`);
  else {
    failed++;
    console.error(`fetch-datasets: ${name} failed (exit ${r.status}):\n${r.stderr.trim()}`);
  }
}
if (failed > 0) {
  console.error(
    `fetch-datasets: ${failed} dataset(s) missing; tests that read them will fail. ` +
      'Provide a mirror directory (--mirror / SENTIO_DATA_MIRROR) laid out like ../shared/data.',
  );
  process.exit(1);
}
console.log(`fetch-datasets: SENTIO_DATA_DIR=${path.join(cacheRoot, 'datasets')}`);
