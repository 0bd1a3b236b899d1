/**
 * `sentio export NAME@VERSION -o DIR` and `sentio import DIR`: move one
 * version, with its artifacts and metadata, between stores.
 * @module
 */
import type { Command } from 'commander';
import { exportVersion, importVersion, parseRef } from '../../registry/index.js';
import { color, printJson } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { bytes } from './registry-view.js';

export function registerExportImport(program: Command): void {
  storeOption(
    program
      .command('export')
      .description(
        'write one version (artifacts + metadata + manifest with hashes) to a new directory',
      )
      .argument('<ref>', 'NAME@VERSION (or NAME@ALIAS, NAME@latest, NAME)')
      .requiredOption('-o, --output <dir>', 'output directory (must not exist, or be empty)')
      .option('--json', 'print the result as JSON'),
  ).action(async (ref: string, opts: { output: string; json?: boolean; store?: string }) => {
    parseRef(ref);
    const r = await withRegistry(opts, 'read', (reg) => exportVersion(reg, ref, opts.output));
    if (opts.json) return printJson(r);
    process.stdout.write(
      `${color.green('Exported')} ${color.bold(`${r.model}@${r.version}`)} to ${r.dir} (${r.files} files, ${bytes(r.bytes)})\n`,
    );
  });

  storeOption(
    program
      .command('import')
      .description(
        'import a version written by `sentio export` (verified; importing twice is a no-op)',
      )
      .argument('<dir>', 'the exported directory')
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, opts: { json?: boolean; store?: string }) => {
    const r = await withRegistry(opts, 'write', (reg) => importVersion(reg, dir));
    if (opts.json) return printJson(r);
    const name = color.bold(`${r.model}@${r.version}`);
    process.stdout.write(
      r.created
        ? `${color.green('Imported')} ${name} (version ${r.sourceVersion} in the source store; ${r.files} files, ${bytes(r.bytes)})\n`
        : `${color.yellow('Already present')} as ${name} (byte-identical model file); nothing new was registered\n`,
    );
  });
}
