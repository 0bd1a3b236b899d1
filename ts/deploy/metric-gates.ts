/**
 * Metric gates, evaluated on one source of numbers (the versions' recorded
 * metrics, or both versions re-scored on --gate-data). Pure: the numbers
 * come in, one GateResult per gate comes out, each message naming the
 * candidate's value and the bound it had to meet.
 * @module
 */
import { compare, fmt, negate, requiredBound } from './gate-expr.js';
import type { GateResult, GateSource, MetricGate } from './types.js';

export interface MetricSide {
  version: number;
  metrics: Record<string, number>;
}

export interface MetricGateContext {
  env: string;
  source: GateSource;
  /** How the source is named in messages, e.g. "recorded metrics" or "gate data test.csv (600 rows)". */
  sourceLabel: string;
  candidate: MetricSide;
  /** The environment's current version on the same source; null when it points nowhere. */
  baseline: MetricSide | null;
  /**
   * Recorded source only: --gate-data was given too, so a metric missing from
   * the recorded numbers is decided there instead of failing here.
   */
  decidedElsewhere?: boolean;
}

/** Six significant digits: enough to see why a gate failed, short enough to read. */
export function num(x: number): string {
  return fmt(Number(x.toPrecision(6)));
}

function metricOf(side: MetricSide | null, metric: string): number | null {
  const v = side?.metrics[metric];
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

function result(
  gate: MetricGate,
  ctx: MetricGateContext,
  r: Pick<GateResult, 'passed' | 'value' | 'required' | 'baseline' | 'message'>,
): GateResult {
  return { name: gate.text, kind: 'metric', source: ctx.source, blocking: true, ...r };
}

export function evaluateMetricGate(gate: MetricGate, ctx: MetricGateContext): GateResult {
  const { env, candidate, baseline } = ctx;
  const value = metricOf(candidate, gate.metric);
  const base = gate.relative ? metricOf(baseline, gate.metric) : null;
  const where = `(${ctx.sourceLabel})`;
  if (value === null) {
    const skip = ctx.decidedElsewhere === true;
    return result(gate, ctx, {
      passed: skip,
      value: null,
      required: gate.relative ? null : gate.value,
      baseline: base,
      message: skip
        ? `${gate.metric}: not in the recorded metrics of v${candidate.version}; decided on the gate data`
        : `${gate.metric}: v${candidate.version} has no ${gate.metric} ${where}${ctx.source === 'recorded' ? '; give --gate-data FILE to measure it' : ''}`,
    });
  }
  if (gate.relative && baseline === null) {
    return result(gate, ctx, {
      passed: true,
      value,
      required: null,
      baseline: null,
      message: `${gate.metric} ${num(value)}: ${env} points at no version yet, nothing to compare with ${where}`,
    });
  }
  if (gate.relative && base === null) {
    const skip = ctx.decidedElsewhere === true;
    return result(gate, ctx, {
      passed: skip,
      value,
      required: null,
      baseline: null,
      message: skip
        ? `${gate.metric} ${num(value)}: ${env} v${baseline?.version} has no recorded ${gate.metric}; decided on the gate data`
        : `${gate.metric} ${num(value)}: ${env} v${baseline?.version} has no ${gate.metric} to compare with ${where}${ctx.source === 'recorded' ? '; give --gate-data FILE to score both on the same data' : ''}`,
    });
  }
  const required = requiredBound(gate, base) as number;
  const passed = compare(value, gate.op, required);
  const rel = passed ? gate.op.replace('>=', '≥').replace('<=', '≤') : negate(gate.op);
  const bound =
    gate.relative && base !== null
      ? `${num(required)} = ${env} v${baseline?.version} ${num(base)} ${gate.value < 0 ? '-' : '+'} ${fmt(Math.abs(gate.value))}`
      : num(required);
  return result(gate, ctx, {
    passed,
    value,
    required,
    baseline: base,
    message: `${gate.metric} ${num(value)} ${rel} ${passed ? '' : 'required '}${bound} ${where}`,
  });
}

export function evaluateMetricGates(gates: MetricGate[], ctx: MetricGateContext): GateResult[] {
  return gates.map((g) => evaluateMetricGate(g, ctx));
}
