// One point of the scale benchmark in a fresh node process, so that its peak
// RSS (maxRSS / VmHWM) is this point's alone: load the engine, read the imdb
// train CSV, then stream the corpus (the reviews repeated `times` times,
// shuffled with a seeded PRNG) through the engine's streaming Trainer in
// chunks — `observeAsync` over every chunk then `learnAsync` over every chunk
// again (two passes), or `learnAsync` only (single pass) — and `finishAsync`.
// Progress and the result go to the parent over IPC (the parent watches this
// process's RSS and stops it at its memory limit).
//
//   node --expose-gc train-child.mjs SPEC_JSON
//   SPEC: { trainCsv, times, seed, config, twoPass, chunkSize }
import { loadEngine } from '../../dist/engine/index.js';
import { readTextLabelCsv } from '../lib/csv.mjs';
import { vmHwmBytes } from '../lib/machine.mjs';
import { secondsSince } from '../lib/stats.mjs';
import { chunks, corpusOrder } from './corpus.mjs';

const spec = JSON.parse(process.argv[2]);
const KIB = 1024;
const maxRss = () => process.resourceUsage().maxRSS * KIB;
const send = (m) => new Promise((resolve) => process.send(m, resolve));
const cpuSeconds = (c) => (c.user + c.system) / 1e6;

const t0 = process.hrtime.bigint();
const engine = await loadEngine({ backend: 'native' });
if (engine.backend !== 'native') throw new Error('the native engine did not load');
const set = readTextLabelCsv(spec.trainCsv);
let textBytes = 0;
for (const t of set.texts) textBytes += Buffer.byteLength(t, 'utf8');
const order = corpusOrder(set.texts.length, spec.times, spec.seed);
// Drop the CSV reader's garbage (the file buffer) so training is measured on
// top of the data it needs; maxRSS keeps the high-water mark of loading.
if (typeof globalThis.gc === 'function') globalThis.gc();
const before = {
  rss_bytes: process.memoryUsage().rss,
  maxrss_bytes: maxRss(),
  vmhwm_bytes: vmHwmBytes(),
  setup_seconds: secondsSince(t0),
};

const trainer = engine.createTrainer(spec.config);
const phases = {};
const cpu0 = process.cpuUsage();
const tTrain = process.hrtime.bigint();
let docs = 0;
const progressEvery = Math.max(1, Math.round(20_000 / spec.chunkSize));
async function pass(name, step) {
  const t = process.hrtime.bigint();
  let k = 0;
  docs = 0;
  await send({ type: 'progress', phase: name, docs });
  for (const c of chunks(set, order, spec.chunkSize)) {
    await step(c);
    docs += c.texts.length;
    if (++k % progressEvery === 0) await send({ type: 'progress', phase: name, docs });
  }
  phases[name] = { seconds: secondsSince(t), vmhwm_bytes_after: vmHwmBytes() };
  await send({ type: 'progress', phase: name, docs, done: true });
}
if (spec.twoPass) await pass('observe', (c) => trainer.observeAsync(c.texts));
await pass('learn', (c) => trainer.learnAsync(c.texts, c.labels));
const tFinish = process.hrtime.bigint();
await send({ type: 'progress', phase: 'finish', docs });
const model = await trainer.finishAsync();
phases.finish = { seconds: secondsSince(tFinish), vmhwm_bytes_after: vmHwmBytes() };
const trainSeconds = secondsSince(tTrain);
const cpu = process.cpuUsage(cpu0);
const after = { maxrss_bytes: maxRss(), vmhwm_bytes: vmHwmBytes() };
const facts = model.facts;
const modelBytes = model.toBytes().length;
model.dispose();

await send({
  type: 'result',
  n_reviews: set.texts.length,
  review_text_bytes: textBytes,
  docs: order.length,
  text_bytes: textBytes * spec.times,
  learned_documents: facts.n_documents,
  train_seconds: trainSeconds,
  cpu_seconds: cpuSeconds(cpu),
  phases,
  before_training: before,
  peak_rss_bytes: after.vmhwm_bytes ?? after.maxrss_bytes,
  maxrss_bytes: after.maxrss_bytes,
  vmhwm_bytes: after.vmhwm_bytes,
  n_features: model.nFeatures,
  n_candidate_features: facts.n_candidate_features,
  n_tokens: facts.n_tokens,
  model_bytes: modelBytes,
  process_seconds: secondsSince(t0),
});
process.exit(0);
