/**
 * `sentio train`: labelled data in, an evaluated, versioned, registered
 * model out. Flags (or `--config FILE`) → ts/train's trainAndRegister →
 * classification report, confusion matrix and the registered version; or
 * one JSON object with `--json`.
 * @module
 */
import type { Command } from 'commander';
import {
  loadConfigFile,
  parseSweep,
  RANKING_METRICS,
  type RawOptions,
  type RunOutcome,
  resolveTrainOptions,
  type TrainResult,
  trainAndRegister,
} from '../../train/index.js';
import { color, num, printJson, table } from '../output.js';
import { progress } from '../progress.js';
import { resolveStoreDir } from '../store.js';
import { evaluationBlock, short } from './report-view.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on labelled data, evaluate it and register it as a new version')
    .option('--data <file>', 'labelled training data (.csv, .tsv, .jsonl, optionally .gz)')
    .option(
      '--test <file>',
      'evaluate on this file and train on all of --data (default: split --data)',
    )
    .option('--model <name>', 'registered model name')
    .option(
      '--store <location>',
      'model store: directory or postgres:// URL (default: $SENTIO_STORE, else $SENTIO_HOME, else ./models)',
    )
    .option('--config <file>', 'read options from a .yaml/.yml/.json file (flags override it)')
    .option('--text-column <name>', 'column holding the text (default: text)')
    .option('--label-column <name>', 'column holding the label (default: label)')
    .option('--test-fraction <x>', 'share held out for evaluation without --test (default: 0.2)')
    .option('--ngram <min-max>', 'word n-gram range (default: 1-2)')
    .option('--min-df <n>', 'minimum document frequency: count, or proportion < 1 (default: 2)')
    .option('--max-df <x>', 'maximum document frequency: proportion <= 1, or count')
    .option('--max-features <n>', 'keep the N most frequent features')
    .option('--sublinear-tf', 'use 1 + log(tf) (default: on)')
    .option('--no-sublinear-tf', 'use raw term frequencies')
    .option('--norm <norm>', 'row normalisation: l2, l1 or none (default: l2)')
    .option('--alpha <a>', 'Naive Bayes smoothing (default: 1)')
    .option('--nb <kind>', 'Naive Bayes variant: multinomial or complement (default: multinomial)')
    .option(
      '--hashing <bits>',
      'hash features into 2^BITS buckets (e.g. 20 or 2^20) instead of a vocabulary',
    )
    .option('--seed <n>', 'seed of the split, the folds and the profile sample (default: 42)')
    .option('--kfold <k>', 'also run k-fold cross-validation on the training part (mean ± std)')
    .option(
      '--sweep <key=v1,v2>',
      'sweep an option over values (repeatable: the grid is every combination)',
      collect,
    )
    .option(
      '--metric <name>',
      `metric that picks the best sweep run: ${RANKING_METRICS.join(', ')} (default: accuracy)`,
    )
    .option('--register <mode>', 'with --sweep: register the best run only, or all (default: best)')
    .option('--experiment <name>', 'experiment the runs belong to (default: the model name)')
    .option('--description <text>', 'description stored with the version')
    .option('--tag <key=value>', 'tag the runs and the version (repeatable)', collect)
    .option('--json', 'print one JSON object instead of tables')
    .addHelpText(
      'after',
      `
Examples:
  sentio train --data reviews.csv --model reviews
  sentio train --data train.csv --test test.csv --model imdb --ngram 1-2 --min-df 2 --sublinear-tf --alpha 1
  sentio train --data reviews.csv --model reviews --sweep alpha=0.1,0.5,1 --sweep ngram=1-1,1-2
  sentio train --config sentio.yaml`,
    )
    .action(async (opts: RawOptions & { store?: string; config?: string; json?: boolean }) => {
      await runTrain(opts);
    });
}

async function runTrain(opts: RawOptions & { store?: string; config?: string; json?: boolean }) {
  const file = opts.config ? await loadConfigFile(opts.config) : {};
  const { store, config: _config, json, ...cli } = opts;
  const options = resolveTrainOptions(cli, file, parseSweep);
  const storeDir = resolveStoreDir({ store });
  const log = json ? () => {} : (line: string) => process.stderr.write(`${color.dim(line)}\n`);
  // First Ctrl-C: stop at the next chunk and record the run as failed; a second one kills.
  const interrupt = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(
      `\n${color.yellow(`${sig}: stopping after the current step (again to kill)`)}\n`,
    );
    interrupt.abort(sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: TrainResult;
  try {
    result = await trainAndRegister({
      options,
      store: storeDir,
      progress,
      log,
      signal: interrupt.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (json) printJson(trainJson(result));
  else printHuman(result);
}

/** The `--json` object: the registered (best) run, plus the sweep when there is one. */
export function trainJson(r: TrainResult): Record<string, unknown> {
  const b = r.best;
  const res = b.result;
  const reg = b.registered;
  return {
    model: r.model,
    version: reg?.version ?? null,
    created: reg?.created ?? null,
    created_at: reg?.createdAt ?? null,
    run_id: b.runId,
    experiment: r.experiment,
    store: r.store,
    metrics: {
      ...b.metrics,
      per_class: res?.report.per_class ?? [],
      macro_avg: res?.report.macro_avg ?? null,
      weighted_avg: res?.report.weighted_avg ?? null,
      n: res?.report.n ?? 0,
    },
    labels: res?.report.labels ?? [],
    confusion_matrix: res?.report.confusion_matrix ?? [],
    artifacts: reg?.artifacts ?? {},
    model_sha256: reg?.modelSha256 ?? null,
    classes: res?.classes ?? [],
    n_features: res?.nFeatures ?? null,
    params: b.params,
    config: (res?.config as { engine_config?: unknown } | undefined)?.engine_config ?? null,
    cross_validation: res?.cv ?? null,
    data: r.data,
    engine: r.engine,
    timings: { load_ms: r.timings.loadMs, total_ms: r.timings.totalMs, ...(res?.timings ?? {}) },
    sweep:
      r.runs.length > 1
        ? {
            metric: r.rankMetric,
            runs: r.runs.map((x) => ({
              run_id: x.runId,
              params: x.label,
              status: x.status,
              error: x.error,
              metrics: x.metrics,
              version: x.registered?.version ?? null,
              created: x.registered?.created ?? null,
              best: x === b,
            })),
          }
        : null,
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function sweepTable(r: TrainResult): string {
  const metrics = [...new Set([r.rankMetric, 'accuracy', 'macro_f1', 'log_loss'])];
  const rows = r.runs.map((x: RunOutcome) => [
    x === r.best ? color.green('★') : ' ',
    x.label,
    ...metrics.map((m) => (x.status === 'failed' ? color.red('failed') : num(x.metrics[m], 4))),
    short(x.runId),
    x.registered ? `${r.model}@${x.registered.version}` : '',
  ]);
  return table(['', 'params', ...metrics, 'run', 'version'], rows, [
    'left',
    'left',
    ...metrics.map(() => 'right' as const),
    'left',
    'left',
  ]);
}

function printHuman(r: TrainResult): void {
  const out = process.stdout;
  const b = r.best;
  const res = b.result;
  if (!res) return;
  const evalSet = r.data.test
    ? `${r.data.test.path} (${res.report.n} rows)`
    : `a held-out ${res.report.n}-row split of ${r.data.train.path}`;
  out.write(
    `${color.bold(`Trained ${r.model}`)} on ${res.metrics.n_train} rows (${res.nFeatures} features, ` +
      `${r.engine.backend} engine) in ${duration(res.timings.fitMs + res.timings.cvMs)}; evaluated on ${evalSet}.\n\n`,
  );
  out.write(evaluationBlock(res.report));
  if (res.cv) {
    const cv = res.cv;
    const parts = ['accuracy', 'macro_f1', 'log_loss']
      .filter((m) => cv.metrics[m])
      .map((m) => `${m} ${num(cv.metrics[m]?.mean, 4)} ± ${num(cv.metrics[m]?.std, 4)}`);
    out.write(
      `\n${color.bold(`${cv.k}-fold cross-validation`)} (training part): ${parts.join('   ')}\n`,
    );
  }
  if (r.runs.length > 1) {
    out.write(
      `\n${color.bold(`Sweep: ${r.runs.length} runs`)} in experiment ${r.experiment}, ranked by ${r.rankMetric}\n${sweepTable(r)}\n`,
    );
  }
  out.write('\n');
  for (const x of r.runs) {
    if (!x.registered) continue;
    const ref = color.bold(`${r.model}@${x.registered.version}`);
    out.write(
      x.registered.created
        ? `${color.green('Registered')} ${ref}${x.label ? ` (${x.label})` : ''} · run ${x.runId}\n`
        : `${color.yellow('Unchanged')}: the model is identical to existing version ${ref}${x.label ? ` (${x.label})` : ''}; no new version · run ${x.runId}\n`,
    );
  }
  const reg = b.registered;
  if (reg) {
    out.write(
      `${color.dim(`model sha256 ${reg.modelSha256} · artifacts: ${Object.keys(reg.artifacts).join(', ')} · store ${r.store}`)}\n`,
    );
  }
}
