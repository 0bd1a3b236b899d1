// Browser benchmark report: every browser figure as a ratio against its peers
// measured in the same run (N-API and WASM-in-Node), with medians and
// spread, and the two outputs (browser.json and the browser section of
// RESULTS.md).
import {
  loadRange,
  sectionHead,
  writeResultsJson,
  writeResultsSection,
} from '../lib/results-md.mjs';
import { percentileSorted, summarize } from '../lib/stats.mjs';

const fmtMs = (ms) =>
  !Number.isFinite(ms)
    ? '–'
    : ms >= 100
      ? `${ms.toFixed(0)} ms`
      : ms >= 1
        ? `${ms.toPrecision(3)} ms`
        : `${(ms * 1000).toPrecision(3)} µs`;
const fmtX = (x) => (!Number.isFinite(x) ? '–' : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);
const n = (x) => Math.round(x).toLocaleString('en-US');
const rate = (docs, ms) => `${n(docs / (ms / 1000))} docs/s`;

/** Latency summary of per-call samples (ms). */
export function latency(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    median: percentileSorted(s, 50),
    p10: percentileSorted(s, 10),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    min: s[0],
    max: s.at(-1),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/** Summaries of one environment's measurements. */
function stats(env) {
  return {
    single: env.single,
    blocks: env.blocks,
    batch: summarize(env.batch_ms),
  };
}

/** subject / peer: ratio of medians, matched spread points, and the per-round ratios' range. */
function row(key, figure, a, b, { lo, hi, rounds }, subject, peer) {
  const ratio = a.median / b.median;
  const m1 = a[lo] / b[lo];
  const m2 = a[hi] / b[hi];
  const perRound = rounds.map(([x, y]) => x / y);
  return {
    key,
    figure,
    subject,
    peer,
    ratio,
    lo: Math.min(ratio, m1, m2),
    hi: Math.max(ratio, m1, m2),
    spread_kind: lo === 'p10' ? 'p10 vs p10, p90 vs p90' : `${lo} vs ${lo}, ${hi} vs ${hi}`,
    per_round: perRound,
    round_lo: Math.min(...perRound),
    round_hi: Math.max(...perRound),
    ratioText: `${fmtX(ratio)} the time`,
    target: null,
  };
}

export function computeRatios(res) {
  const env = res.environments;
  const st = Object.fromEntries(Object.keys(env).map((k) => [k, stats(env[k])]));
  const rounds = (a, b, field) => env[a].rounds.map((r, i) => [r[field], env[b].rounds[i][field]]);
  const nb = res.data.n_batch;
  const spread = (kind, k) =>
    `${fmtMs(st[k][kind].median)} (p10–p90 ${fmtMs(st[k][kind].p10)}–${fmtMs(st[k][kind].p90)})`;
  // Each kind of measurement: its per-round field and how an environment's figure reads.
  const kinds = {
    single: { field: 'single_median_ms', text: (k) => spread('single', k) },
    blocks: { field: 'block_median_ms', text: (k) => spread('blocks', k) },
    batch: {
      field: 'batch_ms',
      text: (k) =>
        `${rate(nb, st[k].batch.median)}, ${fmtMs(st[k].batch.median)} per batch (p10–p90 ${fmtMs(st[k].batch.p10)}–${fmtMs(st[k].batch.p90)})`,
    },
  };
  /** Environment `a` vs environment `b` on one kind of measurement. */
  const compare = (key, figure, kind, a, b) =>
    row(
      key,
      figure,
      st[a][kind],
      st[b][kind],
      { lo: 'p10', hi: 'p90', rounds: rounds(a, b, kinds[kind].field) },
      kinds[kind].text(a),
      kinds[kind].text(b),
    );
  const figures = {
    single: 'Single-text predict, per call',
    blocks: `Single-text predict, per call timed in blocks of ${res.profile_settings.blockSize}`,
    batch: `predictBatch of ${n(nb)} reviews`,
  };
  const peers = [
    ['napi', 'N-API'],
    ['node_wasm', 'WASM-in-Node'],
  ];
  const rows = [];
  for (const kind of ['single', 'blocks', 'batch']) {
    for (const [p, name] of peers) {
      rows.push(
        compare(
          `wasm_browser_${kind}_vs_${p}`,
          `${figures[kind]}: browser vs ${name}`,
          kind,
          'browser',
          p,
        ),
      );
    }
  }
  // Context: WASM-in-Node against N-API (as the engine bench), and the engine API's wrapper.
  rows.push(
    compare(
      'wasm_node_single_vs_napi',
      'Context: single predict, WASM-in-Node vs N-API',
      'single',
      'node_wasm',
      'napi',
    ),
    compare(
      'wasm_node_batch_vs_napi',
      `Context: predictBatch of ${n(nb)}, WASM-in-Node vs N-API`,
      'batch',
      'node_wasm',
      'napi',
    ),
    compare(
      'wasm_engine_api_single_vs_package',
      "Context: single predict, WASM through the engine API vs the package's Model directly (Node)",
      'single',
      'node_wasm_engine',
      'node_wasm',
    ),
  );
  return { rows, stats: st };
}

export function markdown(res, rows, st) {
  const m = res.machine;
  const b = res.browser;
  const p = res.profile_settings;
  const a = res.agreement;
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
  const L = sectionHead(res, {
    name: 'browser',
    title: 'Browser benchmark (WASM in headless Chromium)',
    quickNote: `${n(p.rounds * p.singlePerRound)} predict calls, a batch of ${n(p.batchTexts)} and ${p.rounds} rounds`,
  });
  const s1 = byKey.wasm_browser_single_vs_napi;
  const s2 = byKey.wasm_browser_single_vs_node_wasm;
  const b1 = byKey.wasm_browser_batch_vs_napi;
  const b2 = byKey.wasm_browser_batch_vs_node_wasm;
  const k1 = byKey.wasm_browser_blocks_vs_napi;
  const k2 = byKey.wasm_browser_blocks_vs_node_wasm;
  L.push(
    `- **Single-text predict**: the browser takes ${fmtX(s1.ratio)} the N-API time (median per call ${fmtMs(st.browser.single.median)} vs ${fmtMs(st.napi.single.median)}; p10–p90 matched ${fmtX(s1.lo)}–${fmtX(s1.hi)}) and ${fmtX(s2.ratio)} the time of the same WASM in Node (${fmtMs(st.node_wasm.single.median)}; ${fmtX(s2.lo)}–${fmtX(s2.hi)}). Timed in blocks of ${p.blockSize} calls: ${fmtX(k1.ratio)} the N-API time and ${fmtX(k2.ratio)} the WASM-in-Node time.`,
  );
  L.push(
    `- **predictBatch of ${n(res.data.n_batch)} reviews**: the browser takes ${fmtX(b1.ratio)} the N-API time (${rate(res.data.n_batch, st.browser.batch.median)} vs ${rate(res.data.n_batch, st.napi.batch.median)}; p10–p90 matched ${fmtX(b1.lo)}–${fmtX(b1.hi)}; N-API scores a batch on both cores, WASM on one) and ${fmtX(b2.ratio)} the time of WASM-in-Node (${rate(res.data.n_batch, st.node_wasm.batch.median)}; ${fmtX(b2.lo)}–${fmtX(b2.hi)}).`,
  );
  L.push(
    `- **Same predictions**: ${a.passed ? 'yes' : '**NO**'} — ${a.single.n} single predictions: label mismatches ${a.single.vs_napi.label_mismatches}, largest probability difference ${a.single.vs_napi.max_abs_diff.toExponential(1)} vs N-API and ${a.single.vs_node_wasm.max_abs_diff.toExponential(1)} vs WASM-in-Node; predictBatch of ${n(a.batch.n)}: ${a.batch.vs_napi.label_mismatches} label mismatches, largest difference ${a.batch.vs_napi.max_abs_diff.toExponential(1)} vs N-API (${n(a.batch.vs_napi.probabilities_differing)} of ${n(a.batch.n * res.model.classes_count)} probabilities not bit-identical) and ${a.batch.vs_node_wasm.max_abs_diff.toExponential(1)} vs WASM-in-Node (tolerance ${a.tolerance}).`,
  );
  L.push('');
  L.push('### Ratios (same run, same model, same texts)');
  L.push('');
  L.push('| Figure | Subject | Peer | Ratio (of medians) | Matched spread | Per-round ratios |');
  L.push('|---|---|---|---|---|---|');
  for (const r of rows) {
    L.push(
      `| ${r.figure} | ${r.subject} | ${r.peer} | ${r.ratioText} | ${fmtX(r.lo)}–${fmtX(r.hi)} (${r.spread_kind}) | ${fmtX(r.round_lo)}–${fmtX(r.round_hi)} over ${r.per_round.length} rounds |`,
    );
  }
  L.push('');
  L.push(
    'A ratio above 1 means the browser (the subject) takes longer. Matched spread: the same ratio at matched order statistics of the two series (always including the ratio of medians). Per-round ratios: the environments take turns within each round, so each round gives one ratio of the two measured a few seconds apart.',
  );
  L.push('');
  L.push('### Measurements');
  L.push('');
  L.push(
    `| Environment | predict: median | p10 | p90 | p99 | per call in blocks of ${p.blockSize}: median (p10–p90) | mean per call (all blocks) | predictBatch: median (p10–p90; min–max) | docs/s |`,
  );
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const [k, e] of Object.entries(res.environments)) {
    const s = st[k];
    L.push(
      `| ${e.label} | ${fmtMs(s.single.median)} | ${fmtMs(s.single.p10)} | ${fmtMs(s.single.p90)} | ${fmtMs(s.single.p99)} | ${fmtMs(s.blocks.median)} (${fmtMs(s.blocks.p10)}–${fmtMs(s.blocks.p90)}) | ${fmtMs(s.blocks.mean)} | ${fmtMs(s.batch.median)} (${fmtMs(s.batch.p10)}–${fmtMs(s.batch.p90)}; ${fmtMs(s.batch.min)}–${fmtMs(s.batch.max)}) | ${n(res.data.n_batch / (s.batch.median / 1000))} |`,
    );
  }
  L.push('');
  L.push(
    `Model load in the page: instantiating the WASM module (fetch + compile) ${fmtMs(b.instantiate_ms)}, \`Model.fromBytes\` of the ${(res.model.bytes / 2 ** 20).toFixed(1)} MiB model ${fmtMs(b.first_load_ms)} the first time, then ${b.loads_ms.map(fmtMs).join(', ')}.`,
  );
  L.push('');
  L.push('### How it is measured');
  L.push('');
  L.push(
    `- Model: trained in Node with the native engine (\`engine.train\`, ${fmtMs(res.model.train_seconds * 1000)}) on all ${n(res.model.n_train)} imdb train reviews with the bench's config \`${JSON.stringify(res.model.config)}\` (${n(res.model.n_features)} features); its bytes (\`model.toBytes()\`) are loaded in every environment: \`engine.loadModel\` (N-API; WASM engine API), the package's \`Model.fromBytes\` (WASM-in-Node; the page).`,
  );
  L.push(
    `- Page: \`bench/browser/page.html\` + \`page.mjs\`, served with \`bindings/wasm/pkg\` (the wasm-bindgen \`--target web\` package), the model bytes and the first ${n(res.data.n_texts_served)} test reviews (JSON) by a \`node:http\` server on 127.0.0.1 with COOP/COEP headers (the page is \`crossOriginIsolated\`: ${b.cross_origin_isolated}). Chromium ${b.chromium_version} (\`${b.executable}\`, ${b.args.join(' ')}), driven by playwright-core ${b.playwright_core}; the driver only calls into the page between measurements (\`page.evaluate\`), never inside a timed loop.`,
  );
  L.push(
    `- Every environment runs the same code, \`bench/browser/measure.mjs\`, timed with \`performance.now()\`: after a warm-up (${n(p.warmupCalls)} predict calls and ${p.warmupBatches} predictBatch, so the WASM tiers up), ${p.rounds} rounds in which the four environments take turns (order rotated each round); per round and environment: ${n(p.singlePerRound)} \`predict(text)\` calls each timed (the round's own test reviews, distinct across rounds: ${n(res.data.n_single)} calls in all), the same calls again timed in blocks of ${p.blockSize} (per call = block time / ${p.blockSize}), and one \`predictBatch\` of the first ${n(res.data.n_batch)} test reviews.`,
  );
  L.push(
    `- Timer resolution: ${fmtMs(b.timer_resolution_ms)} in the page (Chromium coarsens \`performance.now()\`, to 5 µs when cross-origin isolated), ${fmtMs(res.node.timer_resolution_ms)} in Node: per-call percentiles in the browser are quantised to that step, which is why the block timings (${p.blockSize} calls per reading) are reported next to them. On a busy machine a block (about ${p.blockSize} × the per-call time) is more often interrupted by other processes than a single call, so block medians can sit above per-call medians; the per-call median is the less disturbed figure, the block median the one closer to sustained throughput.`,
  );
  L.push(
    `- Agreement: \`predict\` on ${a.single.n} reviews (${a.single.indices}) and \`predictBatch\` on the ${n(a.batch.n)}, in the page and in Node; same label and every probability within ${a.tolerance} required (run exits 1 otherwise). N-API's accuracy on the ${n(res.data.n_batch)} reviews: ${(res.data.batch_accuracy_napi * 100).toFixed(2)} %.`,
  );
  L.push('');
  L.push('### Machine');
  L.push('');
  L.push(
    `${m.cpu_model}, ${m.logical_cpus} logical CPUs (the page reports \`hardwareConcurrency\` ${b.hardware_concurrency}), ${(m.memory_total_bytes / 2 ** 30).toFixed(1)} GiB, ${m.os_release ?? m.platform}; Node ${m.node} (V8 ${m.v8}); engine ${res.node.engine_version} (page: ${b.engine_version}); git ${m.git_commit?.slice(0, 12) ?? '?'}${m.git_dirty_paths ? ` + ${m.git_dirty_paths} uncommitted paths` : ''}. Shared machine: 1-minute load average ${loadRange(res.load_timeline)} during the run (see load_timeline in the JSON); the rounds spread that noise over all environments alike.`,
  );
  L.push('');
  L.push(
    'Caveats: Chromium and Node have different V8 versions (the page runs a newer one); the Chromium renderer is a separate process from the Node driver, and while one environment measures the others idle. WASM is single-threaded in both places; N-API `predictBatch` uses both cores, so the batch ratio against N-API includes that parallelism.',
  );
  return `${L.join('\n')}\n`;
}

const BEGIN = '<!-- browser-bench:begin (generated by bench/browser/run.mjs) -->';
const END = '<!-- browser-bench:end -->';

export function writeOutputs(res, { resultsDir, resultsMd }) {
  const { rows, stats: st } = computeRatios(res);
  res.model.classes_count = res.browser.classes.length;
  res.summary = Object.fromEntries(Object.entries(st));
  res.ratios = rows;
  const jsonFile = writeResultsJson(resultsDir, 'browser', res);
  writeResultsSection(resultsMd, BEGIN, END, markdown(res, rows, st));
  return { rows, jsonFile, resultsMd };
}
