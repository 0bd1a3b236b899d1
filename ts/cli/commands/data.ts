/**
 * `sentio data inspect|pull|list`: look at a dataset before training on it,
 * fetch a known public dataset into the verified cache, list the known ones.
 * @module
 */
import path from 'node:path';
import type { Command } from 'commander';
import {
  CATALOG,
  DATA_FORMATS,
  type DataFormat,
  type InspectReport,
  inspectDataset,
  isDataFormat,
  type PullResult,
  pullDataset,
} from '../../data/index.js';
import { SentioError } from '../../errors/index.js';
import { bar, color, num, printJson, table } from '../output.js';
import { type Progress, progress } from '../progress.js';

interface InspectOpts {
  textColumn?: string;
  labelColumn?: string;
  format?: string;
  top: string;
  rawLabels?: boolean;
  json?: boolean;
}

interface PullOpts {
  mirror?: string;
  cache?: string;
  force?: boolean;
  json?: boolean;
}

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('inspect datasets and pull known public ones into a local cache');

  data
    .command('inspect')
    .description('rows, label balance, text lengths, duplicates, empties and top tokens per class')
    .argument('<file>', 'a .csv, .tsv, .jsonl or .txt file, optionally .gz')
    .option('--text-column <name>', 'column (or JSONL key) holding the text (default: text)')
    .option(
      '--label-column <name>',
      'column (or JSONL key) holding the label (default: label, if present; when given, it must exist)',
    )
    .option(
      '--format <format>',
      `override the format taken from the extension (${DATA_FORMATS.join('|')})`,
    )
    .option('--top <n>', 'tokens listed per class', '10')
    .option('--raw-labels', 'keep labels as written (no trimming or lowercasing)')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, opts: InspectOpts) => {
      await runInspect(file, opts);
    });

  data
    .command('pull')
    .description(
      'download a known dataset from its official address (or copy it from a mirror) into the cache, verified by sha256',
    )
    .argument('<name>', 'dataset name (see `sentio data list`)')
    .option(
      '--mirror <dir>',
      'copy from a local mirror laid out like <dir>/<name>/<file> (default: env SENTIO_DATA_MIRROR)',
    )
    .option(
      '--cache <dir>',
      'cache directory (default: $SENTIO_CACHE/datasets, else ~/.cache/sentio/datasets)',
    )
    .option('--force', 'pull again even if the cache already holds verified files')
    .option('--json', 'print one JSON object instead of a table')
    .action(async (name: string, opts: PullOpts) => {
      await runPull(name, opts);
    });

  data
    .command('list')
    .description('known public datasets and where they come from')
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }) => {
      runList(opts);
    });
}

function usage(message: string): SentioError {
  return new SentioError('CLI_USAGE', message);
}

/** A progress bar over bytes, created on the first report (the total is known then). */
function byteProgress(label: string): {
  onProgress: (done: number, total: number) => void;
  finish: () => void;
} {
  let p: Progress | undefined;
  let started = 0;
  return {
    onProgress(done, total) {
      if (p === undefined) {
        p = progress(label, Math.ceil(total / 1024), 'kB');
        started = performance.now();
      }
      // No drawing in the first 200 ms: a rate over a few microseconds is noise.
      if (done < total && performance.now() - started < 200) return;
      p.update(done >= total ? Math.ceil(total / 1024) : Math.floor(done / 1024));
    },
    finish() {
      p?.done();
    },
  };
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = n / 1024;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[u]}`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

async function runInspect(file: string, opts: InspectOpts): Promise<void> {
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 0)
    throw usage(`--top: expected a whole number, got "${opts.top}"`);
  if (opts.format !== undefined && !isDataFormat(opts.format)) {
    throw usage(`--format: expected one of ${DATA_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const p = byteProgress(`reading ${path.basename(file)}`);
  const report = await inspectDataset(file, {
    ...(opts.format ? { format: opts.format as DataFormat } : {}),
    ...(opts.textColumn ? { textColumn: opts.textColumn } : {}),
    // An explicitly named label column must exist; the default one is optional.
    ...(opts.labelColumn ? { labelColumn: opts.labelColumn, labels: 'required' as const } : {}),
    normalizeLabels: !opts.rawLabels,
    top,
    onProgress: p.onProgress,
  });
  p.finish();
  if (opts.json) printJson(report);
  else process.stdout.write(renderInspect(file, report));
}

export function renderInspect(file: string, r: InspectReport): string {
  const out: string[] = [];
  const gz = r.gzip ? ' (gzip)' : '';
  out.push(
    `${color.bold(file)} · ${r.format}${gz} · ${fmtBytes(r.bytes)} · sha256 ${r.sha256.slice(0, 16)}…`,
  );
  const s = r.stats;
  const skipped =
    s.skipped > 0
      ? ` (${Object.entries(s.skippedReasons)
          .map(([why, n]) => `${int(n)} ${why}`)
          .join(', ')})`
      : '';
  out.push(
    `rows: ${int(s.read)} read, ${color.bold(int(s.kept))} kept, ${int(s.skipped)} skipped${skipped}` +
      (s.blankLines > 0 ? `; ${int(s.blankLines)} blank lines ignored` : ''),
  );
  out.push(
    `columns: text = ${JSON.stringify(r.columns.text)}, label = ${r.columns.label === null ? 'none' : JSON.stringify(r.columns.label)}`,
  );
  out.push('');

  if (r.labels.length > 0) {
    out.push(
      table(
        ['label', 'rows', 'share', ''],
        r.labels.map((l) => [
          l.label,
          int(l.count),
          `${(l.share * 100).toFixed(1)}%`,
          bar(l.share),
        ]),
        ['left', 'right', 'right', 'left'],
      ),
    );
    const imb = r.imbalance ?? 1;
    const note =
      r.labels.length === 1
        ? color.yellow(' (one class only: nothing to learn)')
        : imb >= 3
          ? color.yellow(' (imbalanced)')
          : '';
    out.push(`${r.labels.length} classes; largest/smallest = ${num(imb, 2)}${note}`);
  } else {
    out.push('no labels');
  }
  out.push('');

  const L = r.length;
  out.push(
    `text length (characters): min ${int(L.min)} · median ${int(L.p50)} · mean ${int(L.mean)} · p90 ${int(L.p90)} · max ${int(L.max)}`,
  );
  const maxCount = Math.max(1, ...L.histogram.map((b) => b.count));
  const label = (b: { from: number; to: number | null }) =>
    b.to === null ? `${int(b.from)}+` : `${int(b.from)}–${int(b.to - 1)}`;
  const width = Math.max(...L.histogram.map((b) => label(b).length), 0);
  for (const b of L.histogram) {
    out.push(`  ${label(b).padStart(width)}  ${bar(b.count / maxCount, 30)} ${int(b.count)}`);
  }
  out.push(
    `tokens per text: mean ${num(r.tokens.mean, 1)} · median ${num(r.tokens.p50, 0)} · p90 ${num(r.tokens.p90, 0)}; vocabulary ${int(r.tokens.vocabulary)}`,
  );
  out.push('');

  const d = r.duplicates;
  const dupNote =
    d.conflictingLabels > 0
      ? color.yellow(`; ${int(d.conflictingLabels)} texts appear with different labels`)
      : '';
  out.push(
    `duplicates: ${int(d.rows)} rows repeat an earlier text (${int(d.distinctTexts)} distinct texts)${dupNote}`,
  );
  out.push(
    `empty: ${int(r.empty.text)} rows with empty text, ${int(r.empty.label)} with empty label (skipped)`,
  );
  out.push('');

  const classes = Object.keys(r.topTokens);
  if (classes.length > 0) {
    out.push(color.bold('top tokens per class'));
    const w = Math.max(...classes.map((c) => c.length));
    for (const c of classes) {
      out.push(
        `  ${c.padEnd(w)}  frequent:    ${(r.topTokens[c] ?? []).map((t) => t.token).join(', ')}`,
      );
      const dist = r.distinctiveTokens[c];
      if (dist !== undefined)
        out.push(
          `  ${' '.repeat(w)}  distinctive: ${color.cyan(dist.map((t) => t.token).join(', '))}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

async function runPull(name: string, opts: PullOpts): Promise<void> {
  let current: ReturnType<typeof byteProgress> | undefined;
  let what = '';
  const result = await pullDataset(name, {
    ...(opts.mirror ? { mirror: opts.mirror } : {}),
    ...(opts.cache ? { cacheDir: opts.cache } : {}),
    ...(opts.force ? { force: true } : {}),
    onProgress: (done, total, file) => {
      if (file !== what) {
        current?.finish();
        what = file;
        current = byteProgress(`${name}: ${file}`);
      }
      current?.onProgress(done, total);
    },
  });
  current?.finish();
  if (opts.json) printJson(result);
  else process.stdout.write(renderPull(result));
}

const VERIFIED: Record<string, string> = {
  pinned: "sha256 matches Sentio's catalog",
  recorded: 'sha256 matches the first pull into this cache',
  'first-pull': 'no known sha256: recorded now, checked on later pulls',
};

export function renderPull(r: PullResult): string {
  const out: string[] = [];
  const how =
    r.source === 'cache'
      ? `already cached (pulled from ${r.from})`
      : r.source === 'mirror'
        ? `copied from mirror ${r.from}`
        : `downloaded from ${r.from}`;
  out.push(
    `${color.bold(r.name)}: ${r.files.length} file${r.files.length === 1 ? '' : 's'} in ${r.path}, ${how}`,
  );
  if (r.archive) {
    out.push(
      `archive ${path.basename(r.archive.path)} (${fmtBytes(r.archive.bytes)}): ${VERIFIED[r.archive.verified]}`,
    );
  }
  out.push(
    table(
      ['file', 'size', 'sha256', 'verified'],
      r.details.map((d) => [
        d.name,
        fmtBytes(d.bytes),
        `${d.sha256.slice(0, 16)}…`,
        (r.archive ? 'converted from the verified archive' : (VERIFIED[d.verified] ?? d.verified)) +
          (d.matchesReference === true
            ? '; identical to the reference CSV'
            : d.matchesReference === false
              ? '; differs from the reference CSV'
              : ''),
      ]),
      ['left', 'right', 'left', 'left'],
    ),
  );
  return `${out.join('\n')}\n`;
}

function runList(opts: { json?: boolean }): void {
  if (opts.json) {
    printJson(
      CATALOG.map((d) => ({
        name: d.name,
        aliases: d.aliases,
        title: d.title,
        classes: d.classes,
        files: d.files,
        official: d.official ? { url: d.official.url, sha256: d.official.sha256 ?? null } : null,
        homepage: d.homepage,
        license: d.license,
        citation: d.citation,
        ...(d.note ? { note: d.note } : {}),
      })),
    );
    return;
  }
  process.stdout.write(
    `${table(
      ['name', 'classes', 'files', 'official source'],
      CATALOG.map((d) => [
        color.bold(d.name),
        String(d.classes.length),
        d.files.map((f) => f.name).join(', '),
        d.official
          ? `${d.official.url}${d.official.sha256 ? '' : color.dim(' (no published sha256)')}`
          : color.dim(`mirror only: ${d.note ?? 'no public download address'}`),
      ]),
    )}\n`,
  );
  process.stdout.write(
    `\n${CATALOG.map((d) => `${color.bold(d.name)}: ${d.title}. License: ${d.license}.`).join('\n')}\n`,
  );
}
