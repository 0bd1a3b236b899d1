/**
 * `sentio runs list|show|compare`: experiment tracking from the command line.
 * @module
 */
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import type { RunRecord, RunStatus } from '../../registry/index.js';
import { color, num, printJson, table } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import {
  cell,
  datasetSummary,
  duration,
  fields,
  pairs,
  statusColor,
  truncate,
  when,
} from './registry-view.js';

interface ListOptions {
  experiment?: string;
  model?: string;
  status?: string;
  limit: string;
  json?: boolean;
  store?: string;
}

// `interrupted`: still stored as running, but its process on this host is gone (killed outright).
const STATUSES: RunStatus[] = ['running', 'finished', 'failed', 'interrupted'];

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list, inspect and compare tracked training runs');

  storeOption(
    runs
      .command('list')
      .description('list runs, newest first')
      .option('--experiment <name>', 'only runs of this experiment')
      .option('--model <name>', 'only runs that registered a version of this model')
      .option(
        '--status <status>',
        'only runs with this status: running, finished, failed or interrupted',
      )
      .option('--limit <n>', 'at most this many runs (0: all)', '50')
      .option('--json', 'print JSON ({ runs: [...] })'),
  ).action(async (opts: ListOptions) => {
    const limit = Number(opts.limit);
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new SentioError(
        'CLI_USAGE',
        `--limit: expected a whole number ≥ 0, got "${opts.limit}"`,
      );
    }
    if (opts.status !== undefined && !STATUSES.includes(opts.status as RunStatus)) {
      throw new SentioError(
        'CLI_USAGE',
        `--status: expected one of ${STATUSES.join(', ')}, got "${opts.status}"`,
      );
    }
    await withRegistry(opts, 'read', async (reg) => {
      const list = await reg.listRuns({
        ...(opts.experiment !== undefined ? { experiment: opts.experiment } : {}),
        ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.status !== undefined ? { status: opts.status as RunStatus } : {}),
        ...(limit > 0 ? { limit } : {}),
      });
      if (opts.json) return printJson({ runs: list });
      if (list.length === 0) {
        process.stdout.write('No runs match.\n');
        return;
      }
      process.stdout.write(
        `${table(
          ['run', 'experiment', 'status', 'started', 'duration', 'version', 'accuracy', 'params'],
          list.map((r) => [
            color.bold(r.id),
            r.experiment,
            statusColor(r.status),
            when(r.startedAt),
            duration(r.durationMs),
            r.model ? `${r.model}@${r.version ?? '?'}` : '–',
            num(r.metrics.accuracy),
            truncate(pairs(r.params), 50),
          ]),
          ['left', 'left', 'left', 'left', 'right', 'left', 'right', 'left'],
        )}\n`,
      );
    });
  });

  storeOption(
    runs
      .command('show')
      .description('show one run: params, metrics, tags, dataset, provenance')
      .argument('<run>', 'run id (or a unique prefix of at least 4 characters)')
      .option('--json', 'print the run as JSON'),
  ).action(async (id: string, opts: { json?: boolean; store?: string }) => {
    await withRegistry(opts, 'read', async (reg) => {
      const r = await reg.getRun(id);
      if (opts.json) return printJson(r);
      process.stdout.write(`${showRun(r)}\n`);
    });
  });

  storeOption(
    runs
      .command('compare')
      .description('compare runs side by side: params and metrics, differences highlighted')
      .argument('<runs...>', 'two or more run ids (or unique prefixes)')
      .option('--json', 'print JSON ({ runs, params, metrics, differences })'),
  ).action(async (ids: string[], opts: { json?: boolean; store?: string }) => {
    if (ids.length < 2) throw new SentioError('CLI_USAGE', 'compare needs at least two runs');
    await withRegistry(opts, 'read', async (reg) => {
      const list: RunRecord[] = [];
      for (const id of ids) list.push(await reg.getRun(id));
      const cmp = compareRuns(list);
      if (opts.json) return printJson(cmp);
      process.stdout.write(`${compareView(list, cmp)}\n`);
    });
  });
}

function showRun(r: RunRecord): string {
  const lines = [
    `${color.bold(`run ${r.id}`)}  ${statusColor(r.status)}`,
    fields([
      ['experiment', r.experiment],
      ['started', when(r.startedAt)],
      ['ended', when(r.endedAt)],
      ['duration', duration(r.durationMs)],
      ['version', r.model ? `${r.model}@${r.version ?? '?'}` : '–'],
      ['dataset', datasetSummary(r.dataset)],
      ['git commit', r.gitCommit ?? '–'],
      ['host / user', `${r.host}${r.pid !== null ? ` (pid ${r.pid})` : ''} / ${r.user}`],
      ['sentio', r.sentioVersion],
      ['tags', pairs(r.tags)],
      ...(r.error ? ([['error', color.red(r.error)]] as Array<[string, string]>) : []),
    ]),
  ];
  const params = Object.entries(r.params);
  if (params.length > 0)
    lines.push(
      '',
      table(
        ['param', 'value'],
        params.map(([k, v]) => [k, cell(v)]),
      ),
    );
  const metrics = Object.entries(r.metrics);
  if (metrics.length > 0) {
    lines.push(
      '',
      table(
        ['metric', 'value'],
        metrics.map(([k, v]) => [k, cell(v)]),
        ['left', 'right'],
      ),
    );
  }
  return lines.join('\n');
}

export interface RunComparison {
  runs: string[];
  /** key → value per run (null where a run lacks it), in the order given. */
  params: Record<string, unknown[]>;
  metrics: Record<string, Array<number | null>>;
  /** Keys whose values are not all equal. */
  differences: { params: string[]; metrics: string[] };
}

function sameValues(values: unknown[]): boolean {
  const first = JSON.stringify(values[0] ?? null);
  return values.every((v) => JSON.stringify(v ?? null) === first);
}

export function compareRuns(list: RunRecord[]): RunComparison {
  const paramKeys = [...new Set(list.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(list.flatMap((r) => Object.keys(r.metrics)))].sort();
  const params = Object.fromEntries(
    paramKeys.map((k) => [k, list.map((r) => (k in r.params ? r.params[k] : null))]),
  );
  const metrics = Object.fromEntries(
    metricKeys.map((k) => [k, list.map((r) => r.metrics[k] ?? null)]),
  );
  return {
    runs: list.map((r) => r.id),
    params,
    metrics,
    differences: {
      params: paramKeys.filter((k) => !sameValues(params[k] ?? [])),
      metrics: metricKeys.filter((k) => !sameValues(metrics[k] ?? [])),
    },
  };
}

/** Index of the best value in a metric row (losses low, the rest high), or -1. */
function bestIndex(metric: string, values: Array<number | null>): number {
  const lower = /loss$|error/.test(metric);
  let best = -1;
  values.forEach((v, i) => {
    if (v === null || Number.isNaN(v)) return;
    const b = best < 0 ? null : (values[best] as number);
    if (b === null || (lower ? v < b : v > b)) best = i;
  });
  return best;
}

function compareView(list: RunRecord[], cmp: RunComparison): string {
  const header = ['', ...list.map((r) => `${r.id} (${r.experiment})`)];
  const align = ['left' as const, ...list.map(() => 'right' as const)];
  const mark = (k: string, differs: boolean) => (differs ? color.yellow(`≠ ${k}`) : `  ${k}`);
  const paramRows = Object.entries(cmp.params).map(([k, values]) => {
    const differs = cmp.differences.params.includes(k);
    return [mark(k, differs), ...values.map((v) => (differs ? color.yellow(cell(v)) : cell(v)))];
  });
  const metricRows = Object.entries(cmp.metrics).map(([k, values]) => {
    const differs = cmp.differences.metrics.includes(k);
    const best = differs ? bestIndex(k, values) : -1;
    return [
      mark(k, differs),
      ...values.map((v, i) => (i === best ? color.green(color.bold(cell(v))) : cell(v))),
    ];
  });
  const info = [
    ['  status', ...list.map((r) => statusColor(r.status))],
    ['  version', ...list.map((r) => (r.model ? `${r.model}@${r.version ?? '?'}` : '–'))],
    ['  duration', ...list.map((r) => duration(r.durationMs))],
  ];
  const out = [table(header, info, align)];
  if (paramRows.length > 0) out.push('', color.bold('params'), table(header, paramRows, align));
  if (metricRows.length > 0) out.push('', color.bold('metrics'), table(header, metricRows, align));
  const n = cmp.differences.params.length + cmp.differences.metrics.length;
  out.push(
    '',
    color.dim(
      n === 0
        ? 'No differences.'
        : `≠ marks ${n} differing row${n === 1 ? '' : 's'}; best metric value in green.`,
    ),
  );
  return out.join('\n');
}
