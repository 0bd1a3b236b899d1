/**
 * `sentio env list|add|remove`: the deployment environments of a store
 * (staging and production built in; more declared here, e.g. eu-prod).
 * @module
 */
import type { Command } from 'commander';
import { addEnvironment, listEnvironments, removeEnvironment } from '../../deploy/index.js';
import { color, printJson, table } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { truncate, when } from './registry-view.js';

interface EnvCliOptions {
  store?: string;
  json?: boolean;
  model?: string;
  description?: string;
}

export function registerEnv(program: Command): void {
  const env = program
    .command('env')
    .description('list, declare and remove deployment environments');

  storeOption(
    env
      .command('list')
      .description('list environments (with --model: the version each one runs)')
      .option('--model <name>', 'also show which version of this model each environment runs')
      .option('--json', 'print JSON ({ environments: [...] })'),
  ).action(async (opts: EnvCliOptions) => {
    await withRegistry(opts, 'read', async (reg) => {
      const list = await listEnvironments(reg);
      const aliases = opts.model ? (await reg.getModel(opts.model)).aliases : null;
      const rows = list.map((e) => ({
        ...e,
        ...(aliases ? { version: aliases[e.name] ?? null } : {}),
      }));
      if (opts.json) return printJson({ environments: rows });
      process.stdout.write(
        `${table(
          [
            'environment',
            ...(aliases ? [`${opts.model}`] : []),
            'built in',
            'created',
            'description',
          ],
          rows.map((e) => [
            color.cyan(e.name),
            ...(aliases
              ? [e.version === null || e.version === undefined ? '–' : `v${e.version}`]
              : []),
            e.builtin ? 'yes' : 'no',
            when(e.createdAt),
            truncate(e.description, 60) || '–',
          ]),
        )}\n`,
      );
    });
  });

  storeOption(
    env
      .command('add')
      .description('declare an environment (an alias name servers can follow, e.g. eu-prod)')
      .argument('<name>', 'letters, digits, _ and -, starting with a letter')
      .option('--description <text>', 'what it is for')
      .option('--json', 'print the environment as JSON'),
  ).action(async (name: string, opts: EnvCliOptions) => {
    await withRegistry(opts, 'update', async (reg) => {
      const e = await addEnvironment(reg, name, opts.description);
      if (opts.json) return printJson(e);
      process.stdout.write(`${color.green('Declared')} environment ${color.cyan(e.name)}\n`);
    });
  });

  storeOption(
    env
      .command('remove')
      .description('remove a declared environment that no model uses (built-in ones stay)')
      .argument('<name>', 'environment name')
      .option('--json', 'print { removed: NAME }'),
  ).action(async (name: string, opts: EnvCliOptions) => {
    await withRegistry(opts, 'update', async (reg) => {
      await removeEnvironment(reg, name);
      if (opts.json) return printJson({ removed: name });
      process.stdout.write(`${color.green('Removed')} environment ${color.cyan(name)}\n`);
    });
  });
}
