// Fresh process for Sentio's peak memory while training: load the engine,
// read the train CSV, train once (engine.train, native), report maxRSS at each
// step over IPC (and /proc/self/status VmHWM as a cross-check). Usage: node sentio-train-child.mjs TRAIN_CSV CONFIG_JSON
import { loadEngine } from '../../dist/engine/index.js';
import { readTextLabelCsv } from '../lib/csv.mjs';
import { vmHwmBytes } from '../lib/machine.mjs';
import { secondsSince } from '../lib/stats.mjs';

const [file, configJson] = process.argv.slice(2);
const KIB = 1024; // process.resourceUsage().maxRSS is in KiB
const maxRss = () => process.resourceUsage().maxRSS * KIB;
const t0 = process.hrtime.bigint();
const rssAtStart = maxRss();
const hwmAtStart = vmHwmBytes();
const engine = await loadEngine({ backend: 'native' });
const rssAfterEngineLoad = maxRss();
const { texts, labels } = readTextLabelCsv(file);
const rssAfterCsv = maxRss();
const hwmAfterCsv = vmHwmBytes();
// Drop the CSV parser's garbage (the file buffer) before training, when node
// runs with --expose-gc (run.mjs starts this child so): the engine is then
// measured on top of the data that training needs, not on parser leftovers.
// maxRSS keeps the high-water mark of loading either way. V8 frees a dead
// ArrayBuffer's memory (the 33 MB file buffer) in a task after the
// collection, so the child yields to the event loop and collects again.
const gcAfterLoad = typeof globalThis.gc === 'function';
if (gcAfterLoad) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  globalThis.gc();
}
const currentRssBeforeTrain = process.memoryUsage().rss;
const t1 = process.hrtime.bigint();
const model = await engine.train(JSON.parse(configJson), texts, labels);
const trainSeconds = secondsSince(t1);
const rssAfterTrain = maxRss();
const hwmAfterTrain = vmHwmBytes();
process.send(
  {
    backend: engine.backend,
    n_train: texts.length,
    n_features: model.nFeatures,
    peak_rss_bytes_at_start: rssAtStart,
    peak_rss_bytes_after_engine_load: rssAfterEngineLoad,
    peak_rss_bytes_after_load: rssAfterCsv,
    gc_after_load: gcAfterLoad,
    current_rss_bytes_before_train: currentRssBeforeTrain,
    peak_rss_bytes_after_train: rssAfterTrain,
    vmhwm_bytes_at_start: hwmAtStart,
    vmhwm_bytes_after_load: hwmAfterCsv,
    vmhwm_bytes_after_train: hwmAfterTrain,
    train_seconds: trainSeconds,
    process_seconds: secondsSince(t0),
  },
  () => process.exit(0),
);
