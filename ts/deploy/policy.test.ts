/**
 * Policy parsing and gate expressions: a valid policy round-trips through
 * its document form; every mistake is DEPLOY_BAD_POLICY naming the field;
 * metric gates compare the numbers they say, absolute and relative.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { SentioError } from '../errors/index.js';
import { compare, parseGate, requiredBound } from './gate-expr.js';
import { evaluateMetricGate } from './metric-gates.js';
import { emptyPolicy, parityBlocks, parsePolicy, policyDocument } from './policy.js';

function badPolicy(doc: unknown, field: RegExp): void {
  assert.throws(
    () => parsePolicy(doc, 'p.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof SentioError, String(e));
      assert.equal(e.code, 'DEPLOY_BAD_POLICY');
      assert.match(e.message, /^p\.yaml: /);
      assert.match(e.message, field);
      return true;
    },
  );
}

const YAML_POLICY = `
gates:
  production:
    - accuracy >= 0.85
    - macro_f1 >= prod - 0.01
    - log_loss <= prod + 0.02
  staging: [accuracy >= 0.7]
parity: true
approval: [production]
canary: { min_requests: 200, max_error_rate: 0.05, max_p99_ms: null, max_disagreement: 0.25 }
`;

describe('parsePolicy', () => {
  test('the documented example parses and round-trips through its document form', () => {
    const p = parsePolicy(parseYaml(YAML_POLICY), 'p.yaml');
    assert.deepEqual(
      p.gates.production?.map((g) => g.text),
      ['accuracy >= 0.85', 'macro_f1 >= prod - 0.01', 'log_loss <= prod + 0.02'],
    );
    assert.equal(p.gates.staging?.[0]?.value, 0.7);
    assert.equal(p.parity, true);
    assert.deepEqual(p.approval, ['production']);
    assert.deepEqual(p.canary, {
      minRequests: 200,
      maxErrorRate: 0.05,
      maxP99Ms: null,
      maxDisagreement: 0.25,
    });
    const again = parsePolicy(policyDocument(p), 'stored');
    assert.deepEqual(again, p);
  });

  test('empty, null and {} are the empty policy', () => {
    assert.deepEqual(parsePolicy(null, 'x'), emptyPolicy());
    assert.deepEqual(parsePolicy({}, 'x'), emptyPolicy());
    assert.deepEqual(policyDocument(emptyPolicy()), {});
  });

  test('errors name the field', () => {
    badPolicy([], /\(top level\): expected a mapping/);
    badPolicy({ gate: {} }, /gate: unknown key \(expected gates, parity, approval, canary\)/);
    badPolicy({ gates: ['accuracy >= 0.8'] }, /gates: expected a mapping/);
    badPolicy(
      { gates: { production: 'accuracy => 0.8' } },
      /gates\.production\[0\]: "accuracy => 0.8"/,
    );
    badPolicy(
      { gates: { production: ['accuracy >= 0.8', 'f1 >= staging'] } },
      /gates\.production\[1\]: "f1 >= staging": expected METRIC OP NUMBER/,
    );
    badPolicy({ gates: { production: [0.8] } }, /gates\.production\[0\]: expected a string/);
    badPolicy(
      { gates: { 'prod env': [] } },
      /gates\.prod env: "prod env" is not a valid environment name/,
    );
    badPolicy({ parity: 'yes' }, /parity: expected true or false/);
    badPolicy({ approval: true }, /approval: expected a list of environments/);
    badPolicy({ approval: ['production', 3] }, /approval\[1\]: expected a string/);
    badPolicy(
      { canary: { max_error: 0.1 } },
      /canary\.max_error: unknown threshold \(expected min_requests/,
    );
    badPolicy(
      { canary: { max_error_rate: 5 } },
      /canary\.max_error_rate: expected a rate in \[0, 1\]/,
    );
    badPolicy({ canary: { min_requests: 0 } }, /canary\.min_requests: expected a whole number ≥ 1/);
    badPolicy({ canary: { max_p99_ms: -1 } }, /canary\.max_p99_ms: expected milliseconds > 0/);
  });

  test('parity blocks where the policy says, by default only for environments with gates', () => {
    const p = parsePolicy({ gates: { production: ['accuracy >= 0.5'] } }, 'x');
    assert.equal(parityBlocks(p, 'production'), true);
    assert.equal(parityBlocks(p, 'staging'), false);
    assert.equal(parityBlocks({ ...p, parity: false }, 'production'), false);
    assert.equal(parityBlocks({ ...p, parity: true }, 'staging'), true);
  });
});

describe('gate expressions', () => {
  test('absolute and relative forms, spacing and case normalised', () => {
    assert.deepEqual(parseGate('accuracy>=0.85', 'g'), {
      text: 'accuracy >= 0.85',
      metric: 'accuracy',
      op: '>=',
      relative: false,
      value: 0.85,
    });
    assert.deepEqual(parseGate('  Macro_F1 >= PROD - 0.01 ', 'g'), {
      text: 'macro_f1 >= prod - 0.01',
      metric: 'macro_f1',
      op: '>=',
      relative: true,
      value: -0.01,
    });
    assert.equal(parseGate('log_loss <= current + .02', 'g').value, 0.02);
    assert.equal(parseGate('log_loss < prod', 'g').text, 'log_loss < prod');
    assert.equal(parseGate('accuracy > 8e-1', 'g').value, 0.8);
  });

  test('malformed expressions are refused with the field and the expected form', () => {
    for (const bad of [
      'accuracy',
      'accuracy >=',
      '>= 0.8',
      'accuracy == 0.8',
      'accuracy >= prod * 2',
      'acc uracy >= 1',
      'accuracy >= 0.8 0.9',
    ]) {
      assert.throws(
        () => parseGate(bad, 'gates.production[2]'),
        (e: unknown) =>
          e instanceof SentioError &&
          e.code === 'DEPLOY_BAD_POLICY' &&
          e.message.startsWith('gates.production[2]: ') &&
          /expected METRIC OP NUMBER/.test(e.message),
        bad,
      );
    }
  });

  test('bounds and comparisons', () => {
    const rel = parseGate('macro_f1 >= prod - 0.01', 'g');
    assert.equal(requiredBound(rel, 0.9), 0.89);
    assert.equal(requiredBound(rel, null), null);
    assert.equal(requiredBound(parseGate('accuracy >= 0.85', 'g'), 0.1), 0.85);
    assert.equal(compare(0.85, '>=', 0.85), true);
    assert.equal(compare(0.85, '>', 0.85), false);
    assert.equal(compare(0.2, '<=', 0.2), true);
    assert.equal(compare(0.3, '<', 0.2), false);
  });

  test('a metric gate names both numbers, the baseline and the source', () => {
    const ctx = {
      env: 'production',
      source: 'recorded' as const,
      sourceLabel: 'recorded metrics of v2',
      candidate: { version: 2, metrics: { accuracy: 0.8123, macro_f1: 0.8, log_loss: 0.5 } },
      baseline: { version: 1, metrics: { accuracy: 0.8, macro_f1: 0.82, log_loss: 0.49 } },
    };
    const abs = evaluateMetricGate(parseGate('accuracy >= 0.85', 'g'), ctx);
    assert.equal(abs.passed, false);
    assert.equal(abs.value, 0.8123);
    assert.equal(abs.required, 0.85);
    assert.equal(abs.source, 'recorded');
    assert.match(abs.message, /accuracy 0\.8123 < required 0\.85 \(recorded metrics of v2\)/);

    const rel = evaluateMetricGate(parseGate('macro_f1 >= prod - 0.01', 'g'), ctx);
    assert.equal(rel.passed, false);
    assert.equal(rel.baseline, 0.82);
    assert.equal(rel.required, 0.81);
    assert.match(
      rel.message,
      /macro_f1 0\.8 < required 0\.81 = production v1 0\.82 - 0\.01 \(recorded metrics of v2\)/,
    );

    const loss = evaluateMetricGate(parseGate('log_loss <= prod + 0.02', 'g'), ctx);
    assert.equal(loss.passed, true);
    assert.match(loss.message, /log_loss 0\.5 ≤ 0\.51 = production v1 0\.49 \+ 0\.02 \(/);
  });

  test('missing numbers: first deployment passes relative gates, a missing metric fails unless gate data decides', () => {
    const gate = parseGate('macro_f1 >= prod - 0.01', 'g');
    const first = evaluateMetricGate(gate, {
      env: 'production',
      source: 'recorded',
      sourceLabel: 'recorded',
      candidate: { version: 1, metrics: { macro_f1: 0.7 } },
      baseline: null,
    });
    assert.equal(first.passed, true);
    assert.match(first.message, /points at no version yet/);
    const missing = {
      env: 'production',
      source: 'recorded' as const,
      sourceLabel: 'recorded',
      candidate: { version: 2, metrics: {} },
      baseline: { version: 1, metrics: { macro_f1: 0.7 } },
    };
    const r = evaluateMetricGate(gate, missing);
    assert.equal(r.passed, false);
    assert.match(r.message, /v2 has no macro_f1.*--gate-data/);
    assert.equal(evaluateMetricGate(gate, { ...missing, decidedElsewhere: true }).passed, true);
  });
});
