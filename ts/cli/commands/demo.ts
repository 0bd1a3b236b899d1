/**
 * `sentio demo`: the README's main command. Trains the built-in sample data
 * through the same pipeline as `sentio train` (split, fit, evaluate,
 * artifacts, run tracking), registers the result as model `demo` in the
 * store, then loads the registered version back and shows predictions with
 * the words that drove them. Unless `--no-serve` (or `--json`), it then
 * points the `production` alias at that version and serves it with
 * `sentio serve` until Ctrl-C, printing the address, the playground's
 * address (the web app at `/`) and a sample `curl`.
 * @module
 */
import type { Command } from 'commander';
import { openRegistry } from '../../registry/index.js';
import { exampleCurl, startServer } from '../../serve/index.js';
import {
  DEMO_TEXTS,
  engineOrFail,
  inlineDataset,
  loadVersionModel,
  parseSweep,
  resolveTrainOptions,
  sampleDataset,
  trainAndRegister,
} from '../../train/index.js';
import { bar, color, num, printJson } from '../output.js';
import { progress } from '../progress.js';
import { resolveStoreDir } from '../store.js';
import { evaluationBlock } from './report-view.js';

interface DemoOptions {
  json?: boolean;
  seed: string;
  store?: string;
  /** False with --no-serve. */
  serve: boolean;
  port: string;
}

export const DEMO_MODEL = 'demo';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'train the built-in sample data, evaluate it, register it as model "demo" and show predictions',
    )
    .option('--seed <n>', 'seed of the train/test split', '42')
    .option(
      '--store <location>',
      'model store: directory or postgres:// URL (default: $SENTIO_STORE, else $SENTIO_HOME, else ./models)',
    )
    .option('--json', 'print one JSON object instead of tables (does not serve)')
    .option('--no-serve', 'stop after training instead of serving the model')
    .option('--port <n>', 'port to serve on (a free one is used if it is taken)', '8080')
    .action(async (opts: DemoOptions) => {
      await runDemo(opts);
    });
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const engine = await engineOrFail();
  const options = resolveTrainOptions(
    {
      data: 'builtin:sample',
      model: DEMO_MODEL,
      seed: opts.seed,
      description:
        'Sentio demo: sentiment of short customer-feedback texts (built-in sample data).',
    },
    {},
    parseSweep,
  );
  const store = resolveStoreDir({ store: opts.store });
  const log = opts.json ? () => {} : (line: string) => process.stderr.write(`${color.dim(line)}\n`);
  const result = await trainAndRegister({
    options,
    store,
    inline: { train: inlineDataset('builtin:sample', sampleDataset()) },
    engine,
    progress,
    log,
  });
  const run = result.best;
  const res = run.result;
  const reg = run.registered;
  if (!res || !reg) throw new Error('demo: training produced no registered version');

  // Score the demo texts with the version as stored, not the in-memory model.
  const registry = await openRegistry(store, { readonly: true });
  let examples: Array<{
    text: string;
    label: string;
    probabilities: Record<string, number>;
    top_features: string[];
  }>;
  try {
    const { model } = await loadVersionModel(registry, `${DEMO_MODEL}@${reg.version}`, engine);
    examples = DEMO_TEXTS.map((text) => {
      const ex = model.explain(text, 3);
      return {
        text,
        label: ex.label,
        probabilities: Object.fromEntries(
          model.classes.map((c, i) => [c, ex.probabilities[i] ?? 0]),
        ),
        top_features: ex.contributions.map((c) => c.feature),
      };
    });
    model.dispose();
  } finally {
    await registry.close();
  }

  if (opts.json) {
    printJson({
      backend: engine.backend,
      model: DEMO_MODEL,
      version: reg.version,
      created: reg.created,
      run_id: run.runId,
      store: result.store,
      artifacts: reg.artifacts,
      train_size: res.metrics.n_train,
      test_size: res.metrics.n_eval,
      train_ms: res.timings.fitMs,
      n_features: res.nFeatures,
      metrics: {
        accuracy: res.report.accuracy,
        per_class: res.report.per_class,
        log_loss: res.report.log_loss,
      },
      confusion_matrix: res.report.confusion_matrix,
      predictions: examples,
    });
    return;
  }
  const out = process.stdout;
  out.write(`${color.bold('Sentio demo')} · engine: ${engine.backend} ${engine.version}\n\n`);
  out.write(
    `Trained on ${res.metrics.n_train} built-in sample texts (${res.nFeatures} features) in ` +
      `${res.timings.fitMs.toFixed(1)} ms; evaluated on ${res.metrics.n_eval} held-out texts.\n\n`,
  );
  out.write(evaluationBlock(res.report));
  out.write('\n');
  out.write(
    reg.created
      ? `${color.green('Registered')} ${color.bold(`${DEMO_MODEL}@${reg.version}`)} in ${result.store} · run ${run.runId}\n`
      : `${color.yellow('Unchanged')}: identical to existing version ${color.bold(`${DEMO_MODEL}@${reg.version}`)} in ${result.store}; no new version · run ${run.runId}\n`,
  );
  out.write(
    `${color.dim(`artifacts: ${Object.keys(reg.artifacts).join(', ')} · try: sentio models show ${DEMO_MODEL} --store ${result.store}`)}\n\n`,
  );
  for (const ex of examples) {
    out.write(
      `${color.cyan(`“${ex.text}”`)}\n  → ${color.bold(ex.label)}   because of: ${ex.top_features.join(', ')}\n`,
    );
    for (const [cls, p] of Object.entries(ex.probabilities)) {
      out.write(`    ${cls.padEnd(9)} ${bar(p)} ${num(p, 3)}\n`);
    }
  }
  if (opts.serve) await serveDemo(result.store, reg.version, Number(opts.port), out);
}

/** Deploy the demo version as `production` and serve it until Ctrl-C. */
async function serveDemo(
  store: string,
  version: number,
  port: number,
  out: NodeJS.WritableStream,
): Promise<void> {
  const writer = await openRegistry(store);
  try {
    // An environment move like `sentio deploy` (the demo declares no gates).
    await writer.moveEnvironment(DEMO_MODEL, 'production', version, {
      reason: 'sentio demo',
      details: { action: 'deploy', forced: false, gates: [] },
    });
  } finally {
    await writer.close();
  }
  const server = await startServer({
    store,
    models: [`${DEMO_MODEL}@production`],
    port,
    portFallback: true,
    handleSignals: true,
    log: { level: 'warn' },
  });
  out.write(
    `\n${color.green('Serving')} ${color.bold(`${DEMO_MODEL}@production`)} (v${version}) on ${server.url} · docs ${server.url}/docs\n`,
  );
  out.write(
    `${color.green('Playground')} (predicts in your browser, offline after the first visit) and dashboard: ${color.bold(`${server.url}/`)}\n`,
  );
  out.write(`try: ${exampleCurl(server.url, DEMO_MODEL)}\n${color.dim('(Ctrl-C to stop)')}\n`);
  await server.closed;
}
