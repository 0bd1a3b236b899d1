#!/usr/bin/env node
// Sentio's scale benchmark: training time and peak memory as the corpus grows
// (1x, 4x, 16x, 40x the imdb train set), vocabulary mode and hashing mode,
// each point in a fresh node process streaming the corpus through the
// engine's streaming Trainer in chunks (bench/scale/train-child.mjs).
//
//   node bench/scale/run.mjs              full run -> bench/RESULTS.md (scale section),
//                                         bench/results/scale.json, bench/results/scale.svg
//   node bench/scale/run.mjs --quick      1x and 4x only -> bench/.work/scale-quick/
//   options: --out DIR          write RESULTS.md and results/ under DIR instead
//            --rerender         only rewrite RESULTS.md and the chart from DIR/results/scale.json
//            --mem-limit-gib N  stop a point whose RSS passes N GiB (default 8)
//
// Prerequisites: the native addon and dist/ built (`npm run build`), the imdb
// data in /work/shared/data/imdb (or SENTIO_BENCH_DATA).
import fs from 'node:fs';
import path from 'node:path';
import { benchCli, rerenderAndExit, startRun } from '../lib/cli.mjs';
import { loadSample } from '../lib/machine.mjs';
import { secondsSince } from '../lib/stats.mjs';
import {
  CHUNK_SIZE,
  MEMORY_LIMIT_BYTES,
  MEMORY_RESERVE_BYTES,
  PROFILES,
  REPO_ROOT,
  SERIES,
  seedFor,
  TRAIN_CSV,
} from './config.mjs';
import { writeOutputs } from './report.mjs';
import { memAvailableBytes, runWatched } from './watch.mjs';

const { opts, profile, outputs } = benchCli('scale', {
  usage: 'node bench/scale/run.mjs [--quick] [--out DIR] [--rerender] [--mem-limit-gib N]',
  profiles: PROFILES,
  options: { 'mem-limit-gib': { type: 'string' } },
});
if (opts.rerender) rerenderAndExit('scale', outputs, writeOutputs);

function fail(message) {
  console.error(`scale bench: ${message}`);
  process.exit(1);
}
const limitGib = opts['mem-limit-gib'] === undefined ? null : Number(opts['mem-limit-gib']);
if (limitGib !== null && !(limitGib > 0)) fail('--mem-limit-gib: expected a positive number');
const memLimit = limitGib === null ? MEMORY_LIMIT_BYTES : limitGib * 2 ** 30;

// ------------------------------------------------------------ prerequisites
if (!fs.existsSync(TRAIN_CSV)) {
  fail(
    `bench data not found: ${TRAIN_CSV} (set SENTIO_BENCH_DATA to the folder with the imdb train.csv and test.csv)`,
  );
}
const engineIndex = path.join(REPO_ROOT, 'dist', 'engine', 'index.js');
if (!fs.existsSync(engineIndex)) {
  fail(`${engineIndex} is missing: build the engine first (\`npm run build\`)`);
}
const { loadEngine } = await import(engineIndex);
let engine;
try {
  engine = await loadEngine({ backend: 'native' });
} catch (err) {
  fail(
    `the native engine does not load (${err.message}); build it with \`npm run build\` (node scripts/bootstrap.mjs)`,
  );
}

const { wall0, timeline, resultsHead } = startRun();
const log = (s) => console.log(s);
const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;

log(
  `scale bench (${profile.name}): corpus ${profile.times.map((t) => `${t}x`).join(', ')} of ${TRAIN_CSV}; ${SERIES.length} series; memory limit ${gib(memLimit)} per point`,
);

const runs = [];
const stoppedSeries = new Map(); // series key -> the times that was stopped
const CHILD = path.join(REPO_ROOT, 'bench', 'scale', 'train-child.mjs');

for (const times of profile.times) {
  const repeats = profile.repeats[times] ?? 1;
  for (let rep = 0; rep < repeats; rep++) {
    timeline.push(loadSample(`${times}x repeat ${rep + 1}`));
    // Rotate the series order between repeats, so that no series always runs first.
    const order = SERIES.map((_, i) => SERIES[(i + rep) % SERIES.length]);
    for (const series of order) {
      const base = { series: series.key, times, repeat: rep + 1 };
      if (stoppedSeries.has(series.key)) {
        runs.push({
          ...base,
          skipped: `not run: the ${stoppedSeries.get(series.key)}x corpus already passed the memory limit`,
        });
        continue;
      }
      const available = memAvailableBytes();
      const limit =
        available === null ? memLimit : Math.min(memLimit, available - MEMORY_RESERVE_BYTES);
      const spec = {
        trainCsv: TRAIN_CSV,
        times,
        seed: seedFor(times),
        config: series.config,
        twoPass: series.twoPass,
        chunkSize: CHUNK_SIZE,
      };
      const load = loadSample(`${series.key} ${times}x`);
      const t = process.hrtime.bigint();
      process.stdout.write(
        `[${secondsSince(wall0).toFixed(0).padStart(5)} s] ${series.label.padEnd(30)} ${`${times}x`.padStart(3)} #${rep + 1} (load ${load.loadavg_1m.toFixed(2)}) ... `,
      );
      const out = await runWatched(CHILD, [JSON.stringify(spec)], {
        limitBytes: limit,
        timeoutMs: profile.timeoutMs,
        label: `${series.key} ${times}x`,
      });
      const wall = secondsSince(t);
      if (out.stopped) {
        const s = out.stopped;
        log(
          s.reason === 'memory'
            ? `STOPPED at ${gib(s.rss_bytes)} RSS (limit ${gib(s.limit_bytes)}) in ${s.phase} after ${s.docs.toLocaleString('en-US')} docs, ${wall.toFixed(0)} s`
            : `STOPPED after the time limit (${s.phase}, ${s.docs} docs)`,
        );
        runs.push({
          ...base,
          stopped: { ...s, seconds: wall, mem_available_bytes: available },
          load,
        });
        stoppedSeries.set(series.key, times);
        continue;
      }
      const r = out.result;
      log(
        `${r.train_seconds.toFixed(1)} s, ${Math.round(r.docs / r.train_seconds).toLocaleString('en-US')} docs/s, peak RSS ${mib(r.peak_rss_bytes)}, ${r.n_features.toLocaleString('en-US')} features`,
      );
      runs.push({ ...base, ...r, limit_bytes: limit, mem_available_bytes: available, load });
    }
  }
}
timeline.push(loadSample('end'));

const first = runs.find((r) => r.docs !== undefined);
const res = {
  ...resultsHead({ schema: 'sentio-scale-bench/1', profile, script: 'bench/scale/run.mjs' }),
  engine: { version: engine.version, backend: engine.backend, source: engine.source },
  memory_limit_bytes: memLimit,
  memory_reserve_bytes: MEMORY_RESERVE_BYTES,
  data: {
    train_file: TRAIN_CSV,
    train_file_bytes: fs.statSync(TRAIN_CSV).size,
    n_reviews: first?.n_reviews ?? null,
    review_text_bytes: first?.review_text_bytes ?? null,
  },
  corpus: {
    construction:
      'review k % n for k in 0..n*times-1 (every train review `times` times), Fisher–Yates shuffled with mulberry32(seed); streamed in chunks of references to the n distinct review strings',
    seeds: Object.fromEntries(profile.times.map((t) => [`${t}x`, seedFor(t)])),
    chunk_size: CHUNK_SIZE,
  },
  series: SERIES.map(({ key, mode, twoPass, label, config }) => ({
    key,
    mode,
    two_pass: twoPass,
    label,
    config,
  })),
  runs,
  load_timeline: timeline,
};
const out = writeOutputs(res, outputs);
log('');
for (const line of out.summary) log(line);
log(
  `\nwrote ${path.relative(REPO_ROOT, out.resultsMd)}, ${path.relative(REPO_ROOT, out.jsonFile)}, ${path.relative(REPO_ROOT, out.svgFile)} (${(res.wall_seconds / 60).toFixed(1)} min)`,
);
