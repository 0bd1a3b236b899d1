/**
 * deploy, promote and rollback: the three ways an environment moves.
 * deploy and promote go through the gates (gated-move.ts); rollback returns
 * to what the environment ran before, without gates — the point of a
 * rollback is to be fast when the current version is the problem.
 * @module
 */
import type { Engine } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import { parseRef, type Registry } from '../registry/index.js';
import { requireEnv } from './environments.js';
import { gatedMove } from './gated-move.js';
import { resolveWho } from './identity.js';
import type { MoveDetails, MoveResult, Who } from './types.js';

export interface GateOptions {
  reason?: string;
  force?: boolean;
  /** Labelled file both versions are re-scored on for the metric gates. */
  gateData?: string;
}

export interface DeployOptions extends Who, GateOptions {
  /** NAME@VERSION or NAME@ALIAS. */
  ref: string;
  env: string;
}

/** Point `env` at a version; the model's gates for `env` (if any) apply. */
export async function deploy(
  reg: Registry,
  engine: Engine | undefined,
  opts: DeployOptions,
): Promise<MoveResult> {
  const { model } = parseRef(opts.ref);
  if (!opts.ref.includes('@')) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `say which version to deploy: ${model}@VERSION (or ${model}@ALIAS, ${model}@latest)`,
      { ref: opts.ref },
    );
  }
  await requireEnv(reg, opts.env);
  const candidate = await reg.resolve(opts.ref);
  return gatedMove(reg, engine, {
    model: candidate.model,
    env: opts.env,
    candidate,
    action: 'deploy',
    who: resolveWho(opts),
    ...gateOpts(opts),
  });
}

export interface PromoteOptions extends Who, GateOptions {
  model: string;
  /** Default staging. */
  from?: string;
  /** Default production. */
  to?: string;
}

/** Move the version `from` runs into `to`, only if the gates for `to` pass. */
export async function promote(
  reg: Registry,
  engine: Engine | undefined,
  opts: PromoteOptions,
): Promise<MoveResult> {
  const from = opts.from ?? 'staging';
  const to = opts.to ?? 'production';
  if (from === to) {
    throw new SentioError('DEPLOY_BAD_OPTION', `--from and --to are both "${from}"`, { from, to });
  }
  await requireEnv(reg, from);
  await requireEnv(reg, to);
  const m = await reg.getModel(opts.model);
  const version = m.aliases[from];
  if (version === undefined) {
    throw new SentioError(
      'DEPLOY_NOTHING_TO_DO',
      `${from} of ${m.name} points at no version: deploy one there first (sentio deploy ${m.name}@VERSION --env ${from})`,
      { model: m.name, from },
    );
  }
  const candidate = await reg.getVersion(m.name, version);
  return gatedMove(reg, engine, {
    model: m.name,
    env: to,
    candidate,
    action: 'promote',
    who: resolveWho(opts),
    fromEnv: from,
    ...gateOpts(opts),
  });
}

export function gateOpts(o: GateOptions): GateOptions {
  return {
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.force !== undefined ? { force: o.force } : {}),
    ...(o.gateData !== undefined ? { gateData: o.gateData } : {}),
  };
}

export interface RollbackOptions extends Who {
  model: string;
  env: string;
  /** A named version instead of the previous one. */
  to?: number;
  reason?: string;
}

/**
 * Back to the version `env` ran before the current one (its last move's
 * `fromVersion`), or to `to`. No gates; one conditional move.
 */
export async function rollback(reg: Registry, opts: RollbackOptions): Promise<MoveResult> {
  await requireEnv(reg, opts.env);
  const m = await reg.getModel(opts.model);
  const current = m.aliases[opts.env] ?? null;
  let target: number;
  if (opts.to !== undefined) {
    target = (await reg.getVersion(m.name, opts.to)).version;
  } else {
    const moves = await reg.aliasHistory(m.name, opts.env);
    const last = moves[moves.length - 1];
    if (last === undefined || last.fromVersion === null) {
      throw new SentioError(
        'DEPLOY_NO_PREVIOUS',
        last === undefined
          ? `${opts.env} of ${m.name} has never moved: nothing to roll back to`
          : `${opts.env} of ${m.name} ran no version before v${last.toVersion}: name one with --to VERSION`,
        { model: m.name, env: opts.env },
      );
    }
    target = last.fromVersion;
  }
  if (target === current) {
    throw new SentioError(
      'DEPLOY_NOTHING_TO_DO',
      `${opts.env} of ${m.name} already runs v${target}`,
      {
        model: m.name,
        env: opts.env,
        version: target,
      },
    );
  }
  const details: MoveDetails = { action: 'rollback', forced: false, gates: [] };
  const move = await reg.moveEnvironment(m.name, opts.env, target, {
    who: resolveWho(opts),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    details,
    expectFrom: current,
  });
  return {
    model: m.name,
    env: opts.env,
    fromVersion: current,
    toVersion: target,
    forced: false,
    gates: [],
    move,
  };
}
