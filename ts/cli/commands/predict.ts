/**
 * `sentio predict NAME@REF (--text TEXT | --input FILE [--output FILE])`:
 * score texts with a registered version. File input is streamed in batches
 * with a progress bar; records (label + probabilities per class, in input
 * order) go to --output (.jsonl or .csv) or, as JSONL, to stdout.
 * @module
 */
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import { predict } from '../../train/index.js';
import { bar, color, num, printJson } from '../output.js';
import { progress } from '../progress.js';
import { resolveStoreDir } from '../store.js';

interface PredictOptions {
  text?: string[];
  input?: string;
  output?: string;
  textColumn?: string;
  batchSize?: string;
  store?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('score texts with a registered model version')
    .argument('<ref>', 'model reference: NAME, NAME@VERSION, NAME@ALIAS or NAME@latest')
    .option('--text <text>', 'a text to score (repeatable)', collect)
    .option(
      '--input <file>',
      'texts to score: .csv/.tsv/.jsonl (text column) or .txt (one per line), optionally .gz',
    )
    .option(
      '--output <file>',
      'write records to this .jsonl or .csv file (default: JSONL on stdout)',
    )
    .option('--text-column <name>', 'column holding the text (default: text)')
    .option('--batch-size <n>', 'rows scored per batch (default: 2000)')
    .option(
      '--store <location>',
      'model store: directory or postgres:// URL (default: $SENTIO_STORE, else $SENTIO_HOME, else ./models)',
    )
    .option('--json', 'with --text: print JSON; with --output: print a JSON summary')
    .addHelpText(
      'after',
      `
Examples:
  sentio predict reviews@production --text "arrived broken, want a refund"
  sentio predict reviews@3 --input new.csv --output scored.jsonl
  sentio predict reviews --input texts.txt > scored.jsonl`,
    )
    .action(async (ref: string, opts: PredictOptions) => {
      await runPredict(ref, opts);
    });
}

async function runPredict(ref: string, opts: PredictOptions): Promise<void> {
  if ((opts.text === undefined) === (opts.input === undefined)) {
    throw new SentioError('CLI_USAGE', 'give either --text TEXT or --input FILE');
  }
  let batchSize: number | undefined;
  if (opts.batchSize !== undefined) {
    batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new SentioError(
        'CLI_USAGE',
        `--batch-size: expected a positive whole number, got "${opts.batchSize}"`,
      );
    }
  }
  // Piping into `head` closes stdout early: stop quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const result = await predict({
    store: resolveStoreDir({ store: opts.store }),
    ref,
    ...(opts.text ? { texts: opts.text } : {}),
    ...(opts.input ? { input: opts.input } : {}),
    ...(opts.output ? { output: opts.output } : {}),
    ...(opts.textColumn ? { textColumn: opts.textColumn } : {}),
    ...(batchSize ? { batchSize } : {}),
    progress,
  });
  const summary = {
    model: result.model,
    version: result.version,
    classes: result.classes,
    rows: result.rows,
    skipped: result.skipped,
    output: result.output,
    format: result.format,
  };
  if (result.predictions && !result.output) {
    if (opts.json) {
      printJson({ ...summary, predictions: result.predictions });
      return;
    }
    const out = process.stdout;
    out.write(color.dim(`${result.model}@${result.version}\n`));
    for (const p of result.predictions) {
      out.write(`${color.cyan(`“${p.text}”`)}\n  → ${color.bold(p.label)}\n`);
      for (const [cls, prob] of Object.entries(p.probabilities)) {
        out.write(`    ${cls.padEnd(12)} ${bar(prob)} ${num(prob, 3)}\n`);
      }
    }
    return;
  }
  if (opts.json && result.output) {
    printJson(summary);
    return;
  }
  process.stderr.write(
    `${color.dim(
      `scored ${result.rows} rows with ${result.model}@${result.version}` +
        (result.skipped ? ` (${result.skipped} skipped: empty text)` : '') +
        (result.output ? ` → ${result.output}` : ''),
    )}\n`,
  );
}
