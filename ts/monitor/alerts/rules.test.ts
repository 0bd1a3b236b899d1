// Rule documents: the documented defaults, partial overrides of a default by
// name, new rules, disabling, `defaults: false`, and ALERT_RULES_INVALID
// errors that name the file, the rule and the field. Then each rule kind
// evaluated on hand-made snapshots.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SIGNAL_NAMES, type Signal } from '../signals.js';
import { driftLine, evaluateRules } from './evaluate.js';
import { defaultRules, parseRuleDocument, ruleCondition, ruleDocument } from './rules.js';
import type { AlertRule, SignalSnapshot } from './types.js';

const MIN = 60_000;

describe('alert rules', () => {
  test('defaults: one rule per kind, with the documented lines', () => {
    const rules = defaultRules();
    assert.deepEqual(
      rules.map((r) => [r.name, r.kind, r.forMs / MIN, r.severity]),
      [
        ['drift', 'drift', 10, 'warning'],
        ['accuracy', 'accuracy', 15, 'critical'],
        ['expected_accuracy', 'expected_accuracy', 15, 'warning'],
        ['error_rate', 'error_rate', 5, 'critical'],
        ['latency_p99', 'latency_p99', 10, 'warning'],
        ['volume_drop', 'volume_drop', 15, 'warning'],
        ['rollout_aborted', 'rollout_aborted', 0, 'critical'],
      ],
    );
    assert.deepEqual(rules.map(ruleCondition), [
      'drift on any signal',
      'accuracy < offline − 0.05 (≥ 100 labelled)',
      'expected accuracy < evaluation-set − 0.1 (≥ 100 predictions)',
      'error rate > 0.05 (≥ 100 requests)',
      'p99 latency > 250ms (≥ 100 predictions)',
      'volume down > 50% vs previous window (≥ 100 before)',
      'a rollout aborted in the last 1h',
    ]);
    // Document form round-trips.
    const again = parseRuleDocument({ defaults: false, rules: rules.map(ruleDocument) }, 'x').rules;
    assert.deepEqual(again, rules);
  });

  test('a default is overridden field by field; new rules follow; disabled rules stay listed', () => {
    const { rules, document } = parseRuleDocument(
      {
        rules: [
          { name: 'drift', for: '30m', signals: ['token_js', 'oov_rate'] },
          { name: 'latency_p99', enabled: false },
          {
            name: 'token_strict',
            kind: 'drift',
            signal: 'token_js',
            threshold: 0.3,
            severity: 'critical',
          },
          { name: 'accuracy', below: 0.8, min_labelled: 50 },
        ],
      },
      'rules.yml',
    );
    const byName = new Map(rules.map((r) => [r.name, r]));
    assert.equal(rules.length, 8);
    assert.equal(rules[7]?.name, 'token_strict');
    const drift = byName.get('drift') as Extract<AlertRule, { kind: 'drift' }>;
    assert.equal(drift.forMs, 30 * MIN);
    assert.equal(drift.severity, 'warning');
    assert.deepEqual(drift.signals, ['token_js', 'oov_rate']);
    assert.equal(byName.get('latency_p99')?.enabled, false);
    const strict = byName.get('token_strict') as Extract<AlertRule, { kind: 'drift' }>;
    assert.deepEqual(strict.thresholds, { token_js: 0.3 });
    const acc = byName.get('accuracy') as Extract<AlertRule, { kind: 'accuracy' }>;
    assert.equal(acc.below, 0.8);
    assert.equal(acc.maxDrop, null);
    assert.equal(acc.minLabelled, 50);
    assert.equal(document.defaults, true);
    assert.equal((document.rules as unknown[]).length, 4);
  });

  test('defaults: false keeps only the given rules', () => {
    const { rules } = parseRuleDocument(
      { defaults: false, rules: [{ name: 'aborts', kind: 'rollout_aborted', lookback: '2h' }] },
      'f',
    );
    assert.equal(rules.length, 1);
    assert.deepEqual(rules[0], {
      name: 'aborts',
      kind: 'rollout_aborted',
      lookbackMs: 2 * 3_600_000,
      forMs: 0,
      severity: 'warning',
      enabled: true,
    });
  });

  test('errors name the source, the rule and the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[1, 2], /^rules\.yml: expected a map/],
      [{ rule: [] }, /^rules\.yml: rule: unknown field \(known: defaults, rules\)/],
      [{ rules: {} }, /^rules\.yml: rules: expected a list of rules/],
      [{ rules: [{ kind: 'drift' }] }, /^rules\.yml: rules\[0\]: name: every rule needs a name/],
      [{ rules: [{ name: 'x' }] }, /rule "x": kind: a new rule needs a kind/],
      [{ rules: [{ name: 'x', kind: 'nope' }] }, /rule "x": kind: unknown kind "nope"/],
      [{ rules: [{ name: 'Bad Name', kind: 'drift' }] }, /name: "Bad Name": 1-64 lowercase/],
      [{ rules: [{ name: 'drift', for: '10 minutes' }] }, /rule "drift": for: expected a duration/],
      [
        { rules: [{ name: 'drift', severity: 'page' }] },
        /severity: expected one of info, warning, critical/,
      ],
      [{ rules: [{ name: 'drift', signal: 'tokens' }] }, /signal: unknown signal "tokens"/],
      [
        { rules: [{ name: 'drift', threshold: 0.3 }] },
        /threshold: one threshold needs exactly one signal/,
      ],
      [
        { rules: [{ name: 'accuracy', below: 0.8, max_drop: 0.1 }] },
        /below: give below or max_drop/,
      ],
      [{ rules: [{ name: 'accuracy', below: 1.5 }] }, /below: expected a number from 0 to 1/],
      [{ rules: [{ name: 'error_rate', above: 0.1, window: '5m' }] }, /window: unknown field/],
      [
        { rules: [{ name: 'drift', kind: 'accuracy' }] },
        /"drift" is a default drift rule; give it another name/,
      ],
      [
        {
          rules: [
            { name: 'a', kind: 'drift' },
            { name: 'a', kind: 'drift' },
          ],
        },
        /rules\[1\]: name: "a" appears twice/,
      ],
      [
        { rules: [{ name: 'v', kind: 'volume_drop', min_previous: 1.5 }] },
        /min_previous: expected a whole number/,
      ],
    ];
    for (const [doc, re] of bad) {
      assert.throws(
        () => parseRuleDocument(doc, 'rules.yml'),
        (e: Error & { code?: string }) => e.code === 'ALERT_RULES_INVALID' && re.test(e.message),
        `${JSON.stringify(doc)} should fail with ${re}`,
      );
    }
    // Empty documents are the defaults.
    assert.equal(parseRuleDocument(null, 'x').rules.length, 7);
  });
});

function signal(name: Signal['name'], value: number | null, over: Partial<Signal> = {}): Signal {
  return {
    name,
    value,
    threshold: 0.2,
    direction: 'above',
    verdict: value === null ? 'insufficient_data' : value > 0.2 ? 'drift' : 'ok',
    n: 1000,
    minWindow: 100,
    method: 'test',
    ...over,
  };
}

function snapshot(over: Partial<SignalSnapshot> = {}): SignalSnapshot {
  return {
    model: 'imdb',
    version: 1,
    at: 100 * MIN,
    window: { text: 'last 1h', ms: 60 * MIN, from: 40 * MIN, to: 100 * MIN, predictions: 1000 },
    drift: [],
    accuracy: { value: null, labelled: 0, offline: null },
    expectedAccuracy: { value: null, predictions: 0, reference: null },
    latencyP99Ms: { value: null, n: 0 },
    volume: { current: 1000, previous: 1000 },
    rolloutAborts: [],
    ...over,
  };
}

const rule = <K extends AlertRule['kind']>(name: K, doc: Record<string, unknown> = {}) =>
  parseRuleDocument({ defaults: false, rules: [{ name: 'r', kind: name, ...doc }] }, 't')
    .rules[0] as Extract<AlertRule, { kind: K }>;

describe('rule evaluation', () => {
  test('drift: one observation per signal, by its own line or the override', () => {
    const snap = snapshot({
      drift: [
        signal('prediction_psi', 0.01),
        signal('token_js', 0.43),
        signal('oov_rate', 0.14, { threshold: 0.081, extra: { reference: 0.031 } }),
        signal('confidence_psi', null, { reason: '50 predictions < 100' }),
        signal('text_length', 0.01, { direction: 'below', threshold: 0.05 }),
      ],
    });
    const obs = evaluateRules([rule('drift')], snap);
    assert.deepEqual(
      obs.map((o) => [o.labels.signal, o.active]),
      SIGNAL_NAMES.map((n) => [
        n,
        {
          prediction_psi: false,
          confidence_psi: null,
          token_js: true,
          oov_rate: true,
          text_length: true,
        }[n],
      ]),
    );
    const tok = obs.find((o) => o.labels.signal === 'token_js');
    assert.equal(tok?.summary, 'imdb@1: token_js 0.4300 > 0.2000 over 1000 texts');
    assert.match(
      obs.find((o) => o.labels.signal === 'confidence_psi')?.summary ?? '',
      /no verdict \(50 predictions < 100\)/,
    );
    // Overrides: token_js line 0.5; oov_rate allowed increase 0.2 over its reference 0.031.
    const loose = evaluateRules(
      [
        rule('drift', {
          thresholds: { token_js: 0.5, oov_rate: 0.2 },
          signals: ['token_js', 'oov_rate'],
        }),
      ],
      snap,
    );
    assert.deepEqual(
      loose.map((o) => [o.active, o.threshold]),
      [
        [false, 0.5],
        [false, 0.231],
      ],
    );
    // A KS p-value keeps its own line whatever the override.
    assert.equal(
      driftLine(signal('text_length', 0.01, { direction: 'below', threshold: 0.05 }), 0.3),
      0.05,
    );
    // No traffic: no verdict for any signal.
    assert.ok(
      evaluateRules([rule('drift')], snapshot({ version: null })).every((o) => o.active === null),
    );
  });

  test('accuracy: below offline − max_drop (or an absolute line), with enough labels', () => {
    const acc = (value: number, labelled: number, offline: number | null = 0.85) =>
      snapshot({ accuracy: { value, labelled, offline } });
    const r = rule('accuracy');
    assert.equal(evaluateRules([r], acc(0.79, 500))[0]?.active, true);
    assert.equal(evaluateRules([r], acc(0.81, 500))[0]?.active, false);
    assert.equal(evaluateRules([r], acc(0.5, 99))[0]?.active, null);
    assert.equal(evaluateRules([r], acc(0.5, 500, null))[0]?.active, null);
    assert.equal(
      evaluateRules([rule('accuracy', { below: 0.9 })], acc(0.85, 500, null))[0]?.active,
      true,
    );
    assert.ok(Math.abs((evaluateRules([r], acc(0.79, 500))[0]?.threshold ?? 0) - 0.8) < 1e-12);
  });

  test('expected accuracy: against the evaluation-set mean confidence', () => {
    const e = (value: number, predictions = 500) =>
      snapshot({ expectedAccuracy: { value, predictions, reference: 0.7 } });
    const r = rule('expected_accuracy');
    assert.equal(evaluateRules([r], e(0.55))[0]?.active, true);
    assert.equal(evaluateRules([r], e(0.65))[0]?.active, false);
    assert.equal(evaluateRules([r], e(0.1, 10))[0]?.active, null);
  });

  test('error rate, p99 latency, volume drop', () => {
    const er = rule('error_rate');
    assert.equal(evaluateRules([er], snapshot())[0]?.active, null); // outside the server
    assert.equal(
      evaluateRules([er], snapshot({ errors: { requests: 1000, errors: 60 } }))[0]?.active,
      true,
    );
    assert.equal(
      evaluateRules([er], snapshot({ errors: { requests: 1000, errors: 50 } }))[0]?.active,
      false,
    );
    assert.equal(
      evaluateRules([er], snapshot({ errors: { requests: 50, errors: 50 } }))[0]?.active,
      null,
    );
    const lat = rule('latency_p99');
    assert.equal(
      evaluateRules([lat], snapshot({ latencyP99Ms: { value: 300, n: 200 } }))[0]?.active,
      true,
    );
    assert.equal(
      evaluateRules([lat], snapshot({ latencyP99Ms: { value: 1.2, n: 200 } }))[0]?.active,
      false,
    );
    assert.equal(
      evaluateRules([lat], snapshot({ latencyP99Ms: { value: 300, n: 20 } }))[0]?.active,
      null,
    );
    const vol = rule('volume_drop');
    const v = (current: number, previous: number) =>
      evaluateRules([vol], snapshot({ volume: { current, previous } }))[0];
    assert.equal(v(400, 1000)?.active, true);
    assert.equal(v(400, 1000)?.value, 0.6);
    assert.equal(v(600, 1000)?.active, false);
    assert.equal(v(0, 50)?.active, null); // too little before to judge
    assert.equal(v(500, 0)?.active, false); // traffic is back
  });

  test('rollout aborts: one alert per rollout within the lookback', () => {
    const snap = snapshot({
      rolloutAborts: [
        {
          rollout: 3,
          env: 'production',
          kind: 'canary',
          version: 2,
          endedAt: 90 * MIN,
          reason: 'error_rate 0.2 > 0.05',
        },
        {
          rollout: 1,
          env: 'production',
          kind: 'canary',
          version: 1,
          endedAt: 10 * MIN,
          reason: null,
        },
      ],
    });
    const obs = evaluateRules([rule('rollout_aborted', { lookback: '1h' })], snap);
    assert.equal(obs.length, 1);
    assert.deepEqual(obs[0]?.labels, {
      env: 'production',
      kind: 'canary',
      rollout: '3',
      version: '2',
    });
    assert.equal(obs[0]?.active, true);
    assert.match(
      obs[0]?.summary ?? '',
      /canary of version 2 \(rollout 3\) aborted at .*: error_rate 0.2 > 0.05/,
    );
  });

  test('disabled rules are not evaluated', () => {
    assert.deepEqual(evaluateRules([rule('latency_p99', { enabled: false })], snapshot()), []);
  });
});
