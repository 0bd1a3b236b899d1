/**
 * `sentio logs query|export|prune`: read and trim the prediction log
 * (`<store>/monitor.db`). query prints a table (or --json); export streams
 * JSON Lines or CSV to a file or stdout; prune applies retention by age
 * and/or size (the server also prunes automatically with its --log-retention).
 * @module
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import {
  ARMS,
  type Arm,
  csvHeader,
  type ExportFormat,
  exportObject,
  formatRow,
  type MonitorBackend,
  openMonitorStore,
  type PredictionFilter,
  parseDuration,
  parseSize,
} from '../../monitor/index.js';
import { num, printJson, table } from '../output.js';
import { resolveStoreDir, storeOption } from '../store.js';
import { bytes, truncate } from './registry-view.js';

interface FilterOptions {
  model: string;
  version?: string;
  env?: string;
  arm?: string;
  since?: string;
  limit?: string;
  store?: string;
}

function bad(option: string, message: string): SentioError {
  return new SentioError('MONITOR_BAD_OPTION', `${option}: ${message}`, { option });
}

function filterOf(o: FilterOptions, now = Date.now()): PredictionFilter {
  const f: PredictionFilter = { model: o.model };
  if (o.version !== undefined) {
    const v = Number(o.version);
    if (!Number.isSafeInteger(v) || v < 1)
      throw bad('--version', `expected a version number, got "${o.version}"`);
    f.version = v;
  }
  if (o.env !== undefined) f.env = o.env;
  if (o.arm !== undefined) {
    if (!ARMS.includes(o.arm as Arm))
      throw bad('--arm', `expected one of ${ARMS.join(', ')}, got "${o.arm}"`);
    f.arm = o.arm as Arm;
  }
  if (o.since !== undefined) f.since = now - parseDuration(o.since, '--since');
  if (o.limit !== undefined) {
    const n = Number(o.limit);
    if (!Number.isSafeInteger(n) || n < 1)
      throw bad('--limit', `expected a positive integer, got "${o.limit}"`);
    f.limit = n;
  }
  return f;
}

function filterOptions(cmd: Command): Command {
  return storeOption(
    cmd
      .requiredOption('--model <name>', 'model name')
      .option('--version <n>', 'only this version')
      .option('--env <name>', 'only this environment')
      .option('--arm <arm>', 'only this arm: stable, canary or shadow')
      .option('--since <duration>', 'only the last 30s, 15m, 1h, 7d, ...'),
  );
}

async function withMonitor<T>(
  o: { store?: string },
  readonly: boolean,
  fn: (b: MonitorBackend) => Promise<T>,
): Promise<T> {
  const backend = await openMonitorStore(resolveStoreDir(o), { readonly });
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

export function registerLogs(program: Command): void {
  const logs = program.command('logs').description('query, export and prune the prediction log');

  filterOptions(
    logs
      .command('query')
      .description('show logged predictions (newest last)')
      .option('--limit <n>', 'the newest N predictions', '20')
      .option('--json', 'print the rows as JSON'),
  ).action(async (o: FilterOptions & { json?: boolean }) => {
    const rows = await withMonitor(o, true, (b) => b.predictions(filterOf(o)));
    if (o.json) return printJson(rows.map(exportObject));
    if (rows.length === 0) {
      process.stdout.write(`no logged predictions of ${o.model} match\n`);
      return;
    }
    process.stdout.write(
      `${table(
        ['time', 'id', 'version', 'env', 'arm', 'label', 'conf', 'ms', 'chars', 'text'],
        rows.map((r) => [
          new Date(r.at).toISOString(),
          r.id,
          String(r.version),
          r.env,
          r.arm,
          r.label,
          num(r.confidence, 3),
          num(r.latencyMs, 2),
          String(r.textLength),
          r.text !== null
            ? truncate(r.text, 40)
            : r.textSha256
              ? `sha256:${r.textSha256.slice(0, 12)}`
              : '–',
        ]),
        ['left', 'left', 'right', 'left', 'left', 'left', 'right', 'right', 'right', 'left'],
      )}\n`,
    );
  });

  filterOptions(
    logs
      .command('export')
      .description('export logged predictions as JSON Lines or CSV')
      .option('--format <format>', 'jsonl or csv (default: from --out, else jsonl)')
      .option('--limit <n>', 'only the newest N predictions')
      .option('--out <file>', 'write to this file (default: stdout)'),
  ).action(async (o: FilterOptions & { format?: string; out?: string }) => {
    const format = (o.format ??
      (o.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl')) as ExportFormat;
    if (format !== 'jsonl' && format !== 'csv')
      throw bad('--format', `expected jsonl or csv, got "${o.format}"`);
    const filter = filterOf(o);
    const out = o.out ? fs.createWriteStream(o.out) : process.stdout;
    const write = (s: string) =>
      new Promise<void>((resolve, reject) => {
        if (out.write(s)) resolve();
        else out.once('drain', resolve).once('error', reject);
      });
    let n = 0;
    await withMonitor(o, true, async (b) => {
      if (format === 'csv') await write(csvHeader());
      for await (const page of b.scan(filter)) {
        await write(page.map((r) => formatRow(r, format)).join(''));
        n += page.length;
      }
    });
    if (o.out) {
      await new Promise<void>((resolve, reject) =>
        (out as fs.WriteStream).end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      process.stderr.write(`exported ${n} predictions to ${o.out}\n`);
    }
  });

  storeOption(
    logs
      .command('prune')
      .description('delete old predictions: by age (--max-age) and/or to a size (--max-size)')
      .option('--max-age <duration>', 'delete predictions older than this, e.g. 30d')
      .option('--max-size <size>', 'then delete the oldest until the log is at most this, e.g. 2GB')
      .option('--json', 'print the report as JSON'),
  ).action(async (o: { maxAge?: string; maxSize?: string; store?: string; json?: boolean }) => {
    if (o.maxAge === undefined && o.maxSize === undefined) {
      throw new SentioError('CLI_USAGE', 'give --max-age and/or --max-size');
    }
    const report = await withMonitor(o, false, (b) =>
      b.prune({
        ...(o.maxAge !== undefined
          ? { before: Date.now() - parseDuration(o.maxAge, '--max-age') }
          : {}),
        ...(o.maxSize !== undefined ? { maxBytes: parseSize(o.maxSize, '--max-size') } : {}),
      }),
    );
    if (o.json) return printJson(report);
    process.stdout.write(
      `deleted ${report.deletedPredictions} predictions, ${report.deletedFeedback} feedback labels, ${report.deletedBuckets} token buckets; log ${bytes(report.bytesBefore)} → ${bytes(report.bytesAfter)}\n`,
    );
  });
}
