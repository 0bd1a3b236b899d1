#!/usr/bin/env node
// CI training gate: train the reference configuration on a real dataset
// through the real CLI, fail when a gated metric falls below the recorded
// baseline (minus its tolerance), and leave the model, its metrics and its
// model card in an output directory for the CI system to keep.
//
//   node scripts/ci/train-gate.mjs [--baseline ci/baselines/train-imdb.json] [--out ci-artifacts/train]
//                                  [--mirror DIR] [--update]
//
// The dataset comes from `sentio data pull` (verified by sha256): from the
// mirror when one is given or ../shared/data exists, else from its official
// address. --update rewrites the baseline's recorded values from this run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

const { values: opts } = parseArgs({
  options: {
    baseline: { type: 'string', default: path.join(ROOT, 'ci/baselines/train-imdb.json') },
    out: { type: 'string', default: path.join(ROOT, 'ci-artifacts/train') },
    mirror: { type: 'string' },
    update: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: node scripts/ci/train-gate.mjs [--baseline FILE] [--out DIR] [--mirror DIR] [--update]',
  );
  process.exit(0);
}

function fail(message) {
  console.error(`train-gate: ${message}`);
  process.exit(1);
}

function sentio(args, env = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SENTIO_NO_PROGRESS: '1', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) fail(`sentio ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const baseline = JSON.parse(fs.readFileSync(opts.baseline, 'utf8'));
const mirror =
  opts.mirror ??
  process.env.SENTIO_DATA_MIRROR ??
  [path.join(ROOT, '..', 'shared', 'data')].find((d) =>
    fs.existsSync(path.join(d, baseline.dataset)),
  );
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-train-gate-'));
const store = path.join(cache, 'store');
try {
  const pulled = JSON.parse(
    sentio(['data', 'pull', baseline.dataset, '--json', ...(mirror ? ['--mirror', mirror] : [])], {
      SENTIO_CACHE: cache,
    }),
  );
  const file = (name) => {
    const f = pulled.files.find((p) => path.basename(p) === name);
    if (!f) fail(`dataset ${baseline.dataset} has no ${name} (files: ${pulled.files.join(', ')})`);
    return f;
  };
  const t0 = Date.now();
  const trained = JSON.parse(
    sentio([
      'train',
      '--data',
      file(baseline.train),
      '--test',
      file(baseline.test),
      '--model',
      baseline.model,
      '--store',
      store,
      ...baseline.args,
      '--json',
    ]),
  );
  const seconds = (Date.now() - t0) / 1000;

  // Artifacts for the CI system: model file (exported version), metrics, card.
  fs.rmSync(opts.out, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  sentio(['export', `${baseline.model}@${trained.version}`, '-o', opts.out, '--store', store]);
  fs.writeFileSync(
    path.join(opts.out, 'train-result.json'),
    `${JSON.stringify(trained, null, 2)}\n`,
  );

  const rows = [];
  let failed = false;
  for (const [metric, recorded] of Object.entries(baseline.recorded)) {
    const value = trained.metrics[metric];
    const lower = metric === 'log_loss';
    const tol = baseline.tolerance[metric] ?? 0;
    const limit = lower ? recorded + tol : recorded - tol;
    const ok = typeof value === 'number' && (lower ? value <= limit : value >= limit);
    failed ||= !ok;
    rows.push(
      `${ok ? 'ok  ' : 'FAIL'} ${metric.padEnd(10)} ${value?.toFixed(4)}  ${lower ? '<=' : '>='} ${limit.toFixed(4)}  (baseline ${recorded.toFixed(4)} ${lower ? '+' : '-'} ${tol})`,
    );
  }
  console.log(
    `train-gate: ${baseline.model} on ${baseline.dataset} (${trained.metrics.n_train} train / ${trained.metrics.n_eval} test) in ${seconds.toFixed(1)} s; artifacts in ${path.relative(ROOT, opts.out) || opts.out}`,
  );
  for (const r of rows) console.log(`  ${r}`);
  if (opts.update) {
    for (const metric of Object.keys(baseline.recorded))
      baseline.recorded[metric] = trained.metrics[metric];
    baseline.recorded_at = new Date().toISOString();
    fs.writeFileSync(opts.baseline, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`train-gate: baseline ${opts.baseline} updated`);
  } else if (failed) {
    fail(
      'a metric fell below its recorded baseline (see above); fix the regression or, if intended, re-record with --update',
    );
  }
} finally {
  fs.rmSync(cache, { recursive: true, force: true });
}
