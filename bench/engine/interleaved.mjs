// Training time and single-text latency, Sentio and scikit-learn measured
// alternately: a Sentio repeat, then a scikit-learn one (the order swapped
// every round), so both sides sample the same stretch of machine time. This
// machine is a shared VM whose speed drifts by tens of percent over minutes;
// measured one after the other, Sentio's half-second trainings and 50 ms of
// single calls landed in whatever minute they fell in, while scikit-learn's
// 50 s of fits averaged over many, and the ratios moved with the drift (two
// runs of the same code: training 20.8x and 15.2x; the single-text ratio has
// ranged from 156x to 222x with no change to scoring).
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { collectGarbage, summarize } from '../lib/stats.mjs';
import { alternateBlocks, latencySummary } from './alternate.mjs';
import { REPO_ROOT } from './config.mjs';
import { pythonBin } from './peer-sklearn.mjs';
import { measureBatch, measureSingle, mergeBatches } from './sentio.mjs';

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
      [
        path.join(REPO_ROOT, 'bench', 'peers', 'sklearn_bench.py'),
        '--serve',
        '--train',
        trainFile,
        '--test',
        testFile,
        '--config',
        JSON.stringify(config),
      ],
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
 * `rounds` trainings on each side, alternating, then `singleCalls` single
 * calls on each side in blocks of `block` test texts (the same texts on both
 * sides, in file order), alternating, after 20 warm-up calls each, then
 * `batchRounds` batches over the whole test set on each side (Sentio's
 * predictBatch and predictBatchAsync), alternating. Returns the last Sentio
 * model and both sides' figures in the shapes the report reads.
 */
export async function measureInterleaved({
  engine,
  config,
  train,
  test,
  files,
  rounds,
  singleCalls,
  batchRounds,
  block = 100,
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

    // Single texts: alternating blocks over the same texts, each block after
    // 20 warm-up calls on the last 20 test texts (not measured), so that a
    // side's block does not start with the caches the other side just used.
    const texts = test.texts;
    const warm = Math.max(0, texts.length - 20);
    const [sentioLat, sklearnLat] = await alternateBlocks(
      [
        (start, count) => {
          measureSingle(model, texts, 20, { start: warm, warmup: 0, gc: false });
          return measureSingle(model, texts, count, { start, warmup: 0, samples: true, gc: false })
            .samples;
        },
        async (start, count) => {
          await sk.request({ op: 'single', start: warm, count: 20 });
          return (await sk.request({ op: 'single', start, count })).seconds;
        },
      ],
      singleCalls,
      block,
    );
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
      block,
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
        single: {
          ...latencySummary(sentioLat, {
            tool: `tinybench (runSync, hrtime timestamps, one sample per call), in blocks of ${block} calls alternating with scikit-learn's`,
            warmup: 20,
          }),
          distinct_texts: Math.min(singleCalls, texts.length),
        },
      },
      sklearn: {
        fit_seconds: summarize(sklearn.seconds),
        fit_cpu_seconds: summarize(sklearn.cpu),
        single: latencySummary(sklearnLat, {
          tool: 'time.perf_counter around each predict_proba([text])',
          warmup: 20,
        }),
      },
    };
  } finally {
    sk.close();
  }
}
