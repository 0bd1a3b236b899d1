// Training time and batch throughput, Sentio and scikit-learn measured
// alternately: a Sentio repeat, then a scikit-learn one (the order swapped
// every round), so both sides sample the same stretch of machine time. This
// machine is a shared VM whose speed drifts by tens of percent over minutes;
// measured one after the other, Sentio's half-second trainings landed in
// whatever minute they fell in while scikit-learn's 50 s of fits averaged over
// many, and the ratios moved with the drift (two runs of the same code:
// training 20.8x and 15.2x). Single-text latency is not alternated: blocks of
// calls between the other process's blocks measured Sentio's calls about a
// quarter slower than back to back (23.3 against 18.3 us in one process a
// minute apart), its model tables no longer cached; each side's calls run
// back to back, as a scoring loop would.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { collectGarbage, summarize } from '../lib/stats.mjs';
import { pythonBin, sklearnBenchArgs } from './peer-sklearn.mjs';
import { measureBatch, mergeBatches } from './sentio.mjs';

/** sklearn_bench.py --serve: one JSON request per line, one JSON reply per line. */
class SklearnServer {
  #child;
  #lines;

  constructor(child) {
    this.#child = child;
    this.#lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start({ trainFile, testFile, config }) {
    const child = spawn(
      pythonBin(),
      [...sklearnBenchArgs({ trainFile, testFile, config }), '--serve'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const server = new SklearnServer(child);
    const ready = await server.#next();
    if (ready.ready !== true) throw new Error(`sklearn_bench.py --serve: ${JSON.stringify(ready)}`);
    return server;
  }

  async #next() {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('sklearn_bench.py --serve exited early');
    const reply = JSON.parse(value);
    if (reply.error) throw new Error(`sklearn_bench.py --serve: ${reply.error}`);
    return reply;
  }

  request(req) {
    this.#child.stdin.write(`${JSON.stringify(req)}\n`);
    return this.#next();
  }

  close() {
    this.#child.stdin.end();
  }
}

/** One Sentio training (engine.train): [model, wall seconds, process CPU seconds]. */
async function sentioTrain(engine, config, train) {
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const model = await engine.train(config, train.texts, train.labels);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return [model, seconds, (cpu.user + cpu.system) / 1e6];
}

/**
 * `rounds` trainings on each side, alternating, then `batchRounds` batches
 * over the whole test set on each side (Sentio's predictBatch and
 * predictBatchAsync), alternating. Returns the last Sentio model and both
 * sides' figures in the shapes the report reads.
 */
export async function measureInterleaved({
  engine,
  config,
  train,
  test,
  files,
  rounds,
  batchRounds,
  log,
}) {
  const sk = await SklearnServer.start({
    trainFile: files.train,
    testFile: files.test,
    config,
  });
  try {
    const sentio = { seconds: [], cpu: [] };
    const sklearn = { seconds: [], cpu: [] };
    let model = null;
    for (let r = 0; r < rounds; r++) {
      const sides = r % 2 === 0 ? ['sentio', 'sklearn'] : ['sklearn', 'sentio'];
      for (const side of sides) {
        if (side === 'sklearn') {
          const fit = await sk.request({ op: 'fit' });
          sklearn.seconds.push(fit.seconds);
          sklearn.cpu.push(fit.cpu_seconds);
        } else {
          model?.dispose();
          model = null;
          const [m, s, cpu] = await sentioTrain(engine, config, train);
          model = m;
          sentio.seconds.push(s);
          sentio.cpu.push(cpu);
        }
      }
      log?.(
        `round ${r + 1}/${rounds}: Sentio ${(sentio.seconds.at(-1) * 1e3).toFixed(0)} ms, scikit-learn ${sklearn.seconds.at(-1).toFixed(2)} s`,
      );
    }

    // Batches: one repeat of each side at a time, the order swapped every round.
    const runs = { sync: [], async: [], sklearn: [] };
    for (let r = 0; r < batchRounds; r++) {
      const order = ['sync', 'async', 'sklearn'];
      if (r % 2 === 1) order.reverse();
      for (const side of order) {
        if (side === 'sklearn') runs.sklearn.push(await sk.request({ op: 'batch' }));
        else runs[side].push(await measureBatch(model, test, 1, { async: side === 'async' }));
      }
    }
    const skBatch = summarize(runs.sklearn.map((b) => b.seconds));
    return {
      model,
      rounds,
      batchRounds,
      batch: mergeBatches(runs.sync),
      batchAsync: mergeBatches(runs.async),
      sklearnBatch: {
        n_docs: test.texts.length,
        seconds: skBatch,
        cpu_seconds: summarize(runs.sklearn.map((b) => b.cpu_seconds)),
        docs_per_second_median: test.texts.length / skBatch.median,
        docs_per_second_best: test.texts.length / skBatch.min,
      },
      sentio: {
        train_seconds: summarize(sentio.seconds),
        train_cpu_seconds: summarize(sentio.cpu),
      },
      sklearn: {
        fit_seconds: summarize(sklearn.seconds),
        fit_cpu_seconds: summarize(sklearn.cpu),
      },
    };
  } finally {
    sk.close();
  }
}
