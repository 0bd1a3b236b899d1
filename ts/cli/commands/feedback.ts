/**
 * `sentio feedback import FILE`: join ground truth to logged predictions in
 * bulk (CSV, TSV or JSONL with `prediction_id` and `label`). Ids that match
 * no logged prediction are listed with their line; malformed files stop
 * with the file and the line (DATA_* codes).
 * @module
 */
import type { Command } from 'commander';
import { importFeedback, openMonitorStore } from '../../monitor/index.js';
import { color, printJson } from '../output.js';
import { resolveStoreDir, storeOption } from '../store.js';

export function registerFeedback(program: Command): void {
  const feedback = program.command('feedback').description('ground truth for logged predictions');
  storeOption(
    feedback
      .command('import')
      .description('import labels for logged predictions from CSV/TSV/JSONL (prediction_id,label)')
      .argument('<file>', 'the labels file')
      .option('--id-column <name>', 'column holding the prediction id', 'prediction_id')
      .option('--label-column <name>', 'column holding the label', 'label')
      .option('--json', 'print the result as JSON'),
  ).action(
    async (
      file: string,
      o: { idColumn: string; labelColumn: string; json?: boolean; store?: string },
    ) => {
      const backend = await openMonitorStore(resolveStoreDir(o));
      try {
        const r = await importFeedback(backend, file, {
          idColumn: o.idColumn,
          labelColumn: o.labelColumn,
        });
        if (o.json) return printJson(r);
        process.stdout.write(
          `${file}: ${r.rows} labels read, ${color.green(String(r.recorded))} joined, ${r.updated} updated, ${r.unknown.length ? color.yellow(String(r.unknown.length)) : 0} unknown prediction ids\n`,
        );
        for (const u of r.unknown.slice(0, 10)) {
          process.stdout.write(color.dim(`  ${file}:${u.line}: no logged prediction "${u.id}"\n`));
        }
        if (r.unknown.length > 10)
          process.stdout.write(color.dim(`  … and ${r.unknown.length - 10} more\n`));
      } finally {
        await backend.close();
      }
    },
  );
}
