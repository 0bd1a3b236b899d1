/**
 * How deployment results read for humans: gate tables, move summaries, the
 * history timeline, what served at an instant, and canary/shadow reports.
 * `--json` prints ts/deploy's objects as they are; these are for terminals.
 * @module
 */
import type {
  ArmReport,
  GateResult,
  HistoryEntry,
  HistoryReport,
  LatencyBound,
  MoveResult,
  RolloutReport,
  RolloutThresholds,
  ServingAt,
} from '../../deploy/index.js';
import { NO_FEEDBACK } from '../../deploy/index.js';
import type { RolloutRecord } from '../../registry/index.js';
import { color, table } from '../output.js';
import { truncate } from './registry-view.js';

/** A number as gates show it: up to 6 significant digits, "–" when absent. */
export function gateNum(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return String(Number(x.toPrecision(6)));
}

function verdict(g: GateResult): string {
  if (g.passed) return color.green(g.blocking ? 'pass' : 'pass (report only)');
  return g.blocking ? color.red('FAIL') : color.yellow('fail (report only)');
}

export function gateTable(gates: readonly GateResult[]): string {
  return table(
    ['gate', 'source', 'value', 'required', 'baseline', 'result'],
    gates.map((g) => [
      g.name,
      g.source ?? '–',
      gateNum(g.value),
      gateNum(g.required),
      gateNum(g.baseline),
      verdict(g),
    ]),
    ['left', 'left', 'right', 'right', 'right', 'left'],
  );
}

/** The message of every failed or report-only gate, one per line. */
export function gateNotes(gates: readonly GateResult[], all = false): string {
  return gates
    .filter((g) => all || !g.passed)
    .map(
      (g) =>
        `  ${g.passed ? color.dim('·') : color.red('✗')} ${g.name}${g.source ? ` [${g.source}]` : ''}: ${g.message}`,
    )
    .join('\n');
}

const VERB: Record<string, string> = {
  deploy: 'Deployed',
  promote: 'Promoted',
  rollback: 'Rolled back',
  canary_promote: 'Promoted canary',
};

function v(n: number | null): string {
  return n === null ? 'unset' : `v${n}`;
}

export function moveSummary(r: MoveResult, verb: string): string {
  const fromEnv = (r.move.details as { from_env?: string } | null)?.from_env;
  const lines = [
    `${color.green(VERB[verb] ?? verb)} ${color.bold(r.model)} ${color.cyan(r.env)}: ${v(r.fromVersion)} → ${v(r.toVersion)}${fromEnv ? ` (from ${fromEnv})` : ''}${r.forced ? color.yellow(' — FORCED past failing gates') : ''}`,
    color.dim(`  by ${r.move.who} at ${r.move.at}${r.move.reason ? ` — ${r.move.reason}` : ''}`),
  ];
  if (r.gates.length > 0) {
    lines.push('', gateTable(r.gates));
    const notes = gateNotes(r.gates);
    if (notes) lines.push(notes);
  }
  return lines.join('\n');
}

function gatesSummary(e: HistoryEntry): string {
  if (e.gates.length === 0) return '–';
  const failed = e.gates.filter((g) => !g.passed && g.blocking);
  if (failed.length === 0) return color.green(`${e.gates.length} passed`);
  const names = failed.map((g) => `${g.name}${g.source ? ` [${g.source}]` : ''}`).join(', ');
  return `${color.red(`${failed.length} failed`)}: ${truncate(names, 50)}`;
}

function entryVersions(e: HistoryEntry): string {
  if (e.type === 'move')
    return `${v(e.fromVersion)} → ${e.toVersion === null ? color.red('deleted') : v(e.toVersion)}`;
  return e.version === null ? '–' : v(e.version);
}

function actionCell(e: HistoryEntry): string {
  const a = e.forced ? `${e.action} ${color.yellow('(forced)')}` : e.action;
  if (e.type === 'move') return color.bold(a);
  if (/refused|aborted/.test(e.action)) return color.red(a);
  return a;
}

export function historyTable(entries: readonly HistoryEntry[]): string {
  return table(
    ['at (UTC)', 'env', 'action', 'version', 'who', 'reason', 'gates'],
    entries.map((e) => [
      e.at,
      e.env === '*' ? color.dim('(all)') : color.cyan(e.env),
      actionCell(e),
      entryVersions(e),
      e.who,
      truncate(e.reason ?? '', 40) || '–',
      gatesSummary(e),
    ]),
  );
}

/** Every entry that carries gates, with its full gate table. */
export function historyGateDetails(entries: readonly HistoryEntry[]): string {
  return entries
    .filter((e) => e.gates.length > 0)
    .map(
      (e) =>
        `${color.bold(`${e.at} ${e.env} ${e.action}`)} ${entryVersions(e)}\n${gateTable(e.gates)}`,
    )
    .join('\n\n');
}

export function servingLine(model: string, s: ServingAt): string {
  const what =
    s.version === null ? color.yellow('no version') : color.bold(`${model}@${s.version}`);
  const since = s.since
    ? ` (since ${s.since.at}, ${(s.since.details as { action?: string } | null)?.action ?? 'alias move'} by ${s.since.who})`
    : ' (nothing had moved yet)';
  const extra = s.rollouts.map((r) => `; ${r.kind} v${r.version} at ${r.percent}%`).join('');
  return `  ${color.cyan(s.env.padEnd(12))} ${what}${since}${extra}`;
}

export function historyText(h: HistoryReport): string {
  const lines: string[] = [];
  if (h.at) {
    lines.push(color.bold(`Serving at ${h.at.time}:`));
    if (h.at.serving.length === 0) lines.push('  no environment of this model had moved by then');
    for (const s of h.at.serving) lines.push(servingLine(h.model, s));
    lines.push('');
  }
  lines.push(
    h.entries.length === 0
      ? `No deployment history for ${h.model}${h.env ? ` in ${h.env}` : ''} yet.`
      : historyTable(h.entries),
  );
  return lines.join('\n');
}

function pct(x: number | null, digits = 2): string {
  return x === null ? '–' : `${(x * 100).toFixed(digits)}%`;
}

function ms(b: LatencyBound): string {
  if (b === null) return '–';
  return typeof b === 'string' ? `${b}ms` : `≤${b}ms`;
}

export function thresholdsText(t: RolloutThresholds): string {
  return [
    `min requests ${t.minRequests}`,
    `max error rate ${t.maxErrorRate === null ? 'none' : pct(t.maxErrorRate)}`,
    `max p99 ${t.maxP99Ms === null ? 'none' : `${t.maxP99Ms}ms`}`,
    `max disagreement ${t.maxDisagreement === null ? 'none' : pct(t.maxDisagreement, 1)}`,
  ].join(', ');
}

export function rolloutLine(r: RolloutRecord): string {
  const state =
    r.state === 'active'
      ? color.green(r.state)
      : r.state === 'aborted'
        ? color.red(r.state)
        : color.yellow(r.state);
  return `${color.bold(`${r.kind} #${r.id}`)} ${r.model} ${color.cyan(r.env)}: candidate v${r.version} at ${r.percent}% — ${state}`;
}

function armRow(name: string, a: ArmReport, note: string): string[] {
  return [
    name,
    a.version === null ? '–' : `v${a.version}`,
    String(a.requests),
    String(a.errors),
    pct(a.errorRate),
    ms(a.p50Ms),
    ms(a.p95Ms),
    ms(a.p99Ms),
    a.accuracy === null
      ? note === NO_FEEDBACK
        ? note
        : 'n/a (0 labelled)'
      : `${pct(a.accuracy, 1)} (${a.labelled} labelled)`,
  ];
}

export function rolloutReportText(r: RolloutReport): string {
  const ro = r.rollout;
  const lines = [
    rolloutLine(ro),
    color.dim(`  started ${ro.startedAt} by ${ro.startedBy}${ro.reason ? ` — ${ro.reason}` : ''}`),
  ];
  if (ro.endedAt) {
    lines.push(
      color.dim(
        `  ended ${ro.endedAt} by ${ro.endedBy ?? '?'}${ro.endReason ? ` — ${ro.endReason}` : ''}`,
      ),
    );
  }
  lines.push(`  thresholds: ${thresholdsText(r.thresholds)}`);
  lines.push(
    `  instances: ${r.instances.length === 0 ? 'none reported yet' : r.instances.map((i) => `${i.instance} (${i.updatedAt})`).join(', ')}`,
  );
  lines.push(
    '',
    table(
      ['arm', 'version', 'requests', 'errors', 'error rate', 'p50', 'p95', 'p99', 'accuracy'],
      [
        armRow('stable', r.arms.stable, r.accuracyNote),
        armRow(r.kind === 'shadow' ? 'shadow' : 'candidate', r.arms.candidate, r.accuracyNote),
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  const ag = r.agreement;
  lines.push(
    '',
    `Agreement: ${pct(ag.rate, 1)} of ${ag.compared} texts scored by both${ag.dropped > 0 ? ` (${ag.dropped} comparisons dropped: queue full)` : ''}`,
  );
  if (ag.perClass.length > 0) {
    lines.push(
      '',
      table(
        ['stable label', 'compared', 'agreed', 'agreement'],
        ag.perClass.map((c) => [c.label, String(c.compared), String(c.agreed), pct(c.rate, 1)]),
        ['left', 'right', 'right', 'right'],
      ),
    );
    const { labels, matrix } = ag.confusion;
    lines.push(
      '',
      color.dim('Confusion (rows: stable label, columns: candidate label)'),
      table(
        ['stable \\ candidate', ...labels],
        labels.map((l, i) => [l, ...(matrix[i] ?? []).map(String)]),
        ['left', ...labels.map(() => 'right' as const)],
      ),
    );
  }
  lines.push(
    '',
    r.breach
      ? `${color.red('Threshold crossed')}: ${r.breach.message}`
      : `Thresholds: ${color.green('none crossed')}${r.arms.candidate.requests < r.thresholds.minRequests ? color.dim(` (judged from ${r.thresholds.minRequests} candidate requests; ${r.arms.candidate.requests} so far)`) : ''}`,
  );
  if (r.endDetails !== null && r.endDetails !== undefined && ro.state === 'aborted') {
    const d = r.endDetails as { message?: string };
    lines.push(`${color.red('Aborted')}: ${d.message ?? JSON.stringify(r.endDetails)}`);
  }
  return lines.join('\n');
}
