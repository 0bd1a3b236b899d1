// The prediction log's writers without the HTTP layer, run in its own
// process (bench/lib/child.mjs): a PredictionLogger on one backend (a SQLite
// store directory or a postgres:// URL) is handed blocks of predictions as
// the server's logging thread is (PredictionBlock: typed columns, texts as
// UTF-8 bytes, 512 per block, one model version, text hashed) as fast as it
// writes them, in batches of 1000 per transaction, no drift accounting.
// Reports rows/s, and this thread's CPU per row (Linux /proc); the caller
// accounts the database server's CPU.
//   node log-writers.mjs '{"location","rows","repeats","text"}'
import fs from 'node:fs';
import { openMonitorStore, PredictionLogger } from '../../dist/monitor/index.js';
import { predictionBlock } from '../../dist/monitor/test-support/blocks.js';

const cfg = JSON.parse(process.argv[2]);
const BLOCK = 512;
const POOL = 16;

/** CPU seconds of this thread so far. */
function threadCpu() {
  const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) / 100;
}

/** A block of the bench text with slightly different probabilities per row (ids and times set per use). */
function block(seed) {
  const probabilities = new Float64Array(2 * BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const p = 0.5 + ((seed * BLOCK + i) % 500) / 1000;
    probabilities[2 * i] = 1 - p;
    probabilities[2 * i + 1] = p;
  }
  return predictionBlock(new Array(BLOCK).fill(cfg.text), {
    model: 'imdb',
    labels: new Uint16Array(BLOCK).fill(1),
    probabilities,
    latencyMs: new Float64Array(BLOCK).fill(0.25),
  });
}

const pool = Array.from({ length: POOL }, (_, i) => block(i));
const backend = await openMonitorStore(cfg.location, { writer: 'log-writers-bench' });
const runs = [];
let next = 0;
try {
  for (let r = 0; r < cfg.repeats; r++) {
    const logger = new PredictionLogger(backend, {
      capacity: 16 * BLOCK,
      batchSize: 1000,
      flushIntervalMs: 200,
    });
    const blocks = Math.ceil(cfg.rows / BLOCK);
    const cpu0 = threadCpu();
    const t0 = performance.now();
    for (let b = 0; b < blocks; b++) {
      const ids = new Array(BLOCK);
      const at = new Float64Array(BLOCK);
      const now = Date.now();
      for (let i = 0; i < BLOCK; i++) {
        ids[i] = `pbench${process.pid}-${(next++).toString(36)}`;
        at[i] = now;
      }
      logger.logBlock({ ...pool[b % POOL], ids, at });
      // Keep the queue within its capacity: wait for the writes, as the server's thread would.
      if (logger.counters().queueDepth >= 8 * BLOCK) await logger.flush();
    }
    await logger.close({ closeBackend: false });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = threadCpu() - cpu0;
    const c = logger.counters();
    runs.push({
      rows: c.flushed,
      dropped: c.dropped,
      failed: c.failed,
      batches: c.batches,
      seconds,
      rows_per_s: c.flushed / seconds,
      cpu_s: cpu,
      cpu_us_per_row: (cpu * 1e6) / c.flushed,
    });
  }
} finally {
  await backend.close();
}
process.send({ backend: backend.kind, runs });
process.exit(0);
