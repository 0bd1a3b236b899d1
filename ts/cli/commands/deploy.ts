/**
 * `sentio deploy | promote | rollback | approve`: moving environments from
 * the command line, through ts/deploy's gates. A refused move prints its
 * gate table (or, with --json, `{ refused: true, gates }`) and exits with
 * DEPLOY_GATE_FAILED's status.
 * @module
 */
import type { Command } from 'commander';
import {
  approve,
  deploy,
  type GateResult,
  type MoveResult,
  promote,
  rollback,
} from '../../deploy/index.js';
import { SentioError } from '../../errors/index.js';
import { color, printJson } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { gateNotes, gateTable, moveSummary } from './deploy-view.js';

interface CommonOpts {
  store?: string;
  json?: boolean;
  reason?: string;
}

interface GatedOpts extends CommonOpts {
  force?: boolean;
  gateData?: string;
}

/**
 * A refused move shows its gates before main reports the error: a table on
 * stderr, or `{ refused: true, code, message, gates }` on stdout with --json.
 */
export function reportRefusal(e: unknown, json: boolean | undefined, outcome: string): void {
  const gates = (e as SentioError).details?.gates as GateResult[] | undefined;
  if (!(e instanceof SentioError) || e.code !== 'DEPLOY_GATE_FAILED' || !Array.isArray(gates)) {
    return;
  }
  if (json) {
    printJson({ refused: true, code: e.code, message: e.message, gates });
    return;
  }
  process.stderr.write(
    `${color.red('Refused')}: ${outcome}\n\n${gateTable(gates)}\n${gateNotes(gates)}\n\n`,
  );
}

/** Run a gated move and print it (or its refusal). */
async function gated(opts: GatedOpts, verb: string, run: () => Promise<MoveResult>) {
  let r: MoveResult;
  try {
    r = await run();
  } catch (e) {
    reportRefusal(e, opts.json, 'the environment was not moved.');
    throw e;
  }
  if (opts.json) return printJson(r);
  process.stdout.write(`${moveSummary(r, verb)}\n`);
}

function gateOpts(opts: GatedOpts) {
  return {
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    ...(opts.force ? { force: true } : {}),
    ...(opts.gateData !== undefined ? { gateData: opts.gateData } : {}),
  };
}

function withGateFlags(cmd: Command): Command {
  return cmd
    .option('--reason <text>', 'why (kept in the history)')
    .option(
      '--gate-data <file>',
      'labelled data both the candidate and the current version are scored on for the metric gates',
    )
    .option(
      '--force',
      'move even if gates fail (recorded as forced; a corrupt model file is still refused)',
    )
    .option('--json', 'print the move (or the refused gates) as JSON');
}

export function parseVersionNumber(text: string, flag: string): number {
  const t = text.trim().replace(/^v/i, '');
  if (!/^\d+$/.test(t)) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `${flag}: expected a version number, got "${text}"`,
      {
        flag,
      },
    );
  }
  return Number(t);
}

export function registerDeploy(program: Command): void {
  storeOption(
    withGateFlags(
      program
        .command('deploy')
        .description(
          'point an environment at a version; the gates the model declares for that environment apply',
        )
        .argument('<ref>', 'NAME@VERSION (or NAME@ALIAS, NAME@latest)')
        .requiredOption(
          '--env <env>',
          'environment (staging, production, or one declared with sentio env add)',
        ),
    ),
  ).action(async (ref: string, opts: GatedOpts & { env: string }) => {
    await withRegistry(opts, 'update', (reg) =>
      gated(opts, 'deploy', () =>
        deploy(reg, undefined, { ref, env: opts.env, ...gateOpts(opts) }),
      ),
    );
  });

  storeOption(
    withGateFlags(
      program
        .command('promote')
        .description(
          'move the version one environment runs into another (default staging → production), only if the gates pass',
        )
        .argument('<model>', 'model name')
        .option('--from <env>', 'environment whose version is promoted', 'staging')
        .option('--to <env>', 'environment that moves', 'production'),
    ),
  ).action(async (model: string, opts: GatedOpts & { from: string; to: string }) => {
    await withRegistry(opts, 'update', (reg) =>
      gated(opts, 'promote', () =>
        promote(reg, undefined, { model, from: opts.from, to: opts.to, ...gateOpts(opts) }),
      ),
    );
  });

  storeOption(
    program
      .command('rollback')
      .description(
        'return an environment to the version it ran before (or --to VERSION), without gates, in one step',
      )
      .argument('<model>', 'model name')
      .requiredOption('--env <env>', 'environment to roll back')
      .option('--to <version>', 'this version instead of the previous one')
      .option('--reason <text>', 'why (kept in the history)')
      .option('--json', 'print the move as JSON'),
  ).action(async (model: string, opts: CommonOpts & { env: string; to?: string }) => {
    const to = opts.to === undefined ? undefined : parseVersionNumber(opts.to, '--to');
    await withRegistry(opts, 'update', async (reg) => {
      const r = await rollback(reg, {
        model,
        env: opts.env,
        ...(to !== undefined ? { to } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      if (opts.json) return printJson(r);
      process.stdout.write(`${moveSummary(r, 'rollback')}\n`);
    });
  });

  storeOption(
    program
      .command('approve')
      .description(
        'approve a version for an environment whose policy asks for approval; it counts for any mover but you',
      )
      .argument('<ref>', 'NAME@VERSION (or NAME@ALIAS)')
      .option('--env <env>', 'environment the approval is for', 'production')
      .option('--note <text>', 'a note kept with the approval')
      .option('--json', 'print the approval as JSON'),
  ).action(async (ref: string, opts: CommonOpts & { env: string; note?: string }) => {
    if (!ref.includes('@')) {
      throw new SentioError('DEPLOY_BAD_OPTION', `say which version you approve: ${ref}@VERSION`, {
        ref,
      });
    }
    await withRegistry(opts, 'update', async (reg) => {
      const a = await approve(reg, {
        ref,
        env: opts.env,
        ...(opts.note !== undefined ? { note: opts.note } : {}),
      });
      if (opts.json) return printJson(a);
      process.stdout.write(
        `${color.green('Approved')} ${color.bold(`${a.model}@${a.version}`)} for ${color.cyan(a.env)} by ${a.approvedBy}${a.note ? ` — ${a.note}` : ''}\n${color.dim('  it counts when someone else moves the version (approvals by the mover themself do not)')}\n`,
      );
    });
  });
}
