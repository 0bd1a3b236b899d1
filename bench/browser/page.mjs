// The bench page: loads the WASM package and the model the bench trained in
// Node, and exposes the shared measurement loops to the driver (run.mjs) as
// window.bench. Served by bench/browser/server.mjs.

import * as measure from '/measure.mjs';
import init, { engineVersion, Model } from '/pkg/sentio_wasm.js';

const now = () => performance.now();
const status = document.getElementById('status');

async function setUp() {
  const t0 = now();
  await init({ module_or_path: '/pkg/sentio_wasm_bg.wasm' });
  const instantiateMs = now() - t0;
  const [bytes, texts] = await Promise.all([
    fetch('/data/model.bin').then((r) => r.arrayBuffer()),
    fetch('/data/texts.json').then((r) => r.json()),
  ]);
  const modelBytes = new Uint8Array(bytes);
  const t1 = now();
  const model = Model.fromBytes(modelBytes);
  const loadMs = now() - t1;
  const loadsMs = [];
  for (let i = 0; i < 5; i++) {
    const a = now();
    Model.fromBytes(modelBytes).free();
    loadsMs.push(now() - a);
  }
  return { model, texts, modelBytes: modelBytes.length, instantiateMs, loadMs, loadsMs };
}

const ready = setUp();

window.bench = {
  async info() {
    const s = await ready;
    return {
      user_agent: navigator.userAgent,
      cross_origin_isolated: globalThis.crossOriginIsolated === true,
      hardware_concurrency: navigator.hardwareConcurrency,
      timer_resolution_ms: measure.timerResolution(now),
      engine_version: engineVersion(),
      n_texts: s.texts.length,
      model_bytes: s.modelBytes,
      n_features: s.model.nFeatures,
      classes: s.model.classes,
      instantiate_ms: s.instantiateMs,
      first_load_ms: s.loadMs,
      loads_ms: s.loadsMs,
    };
  },
  async warmUp(start, calls, nBatch, batches) {
    const s = await ready;
    measure.warmUp(s.model, s.texts, start, calls, s.texts.slice(0, nBatch), batches);
  },
  async single(start, count) {
    const s = await ready;
    return measure.single(s.model, s.texts, start, count, now);
  },
  async blocks(start, count, blockSize) {
    const s = await ready;
    return measure.blocks(s.model, s.texts, start, count, blockSize, now);
  },
  async batch(nBatch) {
    const s = await ready;
    return measure.batch(s.model, s.texts.slice(0, nBatch), now);
  },
  async predictions(indices) {
    const s = await ready;
    return measure.predictions(s.model, s.texts, indices);
  },
  async batchPredictions(nBatch) {
    const s = await ready;
    return measure.batchPredictions(s.model, s.texts.slice(0, nBatch));
  },
};

ready.then(
  () => {
    status.textContent = 'ready';
    document.body.dataset.ready = 'true';
  },
  (err) => {
    status.textContent = `failed: ${err?.message ?? err}`;
    document.body.dataset.error = String(err?.stack ?? err);
  },
);
