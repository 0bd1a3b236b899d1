/**
 * Metric gate expressions as a policy writes them:
 *
 *   accuracy >= 0.85              absolute bound
 *   macro_f1 >= prod - 0.01       relative to the environment's current version
 *   log_loss <= prod + 0.02       (`prod` and `current` mean the same thing)
 *
 * Parsing is strict (a typo must not silently disable a gate); evaluation is
 * a pure function of two numbers so both gate sources share it.
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { GateOp, MetricGate } from './types.js';

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`;
const EXPR = new RegExp(
  String.raw`^\s*([a-z_][a-z0-9_]*)\s*(>=|<=|>|<)\s*(?:(${NUMBER})|(prod|current)\s*(?:([+-])\s*(${NUMBER}))?)\s*$`,
  'i',
);

const HELP =
  'expected METRIC OP NUMBER or METRIC OP prod [+|- NUMBER], OP one of >= <= > < (e.g. "accuracy >= 0.85", "macro_f1 >= prod - 0.01")';

/** Parse one gate; `field` names where it came from (e.g. `gates.production[0]`). */
export function parseGate(text: unknown, field: string): MetricGate {
  if (typeof text !== 'string') {
    throw new SentioError('DEPLOY_BAD_POLICY', `${field}: expected a string, ${HELP}`, { field });
  }
  const m = EXPR.exec(text);
  if (!m) {
    throw new SentioError('DEPLOY_BAD_POLICY', `${field}: "${text}": ${HELP}`, { field, text });
  }
  const metric = (m[1] as string).toLowerCase();
  const op = m[2] as GateOp;
  if (m[3] !== undefined) {
    const value = Number(m[3]);
    return { text: `${metric} ${op} ${fmt(value)}`, metric, op, relative: false, value };
  }
  const sign = m[5] === '-' ? -1 : 1;
  const value = m[6] === undefined ? 0 : sign * Number(m[6]);
  const rhs = value === 0 ? 'prod' : `prod ${value < 0 ? '-' : '+'} ${fmt(Math.abs(value))}`;
  return { text: `${metric} ${op} ${rhs}`, metric, op, relative: true, value };
}

/** Shortest exact decimal of a number (no float noise like 0.30000000000000004 in messages). */
export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(12)));
}

/** The bound a value must meet: absolute, or baseline + offset (null when there is no baseline). */
export function requiredBound(gate: MetricGate, baseline: number | null): number | null {
  if (!gate.relative) return gate.value;
  if (baseline === null) return null;
  // Round away float noise so `0.9 - 0.01` is 0.89, exactly as a reader expects.
  return Number((baseline + gate.value).toPrecision(12));
}

export function compare(value: number, op: GateOp, bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '<':
      return value < bound;
  }
}

/** The opposite operator, for failure messages ("0.81 < 0.85"). */
export function negate(op: GateOp): string {
  return { '>=': '<', '<=': '>', '>': '≤', '<': '≥' }[op];
}
