/**
 * `sentio monitor report NAME`: drift verdicts and live performance of a
 * model's traffic over a window, against the version's reference profile
 * and offline metrics. A table for humans, `--json` for scripts (top-level
 * `drift`, then each signal with value, threshold and verdict), `--html FILE`
 * for a self-contained report with charts.
 * @module
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import {
  type DeepPartial,
  type MonitorReport,
  monitorReport,
  openMonitorStore,
  parseWindow,
  renderHtmlReport,
  SIGNAL_NAMES,
  type SignalName,
  type Thresholds,
} from '../../monitor/index.js';
import { color, num, printJson, table } from '../output.js';
import { openRegistry, resolveStoreDir, storeOption } from '../store.js';

interface ReportOptions {
  window: string;
  version?: string;
  threshold: string[];
  json?: boolean;
  html?: string;
  store?: string;
}

/** `token_js=0.3` or `token_js.minWindow=500`. */
function parseThresholds(args: readonly string[]): DeepPartial<Thresholds> {
  const out: Record<string, Record<string, number>> = {};
  for (const a of args) {
    const m = /^([a-z_]+)(?:\.([A-Za-z]+))?=([0-9.eE+-]+)$/.exec(a.trim());
    const value = Number(m?.[3]);
    if (!m || !SIGNAL_NAMES.includes(m[1] as SignalName) || !Number.isFinite(value)) {
      throw new SentioError(
        'MONITOR_BAD_OPTION',
        `--threshold ${JSON.stringify(a)}: expected SIGNAL=NUMBER or SIGNAL.minWindow=N with SIGNAL one of ${SIGNAL_NAMES.join(', ')}`,
        { option: '--threshold', value: a },
      );
    }
    const key = m[2] ?? 'threshold';
    out[m[1] as string] = { ...(out[m[1] as string] ?? {}), [key]: value };
  }
  return out as DeepPartial<Thresholds>;
}

function view(r: MonitorReport): string {
  const when = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString());
  const lines = [
    `${color.bold(`${r.model}@${r.version}`)}: ${r.drift ? color.red('DRIFT') : color.green('no drift')}  (${r.window.text}: ${r.window.predictions} predictions, ${when(r.window.from)} → ${when(r.window.to)})`,
    '',
    table(
      ['signal', 'value', 'drift when', 'verdict', 'n', 'method'],
      Object.values(r.signals).map((s) => [
        s.name,
        num(s.value),
        `${s.direction === 'above' ? '>' : '<'} ${num(s.threshold)}`,
        s.verdict === 'drift'
          ? color.red(s.verdict)
          : s.verdict === 'ok'
            ? color.green(s.verdict)
            : color.yellow(s.verdict),
        String(s.n),
        s.reason ?? s.method,
      ]),
      ['left', 'right', 'right', 'left', 'right', 'left'],
    ),
  ];
  const moved = r.signals.token_js.moved ?? [];
  if (moved.length > 0) {
    lines.push(
      '',
      `tokens that moved most: ${moved
        .slice(0, 10)
        .map((m) => `${m.token} ${(m.reference * 100).toFixed(2)}%→${(m.live * 100).toFixed(2)}%`)
        .join(', ')}`,
    );
  }
  const p = r.performance;
  lines.push(
    '',
    `live performance (offline evaluation: accuracy ${num(p.offline.accuracy)}, macro F1 ${num(p.offline.macroF1)})`,
    table(
      ['arm', 'predictions', 'labelled', 'accuracy', 'expected acc.', 'macro F1', 'ECE'],
      p.arms.map((a) => [
        a.arm,
        String(a.predictions),
        String(a.labelled),
        num(a.accuracy),
        num(a.expectedAccuracy),
        num(a.macroF1),
        num(a.ece),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  if (r.otherVersions.length > 0) {
    lines.push(
      color.dim(
        `other versions in the window: ${r.otherVersions.map((v) => `@${v.version} (${v.predictions})`).join(', ')} — see --version`,
      ),
    );
  }
  return lines.join('\n');
}

export function registerMonitor(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('drift and live performance of served models');
  storeOption(
    monitor
      .command('report')
      .description('drift verdict per signal and live performance over a window of traffic')
      .argument('<name>', 'model name')
      .option(
        '--window <window>',
        'a duration (15m, 1h, 7d) or a number of predictions (10000)',
        '1h',
      )
      .option(
        '--version <n>',
        'model version (default: the one with most predictions in the window)',
      )
      .option(
        '--threshold <signal=value>',
        'override a threshold, e.g. token_js=0.3 or oov_rate.minWindow=500 (repeatable)',
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--json', 'print the report as JSON')
      .option('--html <file>', 'also write a self-contained HTML report with charts'),
  ).action(async (name: string, o: ReportOptions) => {
    const window = parseWindow(o.window);
    const thresholds = parseThresholds(o.threshold);
    let version: number | undefined;
    if (o.version !== undefined) {
      version = Number(o.version);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new SentioError(
          'MONITOR_BAD_OPTION',
          `--version: expected a version number, got "${o.version}"`,
          {
            option: '--version',
          },
        );
      }
    }
    const backend = await openMonitorStore(resolveStoreDir(o), { readonly: true });
    const registry = await openRegistry(o, 'read');
    let report: MonitorReport;
    try {
      report = await monitorReport({
        backend,
        registry,
        model: name,
        window,
        thresholds,
        ...(version !== undefined ? { version } : {}),
      });
    } finally {
      await registry.close();
      await backend.close();
    }
    if (o.html) fs.writeFileSync(o.html, renderHtmlReport(report));
    if (o.json) return printJson(report);
    process.stdout.write(`${view(report)}\n`);
    if (o.html) process.stdout.write(color.dim(`HTML report: ${o.html}\n`));
  });
}
