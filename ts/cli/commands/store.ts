/**
 * `sentio store migrate --from DIR --to postgres://…`: move a SQLite store to
 * PostgreSQL (ts/registry/postgres/migrate-store.ts does the copy and the
 * verification), with a progress bar on a terminal and `--json` for scripts.
 * @module
 */
import type { Command } from 'commander';
import { MONITOR_MIGRATION_PART } from '../../monitor/index.js';
import { type MigrateStoreReport, migrateStore } from '../../registry/index.js';
import { color, printJson, table } from '../output.js';
import { type Progress, progress } from '../progress.js';
import { bytes, duration } from './registry-view.js';

interface MigrateCliOptions {
  from: string;
  to: string;
  resume?: boolean;
  json?: boolean;
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('move a whole store between backends');
  store
    .command('migrate')
    .description(
      'copy a SQLite store (registry, history, runs, deployment state, artifacts, prediction logs, feedback, alerts) into PostgreSQL and verify the copy',
    )
    .requiredOption('--from <dir>', 'the SQLite store directory')
    .requiredOption('--to <url>', 'the target: postgres://user[:password]@host[:port]/database')
    .option('--resume', 'finish (or re-check) an earlier migration of this same source')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
The target database must exist and hold no Sentio data (a new store is created in
its "sentio" schema; prediction logs, feedback and alerts from monitor.db go to
its "sentio_monitor" schema). Stop trainings and servers on the source first.

Examples:
  sentio store migrate --from ./models --to postgres://sentio@db.internal/sentio
  sentio store migrate --from ./models --to postgres://sentio@db.internal/sentio --resume --json`,
    )
    .action(async (opts: MigrateCliOptions) => {
      const bars = new Map<string, Progress>();
      const bar = (phase: string, total: number, unit: string) => {
        let b = bars.get(phase);
        if (b === undefined) {
          b = progress(phase, total, unit);
          bars.set(phase, b);
        }
        return b;
      };
      const report = await migrateStore({
        from: opts.from,
        to: opts.to,
        resume: opts.resume === true,
        parts: [MONITOR_MIGRATION_PART],
        onProgress: (p) => {
          if (opts.json) return;
          const unit = p.phase === 'artifacts' ? 'artifacts' : 'steps';
          const b = bar(p.phase, p.total, unit);
          b.update(p.done);
          if (p.done === p.total) b.done();
        },
      });
      if (opts.json) printJson(report);
      else process.stdout.write(`${migrateView(report)}\n`);
    });
}

function migrateView(r: MigrateStoreReport): string {
  const rows = Object.entries(r.tables.source).map(([t, n]) => [
    t,
    String(n),
    String(r.tables.inserted[t] ?? 0),
    String(r.verified.tables[t] ?? 0),
  ]);
  const lines = [
    table(['table', 'source rows', 'copied now', 'in target'], rows, [
      'left',
      'right',
      'right',
      'right',
    ]),
    '',
    `artifacts: ${r.artifacts.total} (${r.artifacts.copied} copied, ${bytes(r.artifacts.bytes)}; ${r.artifacts.alreadyPresent} already there), all re-hashed in the target`,
  ];
  for (const p of r.parts) lines.push(`${p.part}: ${p.rows} rows copied and verified`);
  for (const s of r.skipped) lines.push(color.yellow(`skipped: ${s.part} — ${s.reason}`));
  lines.push(
    color.green(
      `${r.resumed ? 'Resumed and verified' : 'Migrated and verified'}: ${r.from} → ${r.to} in ${duration(r.ms)} (counts, artifact hashes and a deep comparison all match).`,
    ),
    `Use it with --store '${r.to}' (or SENTIO_STORE), adding the password if it has one.`,
  );
  return lines.join('\n');
}
