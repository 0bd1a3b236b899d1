/**
 * The one path every gated environment move takes (deploy, promote, canary
 * promote):
 *
 *   resolve candidate + current  →  run every gate  →  refuse or move
 *
 * Gates are decided against the environment's current version; the move is
 * conditional on it still being current (`expectFrom`), so a concurrent move
 * makes this one fail with REGISTRY_CONFLICT instead of overwriting it. A
 * refusal writes only a `promote_refused` event with the gate results.
 * `force` moves past failing gates (recorded as forced) — except a model
 * file that does not verify: no server could load it.
 * @module
 */
import type { Engine } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import type { Registry, VersionRecord } from '../registry/index.js';
import { engineOrFail } from '../train/index.js';
import { approvalGate, checksumGate, parityGate, paritySample } from './checks.js';
import { type GateData, loadGateData, scoreOnGateData } from './gate-data.js';
import { evaluateMetricGates } from './metric-gates.js';
import { parityBlocks } from './policy.js';
import { getPolicy } from './policy-store.js';
import type { GateResult, ModelPolicy, MoveAction, MoveDetails, MoveResult } from './types.js';

export interface GatedMoveInput {
  model: string;
  env: string;
  candidate: VersionRecord;
  action: MoveAction;
  who: string;
  reason?: string;
  force?: boolean;
  gateData?: string;
  fromEnv?: string;
}

export interface GateRunInput {
  env: string;
  candidate: VersionRecord;
  current: VersionRecord | null;
  policy: ModelPolicy;
  mover: string;
  gateData: GateData | null;
}

/** Every gate for moving `candidate` into `env`, in report order. */
export async function runGates(
  reg: Registry,
  engine: Engine,
  input: GateRunInput,
): Promise<GateResult[]> {
  const { env, candidate, current, policy, gateData } = input;
  const gates: GateResult[] = [];
  const checksum = await checksumGate(reg, engine, candidate);
  gates.push(checksum.gate);

  const metricGates = policy.gates[env] ?? [];
  if (metricGates.length > 0) {
    gates.push(
      ...evaluateMetricGates(metricGates, {
        env,
        source: 'recorded',
        sourceLabel: `recorded metrics of v${candidate.version}`,
        candidate: { version: candidate.version, metrics: candidate.metrics },
        baseline: current ? { version: current.version, metrics: current.metrics } : null,
        decidedElsewhere: gateData !== null && checksum.bytes !== null,
      }),
    );
    if (gateData !== null && checksum.bytes !== null) {
      const candidateMetrics = await scoreOnGateData(engine, checksum.bytes, gateData);
      let baseline: { version: number; metrics: Record<string, number> } | null = null;
      if (current) {
        // A current version whose file no longer loads has no numbers: relative gates fail.
        let metrics: Record<string, number> = {};
        try {
          metrics = await scoreOnGateData(
            engine,
            await reg.artifacts.get(current.modelSha256),
            gateData,
          );
        } catch {
          metrics = {};
        }
        baseline = { version: current.version, metrics };
      }
      gates.push(
        ...evaluateMetricGates(metricGates, {
          env,
          source: 'gate-data',
          sourceLabel: gateData.label,
          candidate: { version: candidate.version, metrics: candidateMetrics },
          baseline,
        }),
      );
    }
  }

  if (checksum.bytes !== null) {
    gates.push(
      await parityGate(
        checksum.bytes,
        paritySample(gateData?.dataset.texts),
        parityBlocks(policy, env),
      ),
    );
  }

  if (policy.approval.includes(env)) {
    const approvals = await reg.listApprovals(candidate.model, candidate.version);
    gates.push(approvalGate(approvals, candidate.model, candidate.version, env, input.mover));
  }
  return gates;
}

function describe(g: GateResult): string {
  return `${g.name}${g.source ? ` [${g.source}]` : ''}: ${g.message}`;
}

export async function gatedMove(
  reg: Registry,
  engineIn: Engine | undefined,
  input: GatedMoveInput,
): Promise<MoveResult> {
  const { model, env, candidate, who } = input;
  const currentVersion = (await reg.getModel(model)).aliases[env] ?? null;
  if (currentVersion === candidate.version) {
    throw new SentioError(
      'DEPLOY_NOTHING_TO_DO',
      `${env} of ${model} already runs v${candidate.version}`,
      { model, env, version: candidate.version },
    );
  }
  // Bad gate data is an input error: nothing is decided or recorded.
  const gateData = input.gateData ? await loadGateData(input.gateData) : null;
  const engine = await engineOrFail(engineIn);
  const policy = await getPolicy(reg, model);
  const current = currentVersion === null ? null : await reg.getVersion(model, currentVersion);
  const gates = await runGates(reg, engine, {
    env,
    candidate,
    current,
    policy,
    mover: who,
    gateData,
  });

  const failed = gates.filter((g) => !g.passed && g.blocking);
  const unforceable = failed.filter((g) => g.kind === 'checksum');
  const refused = failed.length > 0 && (!input.force || unforceable.length > 0);
  const reason = input.reason;
  if (refused) {
    await reg.recordEvent(
      { model, env, kind: 'promote_refused', version: candidate.version },
      {
        who,
        ...(reason !== undefined ? { reason } : {}),
        details: {
          action: input.action,
          forced: false,
          gates,
          fromVersion: currentVersion,
          ...(input.fromEnv ? { from_env: input.fromEnv } : {}),
          ...(input.force ? { force_refused: 'the model file does not verify' } : {}),
        },
      },
    );
    const shown = input.force ? unforceable : failed;
    throw new SentioError(
      'DEPLOY_GATE_FAILED',
      `${input.action} of ${model}@${candidate.version} to ${env} refused (${shown.length} gate${shown.length === 1 ? '' : 's'} failed): ${shown.map(describe).join('; ')}${input.force ? ' (--force cannot skip a model file that does not verify)' : ''}`,
      { model, env, version: candidate.version, gates },
    );
  }

  const forced = failed.length > 0;
  const details: MoveDetails = {
    action: input.action,
    forced,
    gates,
    ...(input.fromEnv ? { from_env: input.fromEnv } : {}),
  };
  const move = await reg.moveEnvironment(model, env, candidate.version, {
    who,
    ...(reason !== undefined ? { reason } : {}),
    details,
    expectFrom: currentVersion,
  });
  return {
    model,
    env,
    fromVersion: currentVersion,
    toVersion: candidate.version,
    forced,
    gates,
    move,
  };
}
