#!/usr/bin/env node
// Compare a benchmark run's ratios (each measured against its peer in the
// same run, so machine speed cancels out) with a committed baseline, and fail
// when one regressed by more than the tolerance.
//
//   node bench/check-regression.mjs --results DIR/results/engine.json --baseline bench/baselines/engine-quick.json
//   node bench/check-regression.mjs --results ... --baseline ... --update   (re-record the baseline from this run)
//
// Baseline file: { tolerance: 0.3, ratios: { <key>: <ratio> }, recorded_from, recorded_at }.
// Most ratios are "higher is better" (Sentio's speed-up over the peer): a
// regression is current < baseline × (1 − tolerance). Ratios listed in
// `lower_is_better` (WASM/N-API time, memory and size shares) regress when
// current > baseline × (1 + tolerance). Keys missing on either
// side are reported, and a key missing from the run fails (a figure vanished).
// Ratios of a second dataset (rows with a `dataset`, e.g. airline_tweets: context
// rows without targets) are printed but neither gated nor recorded by --update.
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    results: { type: 'string' },
    baseline: { type: 'string' },
    tolerance: { type: 'string' },
    update: { type: 'boolean', default: false },
  },
});
if (!opts.results || !opts.baseline) {
  console.error(
    'usage: node bench/check-regression.mjs --results FILE --baseline FILE [--tolerance 0.3] [--update]',
  );
  process.exit(2);
}
const run = JSON.parse(fs.readFileSync(opts.results, 'utf8'));
const finite = (run.ratios ?? []).filter((r) => Number.isFinite(r.ratio));
const ratios = finite.filter((r) => !r.dataset);
const contextOnly = finite.filter((r) => r.dataset);
const current = Object.fromEntries(ratios.map((r) => [r.key, r.ratio]));
// A `max` target, or a share of memory/size, or WASM's time over N-API's: smaller is better.
const lowerIsBetter = ratios
  .filter((r) => r.target?.max !== undefined || /rss|size|^wasm_/.test(r.key))
  .map((r) => r.key);
// Ratios measured on samples too small to be stable on a shared 2-core
// machine (natural trains on 300 reviews in the quick profile: tens of ms):
// printed, not gated. A baseline file may list its own.
const DEFAULT_UNGATED = ['train_vs_natural'];
if (opts.update) {
  const tolerance = Number(opts.tolerance ?? 0.3);
  const previous = fs.existsSync(opts.baseline)
    ? JSON.parse(fs.readFileSync(opts.baseline, 'utf8'))
    : {};
  const out = {
    tolerance,
    ungated: previous.ungated ?? DEFAULT_UNGATED,
    recorded_from: run.command,
    recorded_at: run.finished_at ?? new Date().toISOString(),
    machine: run.machine?.cpu ?? run.machine,
    lower_is_better: lowerIsBetter,
    ratios: current,
  };
  fs.writeFileSync(opts.baseline, `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `check-regression: baseline ${opts.baseline} recorded (${Object.keys(current).length} ratios)`,
  );
  process.exit(0);
}
const base = JSON.parse(fs.readFileSync(opts.baseline, 'utf8'));
const tolerance = Number(opts.tolerance ?? base.tolerance ?? 0.3);
let failed = 0;
const lower = new Set(base.lower_is_better ?? []);
const ungated = new Set(base.ungated ?? DEFAULT_UNGATED);
console.log(`check-regression: tolerance ${(tolerance * 100).toFixed(0)}% of each baseline ratio`);
for (const [key, was] of Object.entries(base.ratios)) {
  const now = current[key];
  if (ungated.has(key)) {
    const shown = now === undefined ? 'missing' : now.toFixed(2);
    console.log(
      `  info ${key.padEnd(36)} ${shown.padStart(8)}  baseline ${was.toFixed(2).padStart(8)}  (not gated)`,
    );
    continue;
  }
  if (now === undefined) {
    failed++;
    console.log(`  FAIL ${key}: missing from this run (baseline ${was.toFixed(2)})`);
    continue;
  }
  const ok = lower.has(key) ? now <= was * (1 + tolerance) : now >= was * (1 - tolerance);
  if (!ok) failed++;
  const change = ((now / was - 1) * 100).toFixed(1);
  console.log(
    `  ${ok ? 'ok  ' : 'FAIL'} ${key.padEnd(36)} ${now.toFixed(2).padStart(8)}  baseline ${was.toFixed(2).padStart(8)}  (${change}%)`,
  );
}
for (const key of Object.keys(current).filter((k) => !(k in base.ratios))) {
  console.log(
    `  new  ${key}: ${current[key].toFixed(2)} (not in the baseline; record it with --update)`,
  );
}
for (const r of contextOnly) {
  console.log(
    `  info ${r.key.padEnd(36)} ${r.ratio.toFixed(2).padStart(8)}  (${r.dataset}: not gated)`,
  );
}
if (failed > 0) {
  console.error(
    `check-regression: ${failed} ratio(s) regressed beyond ${(tolerance * 100).toFixed(0)}%`,
  );
  process.exit(1);
}
console.log('check-regression: no regression');
