/**
 * `sentio eval NAME@REF --data FILE`: evaluate a registered version on new
 * labelled data and record the evaluation against that version.
 * @module
 */
import type { Command } from 'commander';
import { evaluateVersion } from '../../train/index.js';
import { color, printJson } from '../output.js';
import { progress } from '../progress.js';
import { resolveStoreDir } from '../store.js';
import { evaluationBlock } from './report-view.js';

interface EvalOptions {
  data?: string;
  textColumn?: string;
  labelColumn?: string;
  store?: string;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a registered model version on labelled data and record the result')
    .argument('<ref>', 'model reference: NAME, NAME@VERSION, NAME@ALIAS or NAME@latest')
    .requiredOption('--data <file>', 'labelled data (.csv, .tsv, .jsonl, optionally .gz)')
    .option('--text-column <name>', 'column holding the text (default: text)')
    .option('--label-column <name>', 'column holding the label (default: label)')
    .option(
      '--store <location>',
      'model store: directory or postgres:// URL (default: $SENTIO_STORE, else $SENTIO_HOME, else ./models)',
    )
    .option('--json', 'print one JSON object instead of tables')
    .action(async (ref: string, opts: EvalOptions) => {
      const r = await evaluateVersion({
        store: resolveStoreDir({ store: opts.store }),
        ref,
        data: opts.data as string,
        ...(opts.textColumn ? { textColumn: opts.textColumn } : {}),
        ...(opts.labelColumn ? { labelColumn: opts.labelColumn } : {}),
        progress,
      });
      if (opts.json) {
        printJson({
          model: r.model,
          version: r.version,
          evaluation_id: r.evaluation.id,
          at: r.evaluation.at,
          dataset: r.dataset,
          metrics: {
            ...r.metrics,
            per_class: r.report.per_class,
            macro_avg: r.report.macro_avg,
            weighted_avg: r.report.weighted_avg,
          },
          labels: r.report.labels,
          confusion_matrix: r.report.confusion_matrix,
          report_sha256: r.reportSha256,
          unknown_labels: r.unknownLabels,
        });
        return;
      }
      const out = process.stdout;
      out.write(
        `${color.bold(`Evaluated ${r.model}@${r.version}`)} on ${r.dataset.path} (${r.report.n} rows).\n\n`,
      );
      out.write(evaluationBlock(r.report));
      if (r.unknownLabels.length) {
        out.write(
          `\n${color.yellow('note')}: labels the model never saw: ${r.unknownLabels.join(', ')} (their rows count as errors)\n`,
        );
      }
      out.write(
        `\n${color.green('Recorded')} evaluation #${r.evaluation.id} for ${r.model}@${r.version}\n`,
      );
    });
}
