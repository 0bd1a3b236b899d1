/**
 * `sentio canary start|stop|status|promote` and `sentio shadow
 * start|stop|report`: candidate versions an environment carries next to its
 * stable version. Servers following the store route (canary) or mirror
 * (shadow) traffic, report counters, and abort on a threshold breach; these
 * commands start and stop rollouts and read the merged counters.
 * @module
 */
import type { Command } from 'commander';
import {
  canaryPromote,
  canaryStart,
  canaryStatus,
  canaryStop,
  checkThreshold,
  type RolloutThresholds,
  shadowReport,
  shadowStart,
  shadowStop,
} from '../../deploy/index.js';
import { SentioError } from '../../errors/index.js';
import type { RolloutKind, RolloutRecord } from '../../registry/index.js';
import { color, printJson } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { reportRefusal } from './deploy.js';
import { moveSummary, rolloutLine, rolloutReportText, thresholdsText } from './deploy-view.js';

interface RolloutCliOptions {
  store?: string;
  json?: boolean;
  env: string;
  reason?: string;
  percent?: string;
  minRequests?: string;
  maxErrorRate?: string;
  maxP99Ms?: string;
  maxDisagreement?: string;
  force?: boolean;
  gateData?: string;
}

const FLAGS: Array<[keyof RolloutThresholds, string, string]> = [
  ['minRequests', '--min-requests <n>', 'judge thresholds only after this many candidate requests'],
  [
    'maxErrorRate',
    '--max-error-rate <rate>',
    'abort above this candidate error rate (0..1, or none)',
  ],
  ['maxP99Ms', '--max-p99-ms <ms>', 'abort above this candidate p99 latency (ms, or none)'],
  [
    'maxDisagreement',
    '--max-disagreement <rate>',
    'abort when more than this share of texts get another label (0..1, or none)',
  ],
];

function flagName(key: keyof RolloutThresholds): string {
  return (FLAGS.find(([k]) => k === key)?.[1] ?? key).split(' ')[0] as string;
}

/** Threshold flags as given: numbers, `none` for "no limit". */
export function thresholdFlags(opts: RolloutCliOptions): Partial<RolloutThresholds> {
  const out: Partial<RolloutThresholds> = {};
  for (const [key] of FLAGS) {
    const raw = opts[key];
    if (raw === undefined) continue;
    const text = raw.trim().toLowerCase();
    const value: unknown =
      key !== 'minRequests' && (text === 'none' || text === 'off')
        ? null
        : text === ''
          ? Number.NaN
          : Number(text);
    (out as Record<string, number | null>)[key] = checkThreshold(
      key,
      value,
      flagName(key),
      'DEPLOY_BAD_OPTION',
    );
  }
  return out;
}

export function parsePercent(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim().replace(/%$/, ''));
  if (!Number.isFinite(n)) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `--percent: expected a number in (0, 100], got "${text}"`,
    );
  }
  return n;
}

function startedText(r: RolloutRecord): string {
  return `${color.green('Started')} ${rolloutLine(r)}\n  thresholds: ${thresholdsText(r.thresholds as RolloutThresholds)}\n${color.dim(`  servers following the store pick it up within a second; watch it with: sentio ${r.kind} ${r.kind === 'canary' ? 'status' : 'report'} ${r.model} --env ${r.env}`)}\n`;
}

function registerKind(program: Command, kind: RolloutKind): void {
  const group = program
    .command(kind)
    .description(
      kind === 'canary'
        ? 'send a share of an environment’s traffic to a candidate version; status; stop; promote through the gates'
        : 'score a copy of an environment’s traffic with a candidate after each response; report; stop',
    );
  const envOpt = (cmd: Command) =>
    cmd.option('--env <env>', 'environment carrying the candidate', 'production');

  const start = envOpt(
    group
      .command('start')
      .description(
        kind === 'canary'
          ? 'start a canary: --percent of requests (split by a stable key) answered by the candidate'
          : 'start a shadow: the candidate scores --percent of requests (default 100) off the hot path',
      )
      .argument('<ref>', 'the candidate: NAME@VERSION'),
  );
  if (kind === 'canary')
    start.requiredOption('--percent <p>', 'share of traffic for the candidate, e.g. 10');
  else start.option('--percent <p>', 'share of traffic mirrored to the candidate', '100');
  for (const [, flag, help] of FLAGS)
    start.option(flag, `${help} (default: the policy's, else built in)`);
  storeOption(
    start
      .option('--reason <text>', 'why (kept in the history)')
      .option('--json', 'print the rollout as JSON'),
  ).action(async (ref: string, opts: RolloutCliOptions) => {
    const percent = parsePercent(opts.percent);
    const thresholds = thresholdFlags(opts);
    const fn = kind === 'canary' ? canaryStart : shadowStart;
    await withRegistry(opts, 'update', async (reg) => {
      const r = await fn(reg, {
        ref,
        env: opts.env,
        ...(percent !== undefined ? { percent } : {}),
        thresholds,
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      if (opts.json) return printJson(r);
      process.stdout.write(startedText(r));
    });
  });

  storeOption(
    envOpt(
      group
        .command('stop')
        .description(`end the active ${kind}; all traffic goes to the stable version`)
        .argument('<model>', 'model name'),
    )
      .option('--reason <text>', 'why (kept in the history)')
      .option('--json', 'print the ended rollout as JSON'),
  ).action(async (model: string, opts: RolloutCliOptions) => {
    const fn = kind === 'canary' ? canaryStop : shadowStop;
    await withRegistry(opts, 'update', async (reg) => {
      const r = await fn(reg, {
        model,
        env: opts.env,
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      if (opts.json) return printJson(r);
      process.stdout.write(`${color.green('Stopped')} ${rolloutLine(r)}\n`);
    });
  });

  const reportName = kind === 'canary' ? 'status' : 'report';
  storeOption(
    envOpt(
      group
        .command(reportName)
        .description(
          `the active (else the last) ${kind}: requests per arm, error rates, latency percentiles, agreement per class with a confusion table, thresholds`,
        )
        .argument('<model>', 'model name'),
    ).option('--json', 'print the report as JSON'),
  ).action(async (model: string, opts: RolloutCliOptions) => {
    const fn = kind === 'canary' ? canaryStatus : shadowReport;
    await withRegistry(opts, 'read', async (reg) => {
      const r = await fn(reg, { model, env: opts.env });
      if (opts.json) return printJson(r);
      process.stdout.write(`${rolloutReportText(r)}\n`);
    });
  });

  if (kind === 'canary') {
    storeOption(
      envOpt(
        group
          .command('promote')
          .description(
            'finish the canary: move the environment to the candidate through the same gates as promote',
          )
          .argument('<model>', 'model name'),
      )
        .option('--reason <text>', 'why (kept in the history)')
        .option(
          '--gate-data <file>',
          'labelled data both versions are scored on for the metric gates',
        )
        .option('--force', 'move even if gates fail (recorded as forced)')
        .option('--json', 'print the move (or the refused gates) as JSON'),
    ).action(async (model: string, opts: RolloutCliOptions) => {
      await withRegistry(opts, 'update', async (reg) => {
        try {
          const r = await canaryPromote(reg, undefined, {
            model,
            env: opts.env,
            ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
            ...(opts.force ? { force: true } : {}),
            ...(opts.gateData !== undefined ? { gateData: opts.gateData } : {}),
          });
          if (opts.json) return printJson(r);
          process.stdout.write(`${moveSummary(r, 'canary_promote')}\n`);
        } catch (e) {
          reportRefusal(e, opts.json, 'the canary keeps running.');
          throw e;
        }
      });
    });
  }
}

export function registerRollouts(program: Command): void {
  registerKind(program, 'canary');
  registerKind(program, 'shadow');
}
