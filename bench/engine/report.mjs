// Report writer: ratios against the peers, targets met / not met, and the
// three outputs (engine.json, engine-ratios.svg, the engine section of RESULTS.md).
import fs from 'node:fs';
import path from 'node:path';
import {
  loadRange,
  sectionHead,
  writeResultsJson,
  writeResultsSection,
} from '../lib/results-md.mjs';
import { TARGETS } from './config.mjs';
import { ratiosSvg } from './svg.mjs';

const MIB = 1024 * 1024;

// ------------------------------------------------------------- formatting

export function fmtTime(s) {
  if (!Number.isFinite(s)) return '–';
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${(s * 1e6).toPrecision(3)} µs`;
}
const fmtMiB = (b) => `${(b / MIB).toFixed(1)} MiB`;
const fmtRate = (r) => `${Math.round(r).toLocaleString('en-US')} docs/s`;
const fmtPct = (a) => (Number.isFinite(a) ? `${(a * 100).toFixed(2)} %` : '–');
const fmtX = (x) =>
  !Number.isFinite(x)
    ? '–'
    : x >= 100
      ? `${x.toFixed(0)}×`
      : x >= 10
        ? `${x.toFixed(1)}×`
        : `${x.toFixed(2)}×`;
/** "7.1× faster", or for a ratio below 1 "1.28× slower (0.78×)". */
const faster = (r) =>
  r >= 1 || !Number.isFinite(r) ? `${fmtX(r)} faster` : `${fmtX(1 / r)} slower (${fmtX(r)})`;
const cpuPerWall = (x) =>
  x?.cpu_seconds ? (x.cpu_seconds.median / x.seconds.median).toFixed(2) : 'not measured';
const fmtFrac = (x) => (Number.isFinite(x) ? `${x.toFixed(3)} (1/${(1 / x).toFixed(2)})` : '–');
const spreadTime = (s, kind) => `${fmtTime(s.median)} (${kind} ${fmtTime(s.lo)}–${fmtTime(s.hi)})`;
const n = (x) => x.toLocaleString('en-US');

/** Median plus a spread pair, from a summary with min/max or p10/p90. */
function span(sum, kind) {
  return kind === 'p10/p90'
    ? { median: sum.median, lo: sum.p10, hi: sum.p90 }
    : { median: sum.median, lo: sum.min, hi: sum.max };
}

/** peer cost / Sentio cost at the median and at matched spread points. */
function costRatio(peer, sentio) {
  const r = peer.median / sentio.median;
  const a = peer.lo / sentio.lo;
  const b = peer.hi / sentio.hi;
  return { ratio: r, lo: Math.min(a, b, r), hi: Math.max(a, b, r) };
}

/** The cells of an accuracy row: both accuracies, their ratio, the difference in points. */
function accuracyCells(sentio, peer) {
  const d = sentio - peer;
  return {
    sentio: fmtPct(sentio),
    peer: fmtPct(peer),
    ratio: sentio / peer,
    lo: Number.NaN,
    hi: Number.NaN,
    ratioText: `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} points`,
  };
}

// ------------------------------------------------------------------ ratios

/** A context row: CPU time (user + system, all threads) of the two processes. */
function cpuRow(key, figure, sentioCpu, peerCpu, peerApi) {
  const s = span(sentioCpu, 'min/max');
  const p = span(peerCpu, 'min/max');
  const r = costRatio(p, s);
  return {
    key,
    figure,
    sentio: `${spreadTime(s, 'min–max')} CPU`,
    peer: `${spreadTime(p, 'min–max')} CPU, ${peerApi}`,
    ...r,
    ratioText:
      r.ratio >= 1 ? `${fmtX(r.ratio)} less CPU time` : `${fmtX(1 / r.ratio)} more CPU time`,
    target: null,
    met: null,
    chart: null,
  };
}

/** Every figure of the brief as a row: values, ratio, target, met. */
export function computeRatios(res) {
  const rows = [];
  const se = res.sentio;
  const sk = res.sklearn;
  const add = (row) => rows.push(row);
  const skSpan = (sec) => span(sec, 'min/max');

  // 1. Training.
  {
    const s = span(se.train.seconds, 'min/max');
    const p = skSpan(sk.fit_seconds);
    const r = costRatio(p, s);
    add({
      key: 'train_vs_sklearn',
      figure: 'Training time (vectorize + fit)',
      sentio: `${spreadTime(s, 'min–max')}, engine.train (trainAsync)`,
      peer: `${spreadTime(p, 'min–max')}, Pipeline.fit`,
      ...r,
      ratioText: faster(r.ratio),
      target: TARGETS.train_vs_sklearn,
      met: r.ratio >= TARGETS.train_vs_sklearn.min,
      chart: {
        label: 'Training vs scikit-learn',
        factor: r.ratio,
        lo: r.lo,
        hi: r.hi,
        target: TARGETS.train_vs_sklearn.min,
      },
    });
  }
  // 1b. Training CPU time (context: less sensitive to a busy machine than wall time).
  if (se.train.cpu_seconds && sk.fit_cpu_seconds) {
    add(
      cpuRow(
        'train_cpu_vs_sklearn',
        'Training, process CPU time (context)',
        se.train.cpu_seconds,
        sk.fit_cpu_seconds,
        'Pipeline.fit',
      ),
    );
  }
  // 2. Single-text latency.
  {
    const s = span(se.single, 'p10/p90');
    const l = sk.single_doc_predict_proba_latency_seconds;
    const p = { median: l.median, lo: l.p10 ?? l.min, hi: l.p90 };
    const r = costRatio(p, s);
    add({
      key: 'single_vs_sklearn',
      figure: `Single-text predict latency (${n(se.single.n_calls)} calls, distinct reviews)`,
      sentio: `${spreadTime(s, 'p10–p90')}, model.predict (N-API)`,
      peer: `${spreadTime(p, l.p10 === undefined ? 'min–p90' : 'p10–p90')}, predict_proba([text])`,
      ...r,
      ratioText: faster(r.ratio),
      target: TARGETS.single_vs_sklearn,
      met: r.ratio >= TARGETS.single_vs_sklearn.min,
      chart: {
        label: 'Single predict vs scikit-learn',
        factor: r.ratio,
        lo: r.lo,
        hi: r.hi,
        target: TARGETS.single_vs_sklearn.min,
      },
    });
  }
  // 3. Batch throughput, sync and async.
  for (const b of [se.batch, se.batch_async]) {
    const s = span(b.seconds, 'min/max');
    const p = skSpan(sk.batch_predict_proba.seconds);
    const r = costRatio(p, s); // same docs: time ratio = throughput ratio
    add({
      key: `batch_vs_sklearn_${b.api}`,
      figure: `Batch throughput, ${n(b.n_docs)} test reviews (${b.api})`,
      sentio: `${fmtRate(b.docs_per_second_median)} (${fmtTime(s.median)} per batch, min–max ${fmtTime(s.lo)}–${fmtTime(s.hi)})`,
      peer: `${fmtRate(sk.batch_predict_proba.docs_per_second_median)} (${fmtTime(p.median)}, min–max ${fmtTime(p.lo)}–${fmtTime(p.hi)}), predict_proba(all)`,
      ...r,
      ratioText: `${fmtX(r.ratio)} the docs/s`,
      target: TARGETS.batch_vs_sklearn,
      met: r.ratio >= TARGETS.batch_vs_sklearn.min,
      chart: {
        label: `Batch docs/s vs scikit-learn`,
        sublabel: b.api,
        factor: r.ratio,
        lo: r.lo,
        hi: r.hi,
        target: TARGETS.batch_vs_sklearn.min,
      },
    });
  }
  if (se.batch.cpu_seconds && sk.batch_predict_proba.cpu_seconds) {
    add(
      cpuRow(
        'batch_cpu_vs_sklearn',
        `Batch of ${n(se.batch.n_docs)}, process CPU time (context; predictBatch)`,
        se.batch.cpu_seconds,
        sk.batch_predict_proba.cpu_seconds,
        'predict_proba(all)',
      ),
    );
  }
  // 4. WASM vs N-API, single and batch (ratio = WASM time / N-API time).
  {
    const w = span(se.wasm.single, 'p10/p90');
    const s = span(se.wasm.native_single ?? se.single, 'p10/p90');
    const r = costRatio(w, s); // wasm / native
    add({
      key: 'wasm_single_vs_native',
      figure: 'WASM-in-Node vs N-API, single-text predict',
      sentio: `WASM ${spreadTime(w, 'p10–p90')}`,
      peer: `N-API ${spreadTime(s, 'p10–p90')}`,
      ...r,
      ratioText: `WASM takes ${fmtX(r.ratio)} the time`,
      target: TARGETS.wasm_single_vs_native,
      met: r.ratio <= TARGETS.wasm_single_vs_native.max,
      chart: {
        label: 'WASM vs N-API, single predict',
        sublabel: 'N-API time / WASM time',
        factor: 1 / r.ratio,
        lo: 1 / r.hi,
        hi: 1 / r.lo,
        target: 1 / TARGETS.wasm_single_vs_native.max,
      },
    });
  }
  {
    // Per document = CPU time per document: the WASM module runs on one
    // thread (browsers give it no threads), N-API's predictBatch on every
    // core, so the wall-clock ratio below mostly measures the core count.
    const nb = se.wasm.native_batch ?? se.batch;
    const w = span(se.wasm.batch.cpu_seconds, 'min/max');
    const s = span(nb.cpu_seconds, 'min/max');
    const r = costRatio(w, s);
    add({
      key: 'wasm_batch_vs_native',
      figure: `WASM-in-Node vs N-API, batch of ${n(se.batch.n_docs)} (predictBatch), CPU time per document`,
      sentio: `WASM ${fmtTime(w.median / se.batch.n_docs)} CPU per document (one thread)`,
      peer: `N-API ${fmtTime(s.median / se.batch.n_docs)} CPU per document (all cores)`,
      ...r,
      ratioText: `WASM takes ${fmtX(r.ratio)} the CPU time`,
      target: TARGETS.wasm_batch_vs_native,
      met: r.ratio <= TARGETS.wasm_batch_vs_native.max,
      chart: {
        label: 'WASM vs N-API, batch (CPU per doc)',
        sublabel: 'N-API CPU time / WASM CPU time',
        factor: 1 / r.ratio,
        lo: 1 / r.hi,
        hi: 1 / r.lo,
        target: 1 / TARGETS.wasm_batch_vs_native.max,
      },
    });
  }
  {
    const nb = se.wasm.native_batch ?? se.batch;
    const w = span(se.wasm.batch.seconds, 'min/max');
    const s = span(nb.seconds, 'min/max');
    const r = costRatio(w, s);
    add({
      key: 'wasm_batch_vs_native_wall',
      figure: `WASM-in-Node (one thread) vs N-API (all cores), batch of ${n(se.batch.n_docs)}, wall clock (context)`,
      sentio: `WASM ${fmtRate(se.wasm.batch.docs_per_second_median)} (${fmtTime(w.median)} per batch)`,
      peer: `N-API ${fmtRate(nb.docs_per_second_median)} (${fmtTime(s.median)} per batch)`,
      ...r,
      ratioText: `WASM takes ${fmtX(r.ratio)} the time`,
      target: null,
      met: null,
      chart: null,
    });
  }
  // 5. Peak memory while training, fresh processes.
  {
    const m = se.memory_child;
    const pk = sk.peak_rss_fit_process;
    const ratio = m.peak_rss_bytes_after_train / pk.bytes;
    add({
      key: 'peak_rss_vs_sklearn',
      figure: 'Peak RSS of a fresh process that loads the train CSV and trains',
      sentio: `${fmtMiB(m.peak_rss_bytes_after_train)} (maxRSS before training: ${fmtMiB(m.peak_rss_bytes_after_load)}; after loading the engine, before the CSV: ${fmtMiB(m.peak_rss_bytes_after_engine_load)})`,
      peer: `${fmtMiB(pk.bytes)} (before fit: ${fmtMiB(pk.bytes_after_load_before_fit)}; after imports: ${fmtMiB(pk.bytes_after_import)})`,
      ratio,
      lo: ratio,
      hi: ratio,
      ratioText: `${fmtFrac(ratio)} of scikit-learn's`,
      target: TARGETS.peak_rss_vs_sklearn,
      met: ratio <= TARGETS.peak_rss_vs_sklearn.max,
      chart: {
        label: 'Peak RSS while training vs scikit-learn',
        sublabel: 'scikit-learn RSS / Sentio RSS',
        factor: 1 / ratio,
        target: 1 / TARGETS.peak_rss_vs_sklearn.max,
      },
    });
  }
  {
    // Context: what training itself adds on top of the loaded data.
    const m = se.memory_child;
    const pk = sk.peak_rss_fit_process;
    const sAdd = m.peak_rss_bytes_after_train - m.current_rss_bytes_before_train;
    const pAdd = pk.bytes - pk.bytes_after_load_before_fit;
    const ratio = sAdd / pAdd;
    add({
      key: 'training_rss_increase_vs_sklearn',
      figure: 'Memory added by training: peak RSS after training − RSS before it (context)',
      sentio: `${fmtMiB(sAdd)} (from ${fmtMiB(m.current_rss_bytes_before_train)} RSS with the texts loaded${m.gc_after_load ? ', after a GC' : ''})`,
      peer: `${fmtMiB(pAdd)} (from ${fmtMiB(pk.bytes_after_load_before_fit)} maxRSS with the texts loaded)`,
      ratio,
      lo: ratio,
      hi: ratio,
      ratioText: `${fmtFrac(ratio)} of scikit-learn's`,
      target: null,
      met: null,
      chart: null,
    });
  }
  // 6. Model size and load time.
  {
    const ratio = se.model_bytes / sk.model_pickle.bytes;
    add({
      key: 'model_size_vs_pickle',
      figure: 'Model file size',
      sentio: `${fmtMiB(se.model_bytes)} (model.toBytes())`,
      peer: `${fmtMiB(sk.model_pickle.bytes)} (pickle protocol 5 of the Pipeline)`,
      ratio,
      lo: ratio,
      hi: ratio,
      ratioText: `${fmtFrac(ratio)} of the pickle`,
      target: TARGETS.model_size_vs_pickle,
      met: ratio <= TARGETS.model_size_vs_pickle.max,
      chart: {
        label: 'Model file size vs pickle',
        sublabel: 'pickle bytes / Sentio bytes',
        factor: 1 / ratio,
        target: 1 / TARGETS.model_size_vs_pickle.max,
      },
    });
  }
  {
    const s = span(se.load, 'min/max');
    const p = skSpan(sk.model_pickle.loads_seconds);
    const r = costRatio(p, s);
    add({
      key: 'model_load_ms',
      figure: `Model load time (${n(se.load.n)} loads)`,
      sentio: `${spreadTime(s, 'min–max')}, engine.loadModel(bytes)`,
      peer: `${spreadTime(p, 'min–max')}, pickle.loads (${sk.model_pickle.loads_seconds.all.length} loads)`,
      ...r,
      ratioText: `${fmtTime(s.median)} vs the 100 ms budget; ${fmtX(r.ratio)} the speed of pickle.loads`,
      target: TARGETS.model_load_ms,
      met: s.median * 1e3 < TARGETS.model_load_ms.maxAbs,
      chart: {
        label: 'Model load vs the 100 ms budget',
        sublabel: '100 ms / Sentio load time',
        factor: 0.1 / s.median,
        lo: 0.1 / s.hi,
        hi: 0.1 / s.lo,
        target: 1,
      },
    });
  }
  // 7. Pure-JS peers: training time and accuracy on the same data.
  for (const [key, entry] of Object.entries(res.js_peers)) {
    const peer = entry.peer;
    const sen = entry.sentio;
    const isBayes = key === 'bayes';
    if (peer.error) {
      add({
        key: `train_vs_${key}`,
        figure: `Training vs ${entry.package} (${n(entry.n_train)} reviews)`,
        sentio: sen ? fmtTime(sen.train_seconds.median) : '–',
        peer: `did not finish: ${peer.error}`,
        ratio: Number.NaN,
        lo: Number.NaN,
        hi: Number.NaN,
        ratioText: '–',
        target: isBayes ? TARGETS.train_vs_bayes : null,
        met: isBayes ? null : null,
        chart: {
          label: `Training vs ${key}`,
          factor: Number.NaN,
          target: isBayes ? TARGETS.train_vs_bayes.min : null,
        },
      });
      continue;
    }
    const s = span(sen.train_seconds, 'min/max');
    const p = span(peer.train_seconds, 'min/max');
    const r = costRatio(p, s);
    const sub =
      peer.n_train === res.data.n_train_file
        ? `all ${n(peer.n_train)} train reviews`
        : `first ${n(peer.n_train)} train reviews`;
    add({
      key: `train_vs_${key}`,
      figure: `Training time vs ${peer.peer} ${peer.version} (${sub})`,
      sentio: `${spreadTime(s, 'min–max')}`,
      peer: `${peer.train_seconds.n > 1 ? spreadTime(p, 'min–max') : fmtTime(p.median)}`,
      ...r,
      ratioText: faster(r.ratio),
      // With the unigram run present the bayes targets are judged like for
      // like (rows below); this row, Sentio's bigram model, is context.
      target: isBayes && !sen.unigram ? TARGETS.train_vs_bayes : null,
      met: isBayes && !sen.unigram ? r.ratio >= TARGETS.train_vs_bayes.min : null,
      chart: {
        label: `Training vs ${key}`,
        sublabel: sen.unigram && isBayes ? `${sub}, Sentio bigrams` : sub,
        factor: r.ratio,
        lo: r.lo,
        hi: r.hi,
        target: isBayes && !sen.unigram ? TARGETS.train_vs_bayes.min : null,
      },
    });
    add({
      key: `accuracy_vs_${key}`,
      figure: `Accuracy vs ${peer.peer} (first ${n(peer.n_test)} test reviews)`,
      ...accuracyCells(sen.accuracy, peer.accuracy),
      target: isBayes && !sen.unigram ? TARGETS.accuracy_vs_bayes : null,
      met: isBayes && !sen.unigram ? sen.accuracy > peer.accuracy : null,
      chart: null,
    });
    if (isBayes && sen.unigram) rows.push(...bayesUnigramRows(sen.unigram, peer, p, sub));
  }
  // 8. Second dataset: scikit-learn side by side on airline_tweets (context, no targets).
  rows.push(...airlineRows(res.airline_tweets));
  return rows;
}

/**
 * bayes has unigram features only, so its targets are judged on Sentio with
 * `ngram_range: [1, 1]` (otherwise the same config) on the same reviews:
 * the same kind of model, trained and scored on the same data.
 */
function bayesUnigramRows(uni, peer, p, sub) {
  const s = span(uni.train_seconds, 'min/max');
  const r = costRatio(p, s);
  return [
    {
      key: 'train_vs_bayes_unigram',
      figure: `Training time vs ${peer.peer} ${peer.version}, like for like: Sentio with unigram features too (${sub})`,
      sentio: `${spreadTime(s, 'min–max')}, \`ngram_range: [1, 1]\`, ${n(uni.n_features)} features`,
      peer: `${peer.train_seconds.n > 1 ? spreadTime(p, 'min–max') : fmtTime(p.median)}`,
      ...r,
      ratioText: faster(r.ratio),
      target: TARGETS.train_vs_bayes,
      met: r.ratio >= TARGETS.train_vs_bayes.min,
      chart: {
        label: 'Training vs bayes',
        sublabel: `${sub}, both unigrams`,
        factor: r.ratio,
        lo: r.lo,
        hi: r.hi,
        target: TARGETS.train_vs_bayes.min,
      },
    },
    {
      key: 'accuracy_vs_bayes_unigram',
      figure: `Accuracy vs ${peer.peer}, like for like: Sentio with unigram features too (first ${n(peer.n_test)} test reviews)`,
      ...accuracyCells(uni.accuracy, peer.accuracy),
      target: TARGETS.accuracy_vs_bayes,
      met: uni.accuracy > peer.accuracy,
      chart: null,
    },
  ];
}

/**
 * The airline_tweets rows (dataset: 'airline_tweets'; target null, so their
 * status is "context"): the same ratios as the imdb rows 1–3 plus accuracy.
 */
function airlineRows(air) {
  if (!air || air.skipped) return [];
  const se = air.sentio;
  const sk = air.sklearn;
  const rows = [];
  const add = (row) =>
    rows.push({ dataset: 'airline_tweets', target: null, met: null, chart: null, ...row });
  {
    const s = span(se.train.seconds, 'min/max');
    const p = span(sk.fit_seconds, 'min/max');
    const r = costRatio(p, s);
    add({
      key: 'airline_train_vs_sklearn',
      figure: `Training time (vectorize + fit), ${n(air.data.n_train)} tweets`,
      sentio: `${spreadTime(s, 'min–max')}, engine.train (trainAsync)`,
      peer: `${spreadTime(p, 'min–max')}, Pipeline.fit`,
      ...r,
      ratioText: faster(r.ratio),
    });
  }
  {
    const s = span(se.single, 'p10/p90');
    const l = sk.single_doc_predict_proba_latency_seconds;
    const p = { median: l.median, lo: l.p10, hi: l.p90 };
    const r = costRatio(p, s);
    add({
      key: 'airline_single_vs_sklearn',
      figure: `Single-text predict latency (${n(se.single.n_calls)} calls, distinct tweets)`,
      sentio: `${spreadTime(s, 'p10–p90')}, model.predict (N-API)`,
      peer: `${spreadTime(p, 'p10–p90')}, predict_proba([text])`,
      ...r,
      ratioText: faster(r.ratio),
    });
  }
  {
    const b = se.batch;
    const s = span(b.seconds, 'min/max');
    const p = span(sk.batch_predict_proba.seconds, 'min/max');
    const r = costRatio(p, s);
    add({
      key: 'airline_batch_vs_sklearn',
      figure: `Batch throughput, ${n(b.n_docs)} test tweets (${b.api})`,
      sentio: `${fmtRate(b.docs_per_second_median)} (${fmtTime(s.median)} per batch, min–max ${fmtTime(s.lo)}–${fmtTime(s.hi)})`,
      peer: `${fmtRate(sk.batch_predict_proba.docs_per_second_median)} (${fmtTime(p.median)}, min–max ${fmtTime(p.lo)}–${fmtTime(p.hi)}), predict_proba(all)`,
      ...r,
      ratioText: `${fmtX(r.ratio)} the docs/s`,
    });
  }
  add({
    key: 'airline_accuracy_vs_sklearn',
    figure: `Accuracy (${n(air.data.n_test)} test tweets, 3 classes)`,
    ...accuracyCells(se.accuracy, sk.accuracy),
  });
  return rows;
}

/** The airline_tweets subsection of the engine section. */
function airlineMarkdown(air, rows, row) {
  const L = [];
  L.push('### Second dataset: airline_tweets (scikit-learn side by side, no targets)');
  L.push('');
  if (!air) {
    L.push('Not part of this run (its results predate the airline_tweets comparison).');
    return L;
  }
  if (air.skipped) {
    L.push(`Skipped in this run: ${air.skipped}.`);
    return L;
  }
  const d = air.data;
  const se = air.sentio;
  const sk = air.sklearn;
  const counts = (c) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
  L.push(
    `Twitter US Airline Sentiment: \`${d.file}\` (${n(d.n_file)} tweets, ${(d.file_bytes / 1e6).toFixed(1)} MB, classes ${se.classes.join(' / ')}). The file has no official split, so the bench makes a deterministic one: ${d.split} — ${n(d.n_train)} train tweets (${counts(d.train_label_counts)}) and ${n(d.n_test)} test tweets (${counts(d.test_label_counts)}). Both sides get exactly these texts (the split is written to two temporary CSVs that scikit-learn reads) and the config above; ${n(se.n_features)} features in Sentio, ${n(sk.n_features)} in scikit-learn. Measured in the same run and the same way as the imdb rows (native N-API only): training ${se.train.seconds.n} repeats vs ${sk.fit_seconds.all.length} fits, batch ${se.batch.seconds.n} vs ${sk.batch_predict_proba.seconds.all.length} repeats, ${n(se.single.n_calls)} single calls on test tweets 0..${n(se.single.n_calls - 1)} on each side after 20 warm-up calls.`,
  );
  L.push('');
  L.push('| Figure | Sentio | scikit-learn | Ratio (of medians) | Ratio spread | Status |');
  L.push('|---|---|---|---|---|---|');
  for (const r of rows) {
    L.push(
      `| ${r.figure} | ${r.sentio} | ${r.peer} | ${r.ratioText} | ${row.spread(r)} | context |`,
    );
  }
  L.push('');
  L.push(
    `Tweets average ${Math.round(d.file_bytes / d.n_file)} bytes per CSV row against about 1.3 KB per imdb review, so fixed per-call costs (the N-API boundary, Python's call overhead) weigh more in the single-text figures here, and the batches are short (${fmtTime(se.batch.seconds.median)} per Sentio batch).`,
  );
  return L;
}

// ---------------------------------------------------------------- outputs

function status(row) {
  if (row.met === true) return '**met**';
  if (row.met === false) return '**NOT met**';
  return 'context';
}

export function markdown(res, rows, { svgRel }) {
  const m = res.machine;
  const env = res.sklearn.environment;
  const se = res.sentio;
  const sk = res.sklearn;
  const metCount = rows.filter((r) => r.met === true).length;
  const judged = rows.filter((r) => r.met !== null).length;
  const L = sectionHead(res, {
    name: 'engine',
    title: 'Engine benchmark',
    quickNote: `first ${n(res.data.n_train)} train / ${n(res.data.n_test)} test reviews and fewer repeats`,
  });
  L.push(
    `**${metCount} of ${judged} targets met.** Every figure is from the same run; every ratio compares two things measured side by side in it, on the same data and config.`,
  );
  L.push('');
  L.push(`![Sentio vs peers, ratios (log scale)](${svgRel})`);
  L.push('');
  L.push('### Targets');
  L.push('');
  L.push('| Figure | Sentio | Peer | Ratio (of medians) | Ratio spread | Target | Status |');
  L.push('|---|---|---|---|---|---|---|');
  const spreadTxt = (r) =>
    Number.isFinite(r.lo) && (r.lo !== r.ratio || r.hi !== r.ratio)
      ? `${fmtX(r.lo)}–${fmtX(r.hi)}`
      : '–';
  for (const r of rows.filter((x) => !x.dataset)) {
    L.push(
      `| ${r.figure} | ${r.sentio} | ${r.peer} | ${r.ratioText} | ${spreadTxt(r)} | ${r.target ? r.target.text : '–'} | ${status(r)} |`,
    );
  }
  L.push('');
  L.push(
    'Ratio spread: the same ratio taken at matched spread points of the two series (fastest vs fastest and slowest vs slowest repeat; for per-call latency p10 vs p10 and p90 vs p90), with the ratio of medians always inside. A target is judged on the ratio of medians.',
  );
  L.push('');
  L.push(
    ...airlineMarkdown(
      res.airline_tweets,
      rows.filter((x) => x.dataset === 'airline_tweets'),
      { spread: spreadTxt },
    ),
  );
  L.push('');
  L.push('### Machine');
  L.push('');
  L.push('| | |');
  L.push('|---|---|');
  L.push(
    `| CPU | ${m.cpu_model} (/proc/cpuinfo), ${m.logical_cpus} logical CPUs, available parallelism ${m.available_parallelism} |`,
  );
  L.push(`| Memory | ${(m.memory_total_bytes / 1024 ** 3).toFixed(1)} GiB |`);
  L.push(`| OS | ${m.os_release ?? ''} (${m.platform}) |`);
  L.push(
    `| Load average (1 min) during the run | ${loadRange(res.load_timeline)} (shared machine: other builds were running; see load_timeline in the JSON) |`,
  );
  L.push(`| Node | ${m.node} (V8 ${m.v8}) |`);
  L.push(
    `| Sentio | engine ${se.engine_version}, native addon ${path.relative(res.repo_root, se.native_source)}, WASM ${path.relative(res.repo_root, se.wasm_source)}; git ${m.git_commit?.slice(0, 12) ?? '?'}${m.git_dirty_paths ? ` + ${m.git_dirty_paths} uncommitted paths` : ''} |`,
  );
  L.push(
    `| Python / scikit-learn | Python ${env.python}, scikit-learn ${env.sklearn_version}, numpy ${env.numpy_version}, scipy ${env.scipy_version} |`,
  );
  L.push(
    `| JS peers | ${Object.values(res.js_peers)
      .map((e) => `${e.package} ${e.peer.version ?? '?'}`)
      .join(', ')}; tinybench ${res.tinybench_version} |`,
  );
  L.push('');
  L.push('### Data and configuration');
  L.push('');
  const setTxt = (k, file, bytes) =>
    k === file
      ? `all ${n(k)} reviews, ${(bytes / 1e6).toFixed(1)} MB`
      : `the first ${n(k)} of its ${n(file)} reviews`;
  L.push(
    `- Train: \`${res.data.train_file}\` (${setTxt(res.data.n_train, res.data.n_train_file, res.data.train_file_bytes)}); test: \`${res.data.test_file}\` (${setTxt(res.data.n_test, res.data.n_test_file, res.data.test_file_bytes)}). Read with \`bench/lib/csv.mjs\` (RFC 4180) in Node and Python's csv module in the peer; loading is not timed.`,
  );
  L.push(
    `- Config for Sentio and scikit-learn: \`${JSON.stringify(res.config)}\` (scikit-learn: TfidfVectorizer + MultinomialNB built by tests/reference/sentio_sklearn.py). ${n(se.n_features)} features in Sentio, ${n(sk.n_features)} in scikit-learn.`,
  );
  L.push(
    `- Accuracy on the test set: Sentio native ${fmtPct(se.batch.accuracy)}, WASM ${fmtPct(se.wasm.batch.accuracy)}, scikit-learn ${fmtPct(sk.accuracy)}.`,
  );
  L.push('');
  L.push('### How each figure is measured');
  L.push('');
  const inter = sk.interleaved_with_sentio;
  L.push(
    `- **Training**: \`engine.train(config, texts, labels)\` (native \`trainAsync\` on the libuv pool) on the loaded texts, ${se.train.seconds.n} repeats, wall clock; scikit-learn \`Pipeline.fit\` on a fresh clone, ${sk.fit_seconds.all.length} repeats (bench/peers/sklearn_bench.py).${inter ? ` Measured alternately: ${inter.rounds} rounds of one Sentio training and one scikit-learn fit, the order swapped every round (bench/engine/interleaved.mjs), so both sides sample the same minutes of this shared machine, whose speed drifts.` : ''}`,
  );
  L.push(
    `- **Single-text latency**: tinybench \`runSync\`, one sample per \`model.predict(text)\` call, ${n(se.single.n_calls)} calls on test reviews 0..${n(se.single.n_calls - 1)} after 20 warm-up calls; scikit-learn \`predict_proba([text])\` on the same reviews in the same order (${n(sk.single_doc_predict_proba_latency_seconds.n_calls)} calls).`,
  );
  L.push(
    `- **Batch**: \`predictBatch\` / \`predictBatchAsync\` over all ${n(se.batch.n_docs)} test reviews, ${se.batch.seconds.n} repeats each (the native engine may use all ${m.logical_cpus} cores; scikit-learn \`predict_proba\` is single-threaded).${inter?.batch_rounds ? ` Measured alternately: ${inter.batch_rounds} rounds of one predictBatch, one predictBatchAsync and one scikit-learn batch, the order reversed every round.` : ''}`,
  );
  L.push(
    `- **WASM**: the same model file loaded into the WASM backend (\`loadEngine({backend:'wasm'})\`), same single-call and batch protocol (${se.wasm.batch.seconds.n} batch repeats).${se.wasm.native_single ? ` For the single-text target both sides are measured in ${se.wasm.single.rounds} rounds of ${n(se.wasm.single.n_calls / se.wasm.single.rounds)} calls that alternate between WASM and N-API (the first side swapped every round), and each side's figures are over all its calls: measured once each, one after the other, each side landed in its own stretch of machine speed, and the first block of calls after a model is loaded runs slower than later ones on both backends (in one process: WASM 32–35 µs median in its first block, 22–29 µs in later ones).` : ''}${se.wasm.native_batch ? ` For the batch target N-API's predictBatch is measured again, alternately with WASM's, one batch at a time.` : ''} The batch target compares CPU time per document (process user + system time over the batch ÷ documents): the WASM module has one thread, as in a browser, while N-API's predictBatch uses every core, so the wall-clock ratio (shown as context) is mostly the core count.`,
  );
  L.push(
    `- **Peak memory**: a fresh \`node\` child loads the engine, reads the train CSV, trains once; \`process.resourceUsage().maxRSS\` after each step. scikit-learn: the fresh child of sklearn_bench.py (imports, reads the CSV, fits), \`ru_maxrss\`.`,
  );
  L.push(
    `- **Model**: \`model.toBytes().length\` vs \`len(pickle.dumps(pipeline, protocol=5))\`; load = \`engine.loadModel(bytes)\` (Model.fromBytes), tinybench, ${se.load.n} loads after one warm-up, vs \`pickle.loads\`.`,
  );
  L.push(
    '- **Pure-JS peers**: each in a fresh `node` process with its own defaults (unigram features and its own tokenizer; they have no TF-IDF or bigram options), training from raw text (tokenizing included) on the first N train reviews and predicting the first M test reviews one by one. Sentio is trained (same config as above) on exactly the same N reviews and scored on the same M; for bayes also with unigram features only (`ngram_range: [1, 1]`), the like-for-like model its targets are judged on, measured alternately with bayes: one Sentio training after each bayes training, while the bayes process waits (so both sides sample the same minutes of this machine).',
  );
  L.push('');
  L.push('### Details');
  L.push('');
  L.push('| Measurement | Value |');
  L.push('|---|---|');
  const cpuNote = (x) =>
    x?.cpu_seconds
      ? `; CPU time (all threads) median ${fmtTime(x.cpu_seconds.median)} = ${(x.cpu_seconds.median / x.seconds.median).toFixed(2)}× the wall time`
      : '';
  L.push(
    `| Sentio native: train | ${spreadTime(span(se.train.seconds, 'min/max'), 'min–max')}${cpuNote(se.train)} |`,
  );
  L.push(
    `| Sentio WASM: train (context, no target) | ${spreadTime(span(se.wasm.train.seconds, 'min/max'), 'min–max')}${cpuNote(se.wasm.train)} |`,
  );
  L.push(
    `| Sentio native: single predict | median ${fmtTime(se.single.median)}, p10 ${fmtTime(se.single.p10)}, p90 ${fmtTime(se.single.p90)}, p99 ${fmtTime(se.single.p99)}, max ${fmtTime(se.single.max)} |`,
  );
  L.push(
    `| Sentio WASM: single predict | median ${fmtTime(se.wasm.single.median)}, p10 ${fmtTime(se.wasm.single.p10)}, p90 ${fmtTime(se.wasm.single.p90)}, p99 ${fmtTime(se.wasm.single.p99)}, max ${fmtTime(se.wasm.single.max)} |`,
  );
  const skl = sk.single_doc_predict_proba_latency_seconds;
  L.push(
    `| scikit-learn: single predict_proba | median ${fmtTime(skl.median)}, p10 ${fmtTime(skl.p10)}, p90 ${fmtTime(skl.p90)}, p99 ${fmtTime(skl.p99)}, max ${fmtTime(skl.max)} |`,
  );
  L.push(
    `| Sentio native: predictBatch | ${fmtRate(se.batch.docs_per_second_median)} (best ${fmtRate(se.batch.docs_per_second_best)})${cpuNote(se.batch)} |`,
  );
  L.push(
    `| Sentio native: predictBatchAsync | ${fmtRate(se.batch_async.docs_per_second_median)} (best ${fmtRate(se.batch_async.docs_per_second_best)})${cpuNote(se.batch_async)} |`,
  );
  L.push(
    `| Sentio WASM: predictBatch | ${fmtRate(se.wasm.batch.docs_per_second_median)} (best ${fmtRate(se.wasm.batch.docs_per_second_best)}) |`,
  );
  L.push(
    `| scikit-learn: predict_proba batch | ${fmtRate(sk.batch_predict_proba.docs_per_second_median)} (best ${fmtRate(sk.batch_predict_proba.docs_per_second_best)}) |`,
  );
  L.push(
    `| Sentio: model load, native / WASM | ${spreadTime(span(se.load, 'min/max'), 'min–max')} / ${spreadTime(span(se.wasm.load, 'min/max'), 'min–max')} |`,
  );
  const mc = se.memory_child;
  L.push(
    `| Sentio memory child | maxRSS at start ${fmtMiB(mc.peak_rss_bytes_at_start)}, after engine load ${fmtMiB(mc.peak_rss_bytes_after_engine_load)}, after CSV load ${fmtMiB(mc.peak_rss_bytes_after_load)} (current RSS ${fmtMiB(mc.current_rss_bytes_before_train)}), after training ${fmtMiB(mc.peak_rss_bytes_after_train)}; training took ${fmtTime(mc.train_seconds)}${mc.vmhwm_bytes_after_train ? `. Cross-check, /proc VmHWM: at start ${fmtMiB(mc.vmhwm_bytes_at_start)}, after CSV load ${fmtMiB(mc.vmhwm_bytes_after_load)}, after training ${fmtMiB(mc.vmhwm_bytes_after_train)}` : ''} |`,
  );
  const pk = sk.peak_rss_fit_process;
  L.push(
    `| scikit-learn memory child | after imports ${fmtMiB(pk.bytes_after_import)}, after CSV load ${fmtMiB(pk.bytes_after_load_before_fit)}, after fit ${fmtMiB(pk.bytes)}; fit took ${fmtTime(pk.child_fit_seconds)} |`,
  );
  L.push('');
  L.push('#### Pure-JS peers');
  L.push('');
  L.push(
    '| Peer | Setup | Train / test reviews | Peer training | Sentio training (same reviews) | Speed-up | Peer accuracy | Sentio accuracy | Peer predict per review | Peer process peak RSS (both CSVs loaded) |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const e of Object.values(res.js_peers)) {
    const p = e.peer;
    if (p.error) {
      L.push(
        `| ${e.package} | – | ${n(e.n_train)} / ${n(e.n_test)} | did not finish: ${p.error} | – | – | – | – | – | – |`,
      );
      continue;
    }
    L.push(
      `| ${p.peer} ${p.version} | ${p.setup} | ${n(p.n_train)} / ${n(p.n_test)} | ${fmtTime(p.train_seconds.median)}${p.train_seconds.n > 1 ? ` (${p.train_seconds.n} runs, ${fmtTime(p.train_seconds.min)}–${fmtTime(p.train_seconds.max)})` : ''} | ${fmtTime(e.sentio.train_seconds.median)}${e.sentio.reused_headline ? ' (the headline training runs)' : ` (${e.sentio.train_seconds.n} runs)`} | ${fmtX(p.train_seconds.median / e.sentio.train_seconds.median)} | ${fmtPct(p.accuracy)} | ${fmtPct(e.sentio.accuracy)} | ${fmtTime(p.predict_seconds_per_doc)} | ${fmtMiB(p.vmhwm_bytes ?? p.peak_rss_bytes)} |`,
    );
  }
  const why = Object.values(res.js_peers).filter((e) => e.why_subsample);
  const uni = res.js_peers.bayes?.sentio?.unigram;
  const bp = res.js_peers.bayes?.peer;
  if (uni && bp && !bp.error) {
    why.push({
      package: 'bayes (the targets)',
      why_subsample: `bayes has unigram features only, so its two targets are judged like for like: Sentio with \`ngram_range: [1, 1]\` (otherwise the config above, ${n(uni.n_features)} features) on the same reviews trains in ${fmtTime(uni.train_seconds.median)} (${uni.train_seconds.n} runs${uni.alternated_with_peer ? ', alternating with the bayes runs' : ''}, ${fmtTime(uni.train_seconds.min)}–${fmtTime(uni.train_seconds.max)}): ${fmtX(bp.train_seconds.median / uni.train_seconds.median)} faster than bayes, accuracy ${fmtPct(uni.accuracy)}. The rows with Sentio's bigram model (the config above: more features, more accurate, slower to train) are shown as context.`,
    });
  }
  if (why.length > 0) L.push('');
  for (const e of why) L.push(`- ${e.package}: ${e.why_subsample}`);
  L.push('');
  L.push('### Caveats');
  L.push('');
  L.push(
    `- The machine is shared (${m.logical_cpus} cores; 1-minute load average ${loadRange(res.load_timeline)} during this run), so absolute times are noisy; the ratios compare contenders measured minutes apart in the same run. Re-run \`npm run bench:engine\` to reproduce.`,
  );
  L.push(
    `- The native engine is built with data parallelism (rayon); scikit-learn's fit and predict_proba are single-threaded. Process CPU time ÷ wall time in this run (about 2 would mean both cores busy): training ${cpuPerWall(se.train)}, predictBatch ${cpuPerWall(se.batch)}, predictBatchAsync ${cpuPerWall(se.batch_async)}. Single-text latency is single-threaded on both sides.`,
  );
  L.push(
    "- Sentio's latency includes the N-API boundary (JS string in, typed-array result out) and the engine API's argument checks; scikit-learn's includes the Python call overhead of a Pipeline.",
  );
  return `${L.join('\n')}\n`;
}

const BEGIN = '<!-- engine-bench:begin (generated by bench/engine/run.mjs) -->';
const END = '<!-- engine-bench:end -->';

/** Put the engine section into RESULTS.md, keeping anything else in the file. */
export function writeResultsMd(file, section) {
  writeResultsSection(file, BEGIN, END, section);
}

export function writeOutputs(res, { resultsDir, resultsMd }) {
  const rows = computeRatios(res);
  res.ratios = rows.map(({ chart, ...r }) => r);
  const jsonFile = writeResultsJson(resultsDir, 'engine', res);
  const svgFile = path.join(resultsDir, 'engine-ratios.svg');
  const chartRows = rows.filter((r) => r.chart).map((r) => ({ ...r.chart, met: r.met }));
  fs.writeFileSync(
    svgFile,
    ratiosSvg(chartRows, {
      title: `Sentio engine vs peers (${res.profile} profile, ${res.started_at.slice(0, 10)})`,
      subtitle: `${res.machine.cpu_model}, ${res.machine.logical_cpus} cores, shared; bar = ratio of medians, whisker = spread, dashed tick = target`,
    }),
  );
  const svgRel = path.relative(path.dirname(resultsMd), svgFile).split(path.sep).join('/');
  const section = markdown(res, rows, { svgRel });
  writeResultsMd(resultsMd, section);
  return { rows, jsonFile, svgFile, resultsMd };
}
