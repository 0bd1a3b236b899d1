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
import { summarize } from '../lib/stats.mjs';
import { pythonBin, sklearnBenchArgs } from './peer-sklearn.mjs';
import { measureBatch, mergeBatches, trainOnce } from './sentio.mjs';

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

/**
 * `rounds` rounds of one call of each side of `sides` (name → async
 * function), in the given order on even rounds and reversed on odd ones, so
 * that no side always runs first. `afterRound(r, results)` is called after
 * each round. Returns every side's results in round order.
 */
export async function alternately(rounds, sides, afterRound) {
  const names = Object.keys(sides);
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      results[name].push(await sides[name]());
    }
    afterRound?.(r, results);
  }
  return results;
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
    let model = null;
    const trainings = await alternately(
      rounds,
      {
        sentio: async () => {
          model?.dispose();
          model = null;
          const run = await trainOnce(engine, config, train);
          model = run.model;
          return { seconds: run.seconds, cpu_seconds: run.cpuSeconds };
        },
        sklearn: () => sk.request({ op: 'fit' }),
      },
      (r, { sentio, sklearn }) =>
        log?.(
          `round ${r + 1}/${rounds}: Sentio ${(sentio.at(-1).seconds * 1e3).toFixed(0)} ms, scikit-learn ${sklearn.at(-1).seconds.toFixed(2)} s`,
        ),
    );

    // Batches: one repeat of each side at a time, the order reversed every round.
    const runs = await alternately(batchRounds, {
      sync: () => measureBatch(model, test, 1),
      async: () => measureBatch(model, test, 1, { async: true }),
      sklearn: () => sk.request({ op: 'batch' }),
    });
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
        train_seconds: summarize(trainings.sentio.map((t) => t.seconds)),
        train_cpu_seconds: summarize(trainings.sentio.map((t) => t.cpu_seconds)),
      },
      sklearn: {
        fit_seconds: summarize(trainings.sklearn.map((t) => t.seconds)),
        fit_cpu_seconds: summarize(trainings.sklearn.map((t) => t.cpu_seconds)),
      },
    };
  } finally {
    sk.close();
  }
}
