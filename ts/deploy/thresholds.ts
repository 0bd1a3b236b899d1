/**
 * Canary/shadow abort thresholds from three layers: the built-in defaults
 * (stats.ts), the model policy's `canary:` section, and what the start
 * command gives. Validation names the field so a bad flag, body key or
 * policy entry says exactly what to fix.
 * @module
 */
import { SentioError } from '../errors/index.js';
import { DEFAULT_THRESHOLDS, type RolloutThresholds } from './stats.js';

type Key = keyof RolloutThresholds;

/** Policy (snake_case) spelling of each threshold. */
export const THRESHOLD_KEYS: Record<Key, string> = {
  minRequests: 'min_requests',
  maxErrorRate: 'max_error_rate',
  maxP99Ms: 'max_p99_ms',
  maxDisagreement: 'max_disagreement',
};

/**
 * Validate one threshold; `field` names it in errors. `code` is the error
 * code to raise (DEPLOY_BAD_POLICY for files, DEPLOY_BAD_OPTION for flags).
 */
export function checkThreshold(
  key: Key,
  value: unknown,
  field: string,
  code: 'DEPLOY_BAD_POLICY' | 'DEPLOY_BAD_OPTION',
): number | null {
  // Flags spell "no limit" as `none`, files and bodies as null.
  const none = code === 'DEPLOY_BAD_OPTION' ? 'none' : 'null';
  const bad = (want: string) =>
    new SentioError(
      code,
      `${field}: expected ${want.replace(/null$/, none)}, got ${JSON.stringify(value)}`,
      {
        field,
        value,
      },
    );
  if (key === 'minRequests') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw bad('a whole number ≥ 1');
    }
    return value;
  }
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw bad(key === 'maxP99Ms' ? 'milliseconds > 0 or null' : 'a rate in [0, 1] or null');
  }
  if (key === 'maxP99Ms') {
    if (value <= 0) throw bad('milliseconds > 0 or null');
  } else if (value < 0 || value > 1) {
    throw bad('a rate in [0, 1] (e.g. 0.05 for 5%) or null');
  }
  return value;
}

/** Validate a partial set given by a caller (camelCase keys); unknown keys are errors. */
export function validateThresholds(
  input: unknown,
  code: 'DEPLOY_BAD_POLICY' | 'DEPLOY_BAD_OPTION',
  prefix = 'thresholds',
): Partial<RolloutThresholds> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SentioError(code, `${prefix}: expected an object`, { field: prefix });
  }
  const out: Partial<RolloutThresholds> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (!(k in THRESHOLD_KEYS)) {
      throw new SentioError(
        code,
        `${prefix}.${k}: unknown threshold (expected ${Object.keys(THRESHOLD_KEYS).join(', ')})`,
        { field: `${prefix}.${k}` },
      );
    }
    const key = k as Key;
    const checked = checkThreshold(key, v, `${prefix}.${k}`, code);
    (out as Record<Key, number | null>)[key] = checked;
  }
  return out;
}

/** Defaults ← policy ← explicit, as the full object stored on the rollout. */
export function resolveThresholds(
  policy: Partial<RolloutThresholds>,
  given: Partial<RolloutThresholds> = {},
): RolloutThresholds {
  return { ...DEFAULT_THRESHOLDS, ...policy, ...given };
}

/** Read a stored rollout's thresholds back (older or foreign rows fall back to defaults). */
export function storedThresholds(value: unknown): RolloutThresholds {
  const out: RolloutThresholds = { ...DEFAULT_THRESHOLDS };
  if (value === null || typeof value !== 'object') return out;
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(THRESHOLD_KEYS) as Key[]) {
    const x = v[key];
    if (key === 'minRequests') {
      if (typeof x === 'number') out.minRequests = x;
    } else if (x === null || typeof x === 'number') {
      out[key] = x;
    }
  }
  return out;
}
