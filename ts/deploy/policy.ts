/**
 * A model's deployment policy: which metric gates guard which environment,
 * whether the native/WASM parity gate blocks, which environments need an
 * approval, and canary defaults. Parsed strictly from YAML/JSON — every
 * error is DEPLOY_BAD_POLICY naming the field (`gates.production[1]`,
 * `canary.max_error_rate`), because a mistyped gate must never pass as "no
 * gate". Stored in the registry in its canonical document form.
 *
 *   gates:
 *     production: [accuracy >= 0.85, macro_f1 >= prod - 0.01]
 *   parity: true
 *   approval: [production]
 *   canary: { min_requests: 200, max_error_rate: 0.05, max_disagreement: 0.25 }
 * @module
 */
import { SentioError } from '../errors/index.js';
import { isAliasName } from '../registry/index.js';
import { parseGate } from './gate-expr.js';
import type { RolloutThresholds } from './stats.js';
import { checkThreshold, THRESHOLD_KEYS } from './thresholds.js';
import type { MetricGate, ModelPolicy } from './types.js';

const TOP_KEYS = ['gates', 'parity', 'approval', 'canary'] as const;

export function emptyPolicy(): ModelPolicy {
  return { gates: {}, parity: null, approval: [], canary: {} };
}

function bad(field: string, message: string, source: string): SentioError {
  return new SentioError('DEPLOY_BAD_POLICY', `${source}: ${field}: ${message}`, {
    source,
    field,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function envName(name: string, field: string, source: string): string {
  if (!isAliasName(name)) {
    throw bad(
      field,
      `"${name}" is not a valid environment name (letters, digits, _ and -, starting with a letter)`,
      source,
    );
  }
  return name;
}

/** A list given as one string or an array of strings. */
function stringList(v: unknown, field: string, source: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw bad(field, 'expected a list', source);
  return list.map((x, i) => {
    if (typeof x !== 'string') throw bad(`${field}[${i}]`, 'expected a string', source);
    return x;
  });
}

/**
 * Validate a parsed YAML/JSON document. `source` (a file name, "stored
 * policy", "request body") prefixes every message.
 */
export function parsePolicy(value: unknown, source: string): ModelPolicy {
  const policy = emptyPolicy();
  if (value === null || value === undefined) return policy;
  if (!isObject(value))
    throw bad('(top level)', 'expected a mapping of gates, parity, approval, canary', source);
  for (const key of Object.keys(value)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      throw bad(key, `unknown key (expected ${TOP_KEYS.join(', ')})`, source);
    }
  }
  const { gates, parity, approval, canary } = value;

  if (gates !== undefined && gates !== null) {
    if (!isObject(gates))
      throw bad('gates', 'expected a mapping of environment → list of gates', source);
    for (const [env, list] of Object.entries(gates)) {
      envName(env, `gates.${env}`, source);
      const texts = list === null ? [] : stringList(list, `gates.${env}`, source);
      policy.gates[env] = texts.map((t, i) => {
        try {
          return parseGate(t, `gates.${env}[${i}]`);
        } catch (e) {
          throw bad(`gates.${env}[${i}]`, (e as Error).message.replace(/^[^:]*: /, ''), source);
        }
      });
    }
  }

  if (parity !== undefined && parity !== null) {
    if (typeof parity !== 'boolean') throw bad('parity', 'expected true or false', source);
    policy.parity = parity;
  }

  if (approval !== undefined && approval !== null) {
    if (typeof approval === 'boolean') {
      throw bad('approval', 'expected a list of environments (e.g. [production])', source);
    }
    policy.approval = [
      ...new Set(
        stringList(approval, 'approval', source).map((e, i) =>
          envName(e, `approval[${i}]`, source),
        ),
      ),
    ];
  }

  if (canary !== undefined && canary !== null) {
    if (!isObject(canary)) throw bad('canary', 'expected a mapping of thresholds', source);
    const byPolicyKey = new Map(
      Object.entries(THRESHOLD_KEYS).map(([k, snake]) => [snake, k as keyof RolloutThresholds]),
    );
    for (const [k, v] of Object.entries(canary)) {
      const key = byPolicyKey.get(k);
      if (key === undefined) {
        throw bad(
          `canary.${k}`,
          `unknown threshold (expected ${[...byPolicyKey.keys()].join(', ')})`,
          source,
        );
      }
      try {
        (policy.canary as Record<string, number | null>)[key] = checkThreshold(
          key,
          v,
          `canary.${k}`,
          'DEPLOY_BAD_POLICY',
        );
      } catch (e) {
        throw bad(`canary.${k}`, (e as Error).message.replace(/^[^:]*: /, ''), source);
      }
    }
  }
  return policy;
}

/** The canonical document form (what is stored, shown by `policy show --json`, and parses back). */
export function policyDocument(p: ModelPolicy): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (Object.keys(p.gates).length > 0) {
    doc.gates = Object.fromEntries(
      Object.entries(p.gates).map(([env, list]) => [env, list.map((g: MetricGate) => g.text)]),
    );
  }
  if (p.parity !== null) doc.parity = p.parity;
  if (p.approval.length > 0) doc.approval = [...p.approval];
  const canary = Object.entries(p.canary).filter(([, v]) => v !== undefined);
  if (canary.length > 0) {
    doc.canary = Object.fromEntries(
      canary.map(([k, v]) => [THRESHOLD_KEYS[k as keyof RolloutThresholds], v]),
    );
  }
  return doc;
}

/** Environments a policy names (gates and approvals), for existence checks. */
export function policyEnvironments(p: ModelPolicy): string[] {
  return [...new Set([...Object.keys(p.gates), ...p.approval])].sort();
}

/** Whether the parity gate blocks a move to `env`. */
export function parityBlocks(p: ModelPolicy, env: string): boolean {
  return p.parity ?? (p.gates[env]?.length ?? 0) > 0;
}
