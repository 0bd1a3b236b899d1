/**
 * `sentio gc [--apply]`: remove artifacts nothing references and leftover
 * temp files. A dry run unless --apply; never touches a referenced artifact.
 * @module
 */
import type { Command } from 'commander';
import { DEFAULT_GC_GRACE_MS, type GcReport, gc } from '../../registry/index.js';
import { color, printJson, table } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { bytes, duration, parseDurationMs } from './registry-view.js';

interface GcCliOptions {
  apply?: boolean;
  grace: string;
  json?: boolean;
  store?: string;
}

export function registerGc(program: Command): void {
  storeOption(
    program
      .command('gc')
      .description('remove unreferenced artifacts and stale temp files (dry run unless --apply)')
      .option('--apply', 'really delete (default: only report what would go)')
      .option(
        '--grace <duration>',
        'keep unreferenced artifacts younger than this, e.g. 0, 30s, 15m, 1h (protects trainings in progress)',
        `${DEFAULT_GC_GRACE_MS / 3_600_000}h`,
      )
      .option('--json', 'print the report as JSON'),
  ).action(async (opts: GcCliOptions) => {
    const graceMs = parseDurationMs(opts.grace);
    const report = await withRegistry(opts, opts.apply ? 'update' : 'read', (reg) =>
      gc(reg, { apply: opts.apply === true, graceMs }),
    );
    if (opts.json) return printJson(report);
    process.stdout.write(`${gcView(report)}\n`);
  });
}

function gcView(r: GcReport): string {
  const lines: string[] = [];
  if (r.unreferenced.length > 0) {
    lines.push(
      table(
        ['unreferenced sha256', 'size', 'age'],
        r.unreferenced.map((u) => [u.sha256, bytes(u.bytes), duration(u.ageMs)]),
        ['left', 'right', 'right'],
      ),
      '',
    );
  }
  const n = r.unreferenced.length;
  const t = r.tempFiles.length;
  const what = `${n} unreferenced artifact${n === 1 ? '' : 's'} and ${t} stale temp file${t === 1 ? '' : 's'} (${bytes(r.bytes)})`;
  lines.push(
    `${r.checked} artifacts in the store, ${r.referenced} referenced.`,
    r.dryRun
      ? `${color.yellow('Dry run')}: would remove ${what}.${n + t > 0 ? ' Run with --apply to delete.' : ''}`
      : `${color.green('Removed')} ${r.removed.length} artifact${r.removed.length === 1 ? '' : 's'} and ${r.tempRemoved} temp file${r.tempRemoved === 1 ? '' : 's'} (${bytes(r.bytes)}).`,
  );
  if (r.recent.length > 0) {
    lines.push(
      color.dim(
        `${r.recent.length} unreferenced artifact(s) younger than ${duration(r.graceMs)} kept (a training may be about to register them; --grace 0 to include).`,
      ),
    );
  }
  return lines.join('\n');
}
