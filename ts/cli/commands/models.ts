/**
 * `sentio models list|show|tag|describe|alias|history`: the model registry
 * from the command line.
 * @module
 */
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import {
  type AliasMove,
  type ModelRecord,
  parseRef,
  type Registry,
  type VersionRecord,
} from '../../registry/index.js';
import { color, num, printJson, table } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import {
  cell,
  datasetSummary,
  fields,
  pairs,
  parseAssignments,
  shortSha,
  truncate,
  when,
} from './registry-view.js';

interface JsonOpt {
  json?: boolean;
  store?: string;
}

const REF_HELP = 'NAME, NAME@VERSION, NAME@ALIAS or NAME@latest';

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('list, inspect, tag, describe and alias registered models');

  storeOption(
    models
      .command('list')
      .description('list registered models')
      .option('--json', 'print JSON ({ models: [...] })'),
  ).action(async (opts: JsonOpt) => {
    await withRegistry(opts, 'read', async (reg) => {
      const list = await reg.listModels();
      if (opts.json) return printJson({ models: list });
      if (list.length === 0) {
        process.stdout.write(
          `No models in ${reg.location} yet. Train one with: sentio train --data FILE --model NAME\n`,
        );
        return;
      }
      process.stdout.write(
        `${table(
          ['model', 'versions', 'latest', 'aliases', 'created', 'description'],
          list.map((m) => [
            color.bold(m.name),
            String(m.versions),
            m.latestVersion === null ? '–' : String(m.latestVersion),
            aliasList(m.aliases),
            when(m.createdAt),
            truncate(m.description, 40),
          ]),
          ['left', 'right', 'right', 'left', 'left', 'left'],
        )}\n`,
      );
    });
  });

  storeOption(
    models
      .command('show')
      .description(
        'show a model, its versions and alias history; with @VERSION/@ALIAS also that version in detail',
      )
      .argument('<ref>', REF_HELP)
      .option(
        '--json',
        'print JSON (the model, a `versions` array, `aliasHistory`, and `version` when selected)',
      ),
  ).action(async (ref: string, opts: JsonOpt) => {
    const parsed = parseRef(ref);
    await withRegistry(opts, 'read', async (reg) => {
      const model = await reg.getModel(parsed.model);
      const versions = await reg.listVersions(model.name);
      const aliasHistory = await reg.aliasHistory(model.name);
      const selected = ref.includes('@') ? await reg.resolve(ref) : null;
      const evaluations = selected ? await reg.listEvaluations(model.name, selected.version) : [];
      if (opts.json) {
        return printJson({
          ...model,
          versions,
          aliasHistory,
          ...(selected ? { version: { ...selected, evaluations } } : {}),
        });
      }
      const out = process.stdout;
      out.write(`${showModel(model, versions, aliasHistory)}\n`);
      if (selected) out.write(`\n${showVersion(selected, evaluations)}\n`);
    });
  });

  storeOption(
    models
      .command('tag')
      .description(
        'set or remove tags on a model (NAME) or on one version (NAME@VERSION / NAME@ALIAS)',
      )
      .argument('<ref>', REF_HELP)
      .argument('[tags...]', 'key=value pairs to set')
      .option('--remove <key...>', 'tag keys to remove')
      .option('--json', 'print the updated model or version as JSON'),
  ).action(async (ref: string, assignments: string[], opts: JsonOpt & { remove?: string[] }) => {
    const parsed = parseRef(ref);
    const changes: Record<string, string | null> = parseAssignments(assignments);
    for (const k of opts.remove ?? []) changes[k] = null;
    if (Object.keys(changes).length === 0) {
      throw new SentioError(
        'CLI_USAGE',
        'nothing to change: give key=value pairs and/or --remove KEY',
      );
    }
    await withRegistry(opts, 'update', async (reg) => {
      if (!ref.includes('@')) {
        const m = await reg.tagModel(parsed.model, changes);
        if (opts.json) return printJson(m);
        process.stdout.write(`${color.green('Tagged')} ${color.bold(m.name)}: ${pairs(m.tags)}\n`);
        return;
      }
      const v = await reg.resolve(ref);
      const updated = await reg.tagVersion(v.model, v.version, changes);
      if (opts.json) return printJson(updated);
      process.stdout.write(
        `${color.green('Tagged')} ${color.bold(`${updated.model}@${updated.version}`)}: ${pairs(updated.tags)}\n`,
      );
    });
  });

  storeOption(
    models
      .command('describe')
      .description(
        'set the description of a model (NAME) or of one version (NAME@VERSION / NAME@ALIAS)',
      )
      .argument('<ref>', REF_HELP)
      .argument('<text>', 'the description (quote it)')
      .option('--json', 'print the updated model or version as JSON'),
  ).action(async (ref: string, text: string, opts: JsonOpt) => {
    const parsed = parseRef(ref);
    await withRegistry(opts, 'update', async (reg) => {
      if (!ref.includes('@')) {
        const m = await reg.describeModel(parsed.model, text);
        if (opts.json) return printJson(m);
        process.stdout.write(`${color.green('Described')} ${color.bold(m.name)}\n`);
        return;
      }
      const v = await reg.resolve(ref);
      const updated = await reg.describeVersion(v.model, v.version, text);
      if (opts.json) return printJson(updated);
      process.stdout.write(
        `${color.green('Described')} ${color.bold(`${updated.model}@${updated.version}`)}\n`,
      );
    });
  });

  storeOption(
    models
      .command('alias')
      .description('point an alias (e.g. staging, production) at a version; every move is recorded')
      .argument(
        '<ref>',
        'the version: NAME@VERSION (or NAME@ALIAS / NAME@latest); with --delete just NAME',
      )
      .argument('<alias>', 'alias name (letters, digits, _ and -, starting with a letter)')
      .option('--reason <text>', 'why (kept in the alias history)')
      .option('--delete', 'remove the alias instead of moving it')
      .option('--json', 'print the recorded move as JSON'),
  ).action(
    async (ref: string, alias: string, opts: JsonOpt & { reason?: string; delete?: boolean }) => {
      const parsed = parseRef(ref);
      if (!opts.delete && !ref.includes('@')) {
        throw new SentioError(
          'CLI_USAGE',
          `say which version the alias points to: ${parsed.model}@VERSION (or ${parsed.model}@latest)`,
        );
      }
      await withRegistry(opts, 'update', async (reg) => {
        const info = opts.reason !== undefined ? { reason: opts.reason } : {};
        const move = opts.delete
          ? await reg.deleteAlias(parsed.model, alias, info)
          : await (async () => {
              const v = await reg.resolve(ref);
              return reg.setAlias(v.model, alias, v.version, info);
            })();
        if (opts.json) return printJson(move);
        process.stdout.write(`${describeMove(move)}\n`);
      });
    },
  );

  storeOption(
    models
      .command('history')
      .description("show every move of a model's aliases (who, when, why)")
      .argument('<model>', 'model name')
      .argument('[alias]', 'only this alias')
      .option('--json', 'print JSON ({ history: [...] })'),
  ).action(async (model: string, alias: string | undefined, opts: JsonOpt) => {
    await withRegistry(opts, 'read', async (reg) => {
      await reg.getModel(model);
      const history = await reg.aliasHistory(model, alias);
      if (opts.json) return printJson({ history });
      process.stdout.write(
        history.length === 0 ? 'No alias moves yet.\n' : `${historyTable(history)}\n`,
      );
    });
  });
}

function aliasList(aliases: Record<string, number>): string {
  const e = Object.entries(aliases);
  return e.length === 0 ? '–' : e.map(([a, v]) => `${color.cyan(a)}→${v}`).join(' ');
}

function describeMove(m: AliasMove): string {
  const what = `${color.bold(m.model)} ${color.cyan(m.alias)}`;
  const from = m.fromVersion === null ? 'unset' : `v${m.fromVersion}`;
  const to = m.toVersion === null ? 'deleted' : `v${m.toVersion}`;
  return `${color.green('Moved')} ${what}: ${from} → ${to}${m.reason ? ` (${m.reason})` : ''}`;
}

function historyTable(history: AliasMove[]): string {
  return table(
    ['#', 'when', 'alias', 'from', 'to', 'who', 'reason'],
    history.map((h) => [
      String(h.id),
      when(h.at),
      color.cyan(h.alias),
      h.fromVersion === null ? '–' : String(h.fromVersion),
      h.toVersion === null ? color.red('deleted') : String(h.toVersion),
      h.who,
      truncate(h.reason ?? '', 40),
    ]),
    ['right', 'left', 'left', 'right', 'right', 'left', 'left'],
  );
}

function showModel(m: ModelRecord, versions: VersionRecord[], history: AliasMove[]): string {
  const lines = [
    `${color.bold(m.name)}${m.description ? ` — ${m.description}` : ''}`,
    fields([
      ['created', when(m.createdAt)],
      [
        'versions',
        `${m.versions}${m.latestVersion !== null ? ` (latest ${m.latestVersion})` : ''}`,
      ],
      ['aliases', aliasList(m.aliases)],
      ['tags', pairs(m.tags)],
    ]),
  ];
  if (versions.length > 0) {
    lines.push(
      '',
      table(
        [
          'version',
          'created',
          'accuracy',
          'f1 (macro)',
          'aliases',
          'run',
          'model sha256',
          'description',
        ],
        versions.map((v) => [
          String(v.version),
          when(v.createdAt),
          num(v.metrics.accuracy),
          num(v.metrics.macro_f1 ?? v.metrics.f1_macro),
          v.aliases.map((a) => color.cyan(a)).join(' ') || '–',
          v.runId ?? '–',
          shortSha(v.modelSha256),
          truncate(v.description, 30),
        ]),
        ['right', 'left', 'right', 'right', 'left', 'left', 'left', 'left'],
      ),
    );
  }
  if (history.length > 0) {
    const recent = history.slice(-10);
    lines.push(
      '',
      color.bold(
        `Alias history${history.length > recent.length ? ` (last ${recent.length} of ${history.length})` : ''}`,
      ),
      historyTable(recent),
    );
  }
  return lines.join('\n');
}

function showVersion(
  v: VersionRecord,
  evaluations: Awaited<ReturnType<Registry['listEvaluations']>>,
): string {
  const lines = [
    color.bold(`${v.model}@${v.version}`) + (v.aliases.length ? ` (${v.aliases.join(', ')})` : ''),
    fields([
      ['created', when(v.createdAt)],
      ['run', v.runId ?? '–'],
      ['model sha256', v.modelSha256],
      ['dataset', datasetSummary(v.dataset)],
      ['tags', pairs(v.tags)],
      ['description', v.description || '–'],
      ['config', truncate(JSON.stringify(v.config ?? null), 100)],
    ]),
    '',
    table(
      ['artifact', 'sha256'],
      Object.entries(v.artifacts).map(([name, sha]) => [name, sha]),
    ),
  ];
  const metrics = Object.entries(v.metrics);
  if (metrics.length > 0) {
    lines.push(
      '',
      table(
        ['metric', 'value'],
        metrics.map(([k, x]) => [k, cell(x)]),
        ['left', 'right'],
      ),
    );
  }
  if (evaluations.length > 0) {
    lines.push(
      '',
      color.bold('Evaluations'),
      table(
        ['#', 'when', 'dataset', 'accuracy'],
        evaluations.map((e) => [
          String(e.id),
          when(e.at),
          datasetSummary(e.dataset),
          num(e.metrics.accuracy),
        ]),
        ['right', 'left', 'left', 'right'],
      ),
    );
  }
  return lines.join('\n');
}
