/**
 * Alert rules: the defaults every model gets, and reading a model's rule
 * document (YAML or JSON, snake_case keys like policy files) into typed
 * rules, with an error naming the rule and the field.
 *
 *   defaults: true           # start from DEFAULT_RULES (default true)
 *   rules:
 *     - name: drift           # a default's name: only the fields given change
 *       for: 30m
 *     - name: token_drift     # a new rule needs a kind
 *       kind: drift
 *       signal: token_js
 *       threshold: 0.3
 *       severity: critical
 *     - name: latency_p99
 *       enabled: false
 *
 * Defaults (and why): drift on any signal past its own line for 10m
 * (warning; the lines are part 1's, set on IMDB); measured accuracy more
 * than 0.05 under the offline accuracy with ≥ 100 labels for 15m (critical);
 * expected accuracy more than 0.1 under its evaluation-set value for 15m
 * (warning; NB is under-confident, so a relative line); error rate > 5 % of
 * ≥ 100 requests for 5m (critical); p99 latency > 250 ms for 10m (warning;
 * scoring takes well under 1 ms, so this is a stalled process); volume down
 * more than 50 % against the previous window (≥ 100 before) for 15m
 * (warning); a rollout aborted within 1h, at once (critical).
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { SIGNAL_NAMES, type SignalName } from '../signals.js';
import { type AlertRule, RULE_KINDS, type RuleKind, SEVERITIES, type Severity } from './types.js';

/** The default rule set, as a document (what `rules show` prints for a model with none). */
export const DEFAULT_RULE_DOCUMENTS: ReadonlyArray<Readonly<Record<string, unknown>>> = [
  { name: 'drift', kind: 'drift', for: '10m', severity: 'warning' },
  {
    name: 'accuracy',
    kind: 'accuracy',
    max_drop: 0.05,
    min_labelled: 100,
    for: '15m',
    severity: 'critical',
  },
  {
    name: 'expected_accuracy',
    kind: 'expected_accuracy',
    max_drop: 0.1,
    min_predictions: 100,
    for: '15m',
    severity: 'warning',
  },
  {
    name: 'error_rate',
    kind: 'error_rate',
    above: 0.05,
    min_requests: 100,
    for: '5m',
    severity: 'critical',
  },
  {
    name: 'latency_p99',
    kind: 'latency_p99',
    above: '250ms',
    min_predictions: 100,
    for: '10m',
    severity: 'warning',
  },
  {
    name: 'volume_drop',
    kind: 'volume_drop',
    max_drop: 0.5,
    min_previous: 100,
    for: '15m',
    severity: 'warning',
  },
  {
    name: 'rollout_aborted',
    kind: 'rollout_aborted',
    lookback: '1h',
    for: '0s',
    severity: 'critical',
  },
];

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

class Reader {
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly where: string,
  ) {}

  fail(field: string, message: string): never {
    throw new SentioError('ALERT_RULES_INVALID', `${this.where}: ${field}: ${message}`, {
      where: this.where,
      field,
    });
  }

  has(key: string): boolean {
    return this.doc[key] !== undefined && this.doc[key] !== null;
  }

  string(key: string): string | undefined {
    const v = this.doc[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, 'expected a non-empty string');
    return v.trim();
  }

  number(key: string, min: number, max = Number.POSITIVE_INFINITY): number | undefined {
    const v = this.doc[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(key, `expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  count(key: string): number | undefined {
    const v = this.number(key, 0);
    if (v !== undefined && !Number.isSafeInteger(v)) this.fail(key, 'expected a whole number');
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.doc[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** "10m", "250ms", "0s" or 0 → ms. */
  duration(key: string): number | undefined {
    const v = this.doc[key];
    if (v === undefined || v === null) return undefined;
    if (v === 0) return 0;
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(v) : undefined;
    if (!m)
      this.fail(
        key,
        `expected a duration such as 0s, 250ms, 30s, 10m or 1h, got ${JSON.stringify(v)}`,
      );
    return Number(m[1]) * (UNIT_MS[(m[2] as string).toLowerCase()] as number);
  }

  /** Keys not in `known` are a typo, not something to ignore. */
  only(known: readonly string[]): void {
    for (const k of Object.keys(this.doc)) {
      if (!known.includes(k)) this.fail(k, `unknown field (known: ${known.join(', ')})`);
    }
  }
}

const COMMON = ['name', 'kind', 'for', 'severity', 'enabled', 'description'];
const FIELDS: Record<RuleKind, readonly string[]> = {
  drift: ['signal', 'signals', 'threshold', 'thresholds'],
  accuracy: ['below', 'max_drop', 'min_labelled'],
  expected_accuracy: ['below', 'max_drop', 'min_predictions'],
  error_rate: ['above', 'min_requests'],
  latency_p99: ['above', 'min_predictions'],
  volume_drop: ['max_drop', 'min_previous'],
  rollout_aborted: ['lookback'],
};

function signalName(r: Reader, field: string, v: unknown): SignalName {
  if (typeof v !== 'string' || !SIGNAL_NAMES.includes(v as SignalName)) {
    r.fail(field, `unknown signal ${JSON.stringify(v)} (known: ${SIGNAL_NAMES.join(', ')})`);
  }
  return v as SignalName;
}

function driftFields(r: Reader, doc: Record<string, unknown>) {
  let signals: SignalName[] = [...SIGNAL_NAMES];
  if (r.has('signal') && r.has('signals')) r.fail('signal', 'give signal or signals, not both');
  if (r.has('signal')) signals = [signalName(r, 'signal', doc.signal)];
  if (r.has('signals')) {
    if (!Array.isArray(doc.signals) || doc.signals.length === 0) {
      r.fail('signals', 'expected a non-empty list of signal names');
    }
    signals = [...new Set(doc.signals.map((s, i) => signalName(r, `signals[${i}]`, s)))];
  }
  const thresholds: Partial<Record<SignalName, number>> = {};
  if (r.has('threshold')) {
    if (signals.length !== 1) {
      r.fail('threshold', 'one threshold needs exactly one signal; use thresholds: { SIGNAL: N }');
    }
    thresholds[signals[0] as SignalName] = r.number('threshold', 0) as number;
  }
  if (r.has('thresholds')) {
    const t = doc.thresholds;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      r.fail('thresholds', 'expected a map of signal name to number');
    }
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      const name = signalName(r, `thresholds.${k}`, k);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        r.fail(`thresholds.${k}`, 'expected a number ≥ 0');
      }
      thresholds[name] = v;
    }
  }
  return { signals, thresholds };
}

function belowOrDrop(r: Reader, kind: string) {
  const below = r.number('below', 0, 1) ?? null;
  let maxDrop = r.number('max_drop', 0, 1) ?? null;
  if (below !== null && maxDrop !== null) r.fail('below', 'give below or max_drop, not both');
  if (below === null && maxDrop === null) maxDrop = kind === 'accuracy' ? 0.05 : 0.1;
  return { below, maxDrop };
}

/** One rule document (already merged onto its default, if any) → a typed rule. */
export function parseRule(doc: unknown, where: string): AlertRule {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SentioError('ALERT_RULES_INVALID', `${where}: expected a map of rule fields`, {
      where,
    });
  }
  const d = doc as Record<string, unknown>;
  const r = new Reader(d, where);
  const name = r.string('name') ?? r.fail('name', 'every rule needs a name');
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
    r.fail('name', `"${name}": 1-64 lowercase letters, digits or "_", starting with a letter`);
  }
  const kind =
    r.string('kind') ?? r.fail('kind', `a new rule needs a kind (${RULE_KINDS.join(', ')})`);
  if (!RULE_KINDS.includes(kind as RuleKind)) {
    r.fail('kind', `unknown kind "${kind}" (known: ${RULE_KINDS.join(', ')})`);
  }
  const k = kind as RuleKind;
  r.only([...COMMON, ...FIELDS[k]]);
  const severity = (r.string('severity') ?? 'warning') as Severity;
  if (!SEVERITIES.includes(severity)) {
    r.fail('severity', `expected one of ${SEVERITIES.join(', ')}, got "${severity}"`);
  }
  const description = r.string('description');
  const base = {
    name,
    forMs: r.duration('for') ?? 0,
    severity,
    enabled: r.bool('enabled') ?? true,
    ...(description !== undefined ? { description } : {}),
  };
  switch (k) {
    case 'drift':
      return { ...base, kind: k, ...driftFields(r, d) };
    case 'accuracy':
      return {
        ...base,
        kind: k,
        ...belowOrDrop(r, k),
        minLabelled: r.count('min_labelled') ?? 100,
      };
    case 'expected_accuracy':
      return {
        ...base,
        kind: k,
        ...belowOrDrop(r, k),
        minPredictions: r.count('min_predictions') ?? 100,
      };
    case 'error_rate':
      return {
        ...base,
        kind: k,
        above: r.number('above', 0, 1) ?? 0.05,
        minRequests: r.count('min_requests') ?? 100,
      };
    case 'latency_p99':
      return {
        ...base,
        kind: k,
        aboveMs: r.duration('above') ?? 250,
        minPredictions: r.count('min_predictions') ?? 100,
      };
    case 'volume_drop':
      return {
        ...base,
        kind: k,
        maxDrop: r.number('max_drop', 0, 1) ?? 0.5,
        minPrevious: r.count('min_previous') ?? 100,
      };
    case 'rollout_aborted':
      return { ...base, kind: k, lookbackMs: r.duration('lookback') ?? 3_600_000 };
  }
}

/** Fields where giving one replaces the other (an override's `below` drops the default's `max_drop`). */
const ALTERNATIVES: ReadonlyArray<readonly string[]> = [
  ['below', 'max_drop'],
  ['signal', 'signals'],
];

function withoutAlternatives(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const group of ALTERNATIVES) {
    if (group.some((k) => over[k] !== undefined)) for (const k of group) delete out[k];
  }
  return out;
}

export interface ParsedRuleDocument {
  /** The document in canonical form (what is stored). */
  document: Record<string, unknown>;
  rules: AlertRule[];
}

/**
 * A model's rule document → its effective rules: the defaults (unless
 * `defaults: false`) with same-named entries merged over them, then the
 * new rules, in order. ALERT_RULES_INVALID names `source` and the rule.
 */
export function parseRuleDocument(doc: unknown, source: string): ParsedRuleDocument {
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SentioError(
      'ALERT_RULES_INVALID',
      `${source}: expected a map with "rules" (and optionally "defaults: false")`,
      { where: source },
    );
  }
  const top = new Reader(doc as Record<string, unknown>, source);
  top.only(['defaults', 'rules']);
  const useDefaults = top.bool('defaults') ?? true;
  const list = (doc as Record<string, unknown>).rules ?? [];
  if (!Array.isArray(list)) top.fail('rules', 'expected a list of rules');
  const given = list as unknown[];
  const byName = new Map<string, Record<string, unknown>>();
  const order: string[] = [];
  if (useDefaults) {
    for (const d of DEFAULT_RULE_DOCUMENTS) {
      byName.set(d.name as string, { ...d });
      order.push(d.name as string);
    }
  }
  const seen = new Set<string>();
  for (const [i, entry] of given.entries()) {
    const where = `${source}: rules[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new SentioError('ALERT_RULES_INVALID', `${where}: expected a map of rule fields`, {
        where,
      });
    }
    const e = entry as Record<string, unknown>;
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === '') new Reader(e, where).fail('name', 'every rule needs a name');
    if (seen.has(name)) new Reader(e, where).fail('name', `"${name}" appears twice`);
    seen.add(name);
    const base = byName.get(name);
    if (base !== undefined && e.kind !== undefined && e.kind !== base.kind) {
      new Reader(e, where).fail(
        'kind',
        `"${name}" is a default ${String(base.kind)} rule; give it another name for a ${String(e.kind)} rule`,
      );
    }
    if (base === undefined) order.push(name);
    byName.set(name, { ...withoutAlternatives(base ?? {}, e), ...e });
  }
  const rules = order.map((name) => parseRule(byName.get(name), `${source}: rule "${name}"`));
  return {
    document: { defaults: useDefaults, rules: given.map((e) => ({ ...(e as object) })) },
    rules,
  };
}

/** The default rules, typed. */
export function defaultRules(): AlertRule[] {
  return parseRuleDocument({}, 'default rules').rules;
}

function durationText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A rule back to document form (snake_case, durations as text), for printing. */
export function ruleDocument(rule: AlertRule): Record<string, unknown> {
  const out: Record<string, unknown> = { name: rule.name, kind: rule.kind };
  switch (rule.kind) {
    case 'drift':
      out.signals = rule.signals;
      if (Object.keys(rule.thresholds).length > 0) out.thresholds = rule.thresholds;
      break;
    case 'accuracy':
    case 'expected_accuracy':
      if (rule.below !== null) out.below = rule.below;
      if (rule.maxDrop !== null) out.max_drop = rule.maxDrop;
      if (rule.kind === 'accuracy') out.min_labelled = rule.minLabelled;
      else out.min_predictions = rule.minPredictions;
      break;
    case 'error_rate':
      out.above = rule.above;
      out.min_requests = rule.minRequests;
      break;
    case 'latency_p99':
      out.above = durationText(rule.aboveMs);
      out.min_predictions = rule.minPredictions;
      break;
    case 'volume_drop':
      out.max_drop = rule.maxDrop;
      out.min_previous = rule.minPrevious;
      break;
    case 'rollout_aborted':
      out.lookback = durationText(rule.lookbackMs);
      break;
  }
  out.for = durationText(rule.forMs);
  out.severity = rule.severity;
  if (!rule.enabled) out.enabled = false;
  if (rule.description !== undefined) out.description = rule.description;
  return out;
}

/** One line saying when a rule fires, for tables. */
export function ruleCondition(rule: AlertRule): string {
  switch (rule.kind) {
    case 'drift': {
      const over = Object.entries(rule.thresholds).map(([s, t]) => `${s}>${t}`);
      const which =
        rule.signals.length === SIGNAL_NAMES.length ? 'any signal' : rule.signals.join(', ');
      return `drift on ${which}${over.length ? ` (lines: ${over.join(', ')})` : ''}`;
    }
    case 'accuracy':
    case 'expected_accuracy': {
      const what = rule.kind === 'accuracy' ? 'accuracy' : 'expected accuracy';
      const min =
        rule.kind === 'accuracy'
          ? `≥ ${rule.minLabelled} labelled`
          : `≥ ${rule.minPredictions} predictions`;
      const line =
        rule.below !== null
          ? `< ${rule.below}`
          : `< ${rule.kind === 'accuracy' ? 'offline' : 'evaluation-set'} − ${rule.maxDrop}`;
      return `${what} ${line} (${min})`;
    }
    case 'error_rate':
      return `error rate > ${rule.above} (≥ ${rule.minRequests} requests)`;
    case 'latency_p99':
      return `p99 latency > ${durationText(rule.aboveMs)} (≥ ${rule.minPredictions} predictions)`;
    case 'volume_drop':
      return `volume down > ${Math.round(rule.maxDrop * 100)}% vs previous window (≥ ${rule.minPrevious} before)`;
    case 'rollout_aborted':
      return `a rollout aborted in the last ${durationText(rule.lookbackMs)}`;
  }
}

export { durationText };
