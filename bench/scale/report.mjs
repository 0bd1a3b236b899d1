// Scale benchmark report: per-point aggregates, ratios between peers measured
// in the same run (hashing vs vocabulary, single vs two passes, each size vs
// 1x), fits (log time vs log size, peak RSS vs size), and the three outputs
// (scale.json, scale.svg, the scale section of RESULTS.md).
import fs from 'node:fs';
import path from 'node:path';
import {
  loadRange,
  sectionHead,
  writeResultsJson,
  writeResultsSection,
} from '../lib/results-md.mjs';
import { summarize } from '../lib/stats.mjs';
import { scaleSvg } from './svg.mjs';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const n = (x) => Math.round(x).toLocaleString('en-US');
const fmtS = (s) =>
  s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`;
const fmtMiB = (b) => (b >= GIB ? `${(b / GIB).toFixed(2)} GiB` : `${(b / MIB).toFixed(0)} MiB`);
const fmtX = (x) => (!Number.isFinite(x) ? '–' : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);
const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(0)} MB`);

/** Ordinary least squares y = a + b x: { slope, intercept, r2, n }. */
export function ols(xs, ys) {
  const k = xs.length;
  if (k < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  return {
    slope,
    intercept: my - slope * mx,
    r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy),
    n: k,
  };
}

/** Completed runs of a series at a size, aggregated. */
function aggregate(res) {
  const out = [];
  for (const s of res.series) {
    const times = [...new Set(res.runs.filter((r) => r.series === s.key).map((r) => r.times))];
    for (const t of times.sort((a, b) => a - b)) {
      const runs = res.runs.filter((r) => r.series === s.key && r.times === t);
      const done = runs.filter((r) => r.train_seconds !== undefined);
      const stopped = runs.find((r) => r.stopped);
      const skipped = runs.find((r) => r.skipped);
      if (done.length === 0) {
        out.push({ series: s.key, times: t, stopped: stopped?.stopped, skipped: skipped?.skipped });
        continue;
      }
      const r0 = done[0];
      const sec = summarize(
        done.map((r) => r.train_seconds),
        { keepAll: true },
      );
      const peak = summarize(
        done.map((r) => r.peak_rss_bytes),
        { keepAll: true },
      );
      const before = summarize(done.map((r) => r.before_training.rss_bytes));
      const added = summarize(done.map((r) => r.peak_rss_bytes - r.before_training.rss_bytes));
      const cpu = summarize(done.map((r) => r.cpu_seconds));
      const phase = (name) =>
        r0.phases[name] ? summarize(done.map((r) => r.phases[name].seconds)).median : null;
      out.push({
        series: s.key,
        times: t,
        runs: done.length,
        stopped: stopped?.stopped,
        docs: r0.docs,
        text_bytes: r0.text_bytes,
        seconds: sec,
        docs_per_second: r0.docs / sec.median,
        mb_per_second: r0.text_bytes / 1e6 / sec.median,
        cpu_seconds_median: cpu.median,
        cpu_per_wall: cpu.median / sec.median,
        phase_seconds: {
          observe: phase('observe'),
          learn: phase('learn'),
          finish: phase('finish'),
        },
        peak_rss_bytes: peak,
        rss_before_training_bytes: before.median,
        rss_added_by_training_bytes: added.median,
        n_features: r0.n_features,
        n_candidate_features: r0.n_candidate_features,
        model_bytes: r0.model_bytes,
      });
    }
  }
  return out;
}

function pointOf(points, series, times) {
  return points.find((p) => p.series === series && p.times === times && p.seconds);
}

/** a / b at the medians, and at matched extremes (min/min, max/max). */
function ratio(a, b) {
  const r = a.median / b.median;
  const x = a.min / b.min;
  const y = a.max / b.max;
  return { ratio: r, lo: Math.min(r, x, y), hi: Math.max(r, x, y) };
}
const ratioText = (q) =>
  q.lo === q.hi || (Math.abs(q.lo - q.ratio) < 1e-9 && Math.abs(q.hi - q.ratio) < 1e-9)
    ? fmtX(q.ratio)
    : `${fmtX(q.ratio)} (${fmtX(q.lo)}–${fmtX(q.hi)})`;

/** Fits and verdicts per series. */
function fits(res, points) {
  const out = {};
  for (const s of res.series) {
    const ps = points.filter((p) => p.series === s.key && p.seconds);
    const time = ols(
      ps.map((p) => Math.log(p.docs)),
      ps.map((p) => Math.log(p.seconds.median)),
    );
    const cpuTime = ols(
      ps.map((p) => Math.log(p.docs)),
      ps.map((p) => Math.log(p.cpu_seconds_median)),
    );
    const mem = ols(
      ps.map((p) => p.docs / 1e6),
      ps.map((p) => p.peak_rss_bytes.median / MIB),
    );
    const memPerGb = ols(
      ps.map((p) => p.text_bytes / 1e9),
      ps.map((p) => p.peak_rss_bytes.median / MIB),
    );
    const stop = points.find((p) => p.series === s.key && p.stopped);
    const peaks = ps.map((p) => p.peak_rss_bytes.median);
    const growth = peaks.length > 1 ? Math.max(...peaks) / peaks[0] : null;
    const last = ps.at(-1);
    // From the first size whose feature count is the last size's: growth at a fixed feature space.
    const fixedFrom = ps.findIndex((p) => p.n_features === last?.n_features);
    const growthFixed =
      fixedFrom > 0 && ps.length - fixedFrom >= 2 ? peaks.at(-1) / peaks[fixedFrom] : null;
    let verdict;
    let bounded = null;
    if (stop) {
      bounded = false;
      verdict = `not bounded: the ${stop.times}x corpus passed the ${fmtMiB(stop.stopped.limit_bytes ?? res.memory_limit_bytes)} limit (stopped in ${stop.stopped.phase} after ${n(stop.stopped.docs)} docs)`;
    } else if (growth !== null && growth <= 1.15) {
      bounded = true;
      verdict = `bounded: peak RSS stays within ${fmtMiB(Math.min(...peaks))}–${fmtMiB(Math.max(...peaks))} from ${ps[0].times}x to ${last.times}x (${fmtX(growth)} for ${fmtX(last.docs / ps[0].docs)} the documents)`;
    } else if (growthFixed !== null && growthFixed <= 1.15) {
      bounded = 'at a fixed feature space';
      const pf = ps[fixedFrom];
      verdict = `bounded once the feature space is fixed: peak RSS grows from ${ps[0].times}x to ${pf.times}x with the features (${n(ps[0].n_features)} → ${n(pf.n_features)}), then stays within ${fmtMiB(Math.min(...peaks.slice(fixedFrom)))}–${fmtMiB(Math.max(...peaks.slice(fixedFrom)))} from ${pf.times}x to ${last.times}x (${fmtX(growthFixed)} for ${fmtX(last.docs / pf.docs)} the documents)`;
    } else if (growth !== null) {
      bounded = false;
      verdict = `grows with the corpus: ${fmtX(growth)} the ${ps[0].times}x peak at ${last.times}x (${mem.slope.toFixed(0)} MiB per million documents)`;
    } else {
      verdict = 'one point only';
    }
    out[s.key] = {
      time_vs_docs_loglog: time,
      cpu_time_vs_docs_loglog: cpuTime,
      peak_rss_mib_vs_million_docs: mem,
      peak_rss_mib_vs_gb_text: memPerGb,
      peak_growth_first_to_last: growth,
      peak_growth_at_fixed_features: growthFixed,
      bounded,
      verdict,
    };
  }
  return out;
}

export function markdown(res, points, fitted, { svgRel }) {
  const m = res.machine;
  const label = Object.fromEntries(res.series.map((s) => [s.key, s.label]));
  const L = sectionHead(res, {
    name: 'scale',
    title: 'Scale benchmark',
    quickNote: `${res.profile_settings.times.map((t) => `${t}x`).join(' and ')} only`,
  });
  L.push(
    `Training time and peak memory as the corpus grows from 1x to ${Math.max(...res.profile_settings.times)}x the imdb train set, each point in a fresh \`node\` process that streams the corpus through the engine's streaming \`Trainer\` in chunks of ${n(res.corpus.chunk_size)} documents. Vocabulary mode is the bench's model config (\`${JSON.stringify(res.series.find((s) => s.mode === 'vocabulary').config)}\`); hashing mode is the same without \`min_df\` (refused with hashing) and with \`${JSON.stringify(res.series.find((s) => s.mode === 'hashing').config.hashing)}\`. Two passes: \`observeAsync\` over every chunk, then \`learnAsync\` over every chunk again; single pass: \`learnAsync\` only (what \`sentio train\` does); then \`finishAsync\`.`,
  );
  L.push('');
  for (const s of res.series) {
    const f = fitted[s.key];
    const t = f.time_vs_docs_loglog;
    L.push(
      `- **${s.label}**: ${t ? `time ∝ size^${t.slope.toFixed(2)} (R² ${t.r2.toFixed(3)}, ${t.n} sizes; CPU time ∝ size^${f.cpu_time_vs_docs_loglog.slope.toFixed(2)})` : 'time: fewer than two sizes completed'}; memory ${f.verdict}.`,
    );
  }
  L.push('');
  L.push(`![Training time and peak RSS vs corpus size](${svgRel})`);
  L.push('');
  L.push('### Points');
  L.push('');
  L.push(
    '| Series | Corpus | Documents | Text | Train time, median (min–max, runs) | CPU time (÷ wall) | docs/s | MB/s | Time per doc vs 1x | Peak RSS | RSS before training → added by training | Features (candidates) |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of res.series) {
    for (const p of points.filter((q) => q.series === s.key)) {
      if (!p.seconds) {
        const why = p.stopped
          ? p.stopped.reason === 'memory'
            ? `**stopped** at ${fmtMiB(p.stopped.rss_bytes)} RSS (limit ${fmtMiB(p.stopped.limit_bytes)}) in ${p.stopped.phase} after ${n(p.stopped.docs)} documents, ${fmtS(p.stopped.seconds)}`
            : `**stopped** at the time limit in ${p.stopped.phase}`
          : p.skipped;
        L.push(
          `| ${s.label} | ${p.times}x | ${n(p.times * res.data.n_reviews)} | ${fmtBytes(p.times * res.data.review_text_bytes)} | ${why} | | | | | | | |`,
        );
        continue;
      }
      const one = pointOf(points, s.key, 1);
      const perDoc =
        one && p.times !== 1
          ? ratioText(
              ratio(
                {
                  median: p.seconds.median / p.docs,
                  min: p.seconds.min / p.docs,
                  max: p.seconds.max / p.docs,
                },
                {
                  median: one.seconds.median / one.docs,
                  min: one.seconds.min / one.docs,
                  max: one.seconds.max / one.docs,
                },
              ),
            )
          : '1 (reference)';
      const spread =
        p.runs > 1 ? ` (${fmtS(p.seconds.min)}–${fmtS(p.seconds.max)}, ${p.runs})` : ' (1 run)';
      L.push(
        `| ${s.label} | ${p.times}x | ${n(p.docs)} | ${fmtBytes(p.text_bytes)} | ${fmtS(p.seconds.median)}${spread} | ${fmtS(p.cpu_seconds_median)} (${p.cpu_per_wall.toFixed(2)}) | ${n(p.docs_per_second)} | ${p.mb_per_second.toFixed(1)} | ${perDoc} | ${fmtMiB(p.peak_rss_bytes.median)}${p.runs > 1 ? ` (${fmtMiB(p.peak_rss_bytes.min)}–${fmtMiB(p.peak_rss_bytes.max)})` : ''} | ${fmtMiB(p.rss_before_training_bytes)} → +${fmtMiB(p.rss_added_by_training_bytes)} | ${n(p.n_features)}${p.n_candidate_features ? ` (${n(p.n_candidate_features)})` : ''} |`,
      );
    }
  }
  L.push('');
  L.push(
    'Time per doc vs 1x: (time / documents) at this size over the same at 1x, same series (1.00× = perfectly linear; in brackets the same ratio at matched fastest and slowest runs). MB/s: UTF-8 bytes of review text per second of training (two-pass series read the text twice). Peak RSS: the process high-water mark (`VmHWM`, = `maxRSS`), which includes node, the engine and the 25,000 distinct reviews the corpus is built from; "added by training" is the peak minus the RSS just before training.',
  );
  L.push('');
  L.push('### Ratios between series at the same size (same run)');
  L.push('');
  L.push('| Corpus | Comparison | Training time | Peak RSS |');
  L.push('|---|---|---|---|');
  const pairs = [
    ['hashing-2pass', 'vocabulary-2pass', 'hashing / vocabulary, two passes'],
    ['hashing-1pass', 'vocabulary-1pass', 'hashing / vocabulary, single pass'],
    ['vocabulary-1pass', 'vocabulary-2pass', 'single / two passes, vocabulary'],
    ['hashing-1pass', 'hashing-2pass', 'single / two passes, hashing'],
  ];
  for (const t of res.profile_settings.times) {
    for (const [a, b, what] of pairs) {
      const pa = pointOf(points, a, t);
      const pb = pointOf(points, b, t);
      if (!pa || !pb) {
        if (label[a] && label[b]) L.push(`| ${t}x | ${what} | – (not both measured) | – |`);
        continue;
      }
      L.push(
        `| ${t}x | ${what} | ${ratioText(ratio(pa.seconds, pb.seconds))} | ${ratioText(ratio(pa.peak_rss_bytes, pb.peak_rss_bytes))} |`,
      );
    }
  }
  L.push('');
  L.push(
    'Each ratio is series A over series B at the ratio of medians; in brackets the same ratio at matched extremes (fastest vs fastest, slowest vs slowest run) where a point ran more than once.',
  );
  L.push('');
  L.push('### Fits');
  L.push('');
  L.push(
    '| Series | log(time) vs log(documents): slope (R²) | log(CPU time) vs log(documents): slope (R²) | Peak RSS vs size: MiB per million documents | MiB per GB of text | Intercept | Peak RSS, last / first size | Memory |',
  );
  L.push('|---|---|---|---|---|---|---|---|');
  for (const s of res.series) {
    const f = fitted[s.key];
    const t = f.time_vs_docs_loglog;
    const c = f.cpu_time_vs_docs_loglog;
    const mm = f.peak_rss_mib_vs_million_docs;
    const mg = f.peak_rss_mib_vs_gb_text;
    L.push(
      `| ${s.label} | ${t ? `${t.slope.toFixed(3)} (${t.r2.toFixed(3)})` : '–'} | ${c ? `${c.slope.toFixed(3)} (${c.r2.toFixed(3)})` : '–'} | ${mm ? mm.slope.toFixed(0) : '–'} | ${mg ? mg.slope.toFixed(0) : '–'} | ${mm ? `${mm.intercept.toFixed(0)} MiB` : '–'} | ${fmtX(f.peak_growth_first_to_last)} | ${f.bounded === true ? 'bounded' : f.bounded === false ? 'grows' : f.bounded === null ? '–' : `bounded ${f.bounded}`} |`,
    );
  }
  L.push('');
  L.push(
    'Slopes by least squares over the sizes that completed, on the median of each size. A time slope of 1 is linear scaling. CPU time (user + system of the process, all threads) is less sensitive than wall time to other jobs taking the cores, so its slope is the steadier of the two on a shared machine. Memory is called bounded when the peak RSS at the largest size is within 15% of the peak at the smallest, or ("at a fixed feature space") within 15% of the peak at the first size that has the final feature count.',
  );
  L.push('');
  L.push('### How the corpus is built');
  L.push('');
  L.push(
    `- From \`${res.data.train_file}\` (${n(res.data.n_reviews)} reviews, ${fmtBytes(res.data.review_text_bytes)} of review text, ${fmtBytes(res.data.train_file_bytes)} file), read with \`bench/lib/csv.mjs\` in each point's process. The N× corpus is review \`k % 25000\` for k = 0 … N·25,000 − 1 (every review N times), in an order shuffled by Fisher–Yates with the mulberry32 PRNG seeded per size (${Object.entries(
      res.corpus.seeds,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}), so every run sees the same stream.`,
  );
  L.push(
    `- Streamed: each chunk is an array of ${n(res.corpus.chunk_size)} references to the distinct review strings, built when it is fed (the order is a \`Uint32Array\`, 4 bytes per document); the ${fmtBytes(Math.max(...res.profile_settings.times) * res.data.review_text_bytes)} of text at ${Math.max(...res.profile_settings.times)}x never exists in memory at once. Two-pass series walk the same order twice.`,
  );
  L.push(
    "- Repetition adds documents but no new words: the candidate n-grams are those of the 1x corpus at every size, and with `min_df: 2` every n-gram seen once at 1x (document frequency 1, pruned) has document frequency N ≥ 2 from 2x on, so vocabulary mode keeps every candidate from 4x on (the feature count jumps from 1x to 4x, then stays). A real corpus that grows keeps adding vocabulary (Heaps' law); here vocabulary-mode memory beyond 4x measures the per-document cost, not vocabulary growth.",
  );
  L.push('');
  L.push('### How it is measured');
  L.push('');
  L.push(
    `- One fresh \`node --expose-gc bench/scale/train-child.mjs\` process per run: load the native engine (${res.engine.version}, \`${path.relative(res.repo_root, res.engine.source)}\`), read the CSV, build the order, collect garbage, then train (\`createTrainer\`, the passes, \`finishAsync\`). Training time: wall clock of the passes and \`finishAsync\` (not the CSV read). Peak RSS: \`/proc/self/status\` VmHWM after training.`,
  );
  L.push(
    `- Runs per size: ${Object.entries(res.profile_settings.repeats)
      .map(([k, v]) => `${k}x: ${v}`)
      .join(
        ', ',
      )}; within a repeat the series run one after another, in an order rotated between repeats.`,
  );
  L.push(
    `- Memory guard: the parent polls the child's \`VmRSS\` every 100 ms and kills it above ${fmtMiB(res.memory_limit_bytes)} (or above the machine's \`MemAvailable\` less ${fmtMiB(res.memory_reserve_bytes)}, whichever is lower), recording how far it got; larger sizes of that series are then not run.`,
  );
  L.push('');
  L.push('### Machine');
  L.push('');
  L.push(
    `${m.cpu_model}, ${m.logical_cpus} logical CPUs, ${(m.memory_total_bytes / GIB).toFixed(1)} GiB RAM, ${m.os_release ?? m.platform}; Node ${m.node}; git ${m.git_commit?.slice(0, 12) ?? '?'}${m.git_dirty_paths ? ` + ${m.git_dirty_paths} uncommitted paths` : ''}. The machine is shared with other jobs: 1-minute load average ${loadRange(res.load_timeline)} during the run (per run in the JSON), so absolute times are noisy; the native trainer uses both cores.`,
  );
  return `${L.join('\n')}\n`;
}

const BEGIN = '<!-- scale-bench:begin (generated by bench/scale/run.mjs) -->';
const END = '<!-- scale-bench:end -->';

export function writeOutputs(res, { resultsDir, resultsMd }) {
  const points = aggregate(res);
  const fitted = fits(res, points);
  res.points = points;
  res.fits = fitted;
  const jsonFile = writeResultsJson(resultsDir, 'scale', res);
  const svgFile = path.join(resultsDir, 'scale.svg');
  const xLabels = Object.fromEntries(
    res.profile_settings.times.map((t) => [
      t,
      [
        t * res.data.n_reviews >= 1e6
          ? `${+((t * res.data.n_reviews) / 1e6).toFixed(2)}M docs`
          : `${n((t * res.data.n_reviews) / 1000)}k docs`,
        fmtBytes(t * res.data.review_text_bytes),
      ],
    ]),
  );
  fs.writeFileSync(
    svgFile,
    scaleSvg(
      res.series.map((s) => ({
        label: s.label,
        mode: s.mode,
        twoPass: s.two_pass,
        points: points
          .filter((p) => p.series === s.key && p.seconds)
          .map((p) => ({
            times: p.times,
            docs: p.docs,
            seconds: p.seconds.median,
            lo: p.seconds.min,
            hi: p.seconds.max,
            peakMiB: p.peak_rss_bytes.median / MIB,
            peakLo: p.peak_rss_bytes.min / MIB,
            peakHi: p.peak_rss_bytes.max / MIB,
          })),
        stopped: points
          .filter((p) => p.series === s.key && p.stopped?.reason === 'memory')
          .map((p) => ({ times: p.times, rssMiB: p.stopped.rss_bytes / MIB })),
      })),
      {
        title: `Sentio training at scale (${res.profile} profile, ${res.started_at.slice(0, 10)})`,
        subtitle: `imdb train ×1…×${Math.max(...res.profile_settings.times)}, streamed in chunks; ${res.machine.cpu_model}, ${res.machine.logical_cpus} cores, shared (load ${loadRange(res.load_timeline)})`,
        limitMiB: res.memory_limit_bytes / MIB,
        xLabels,
      },
    ),
  );
  const svgRel = path.relative(path.dirname(resultsMd), svgFile).split(path.sep).join('/');
  writeResultsSection(resultsMd, BEGIN, END, markdown(res, points, fitted, { svgRel }));
  const summary = res.series.map((s) => {
    const f = fitted[s.key];
    const t = f.time_vs_docs_loglog;
    return `${s.label}: time slope ${t ? t.slope.toFixed(2) : '–'}; memory ${f.verdict}`;
  });
  return { jsonFile, svgFile, resultsMd, summary };
}
