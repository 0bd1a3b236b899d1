/**
 * Promotion through the gates against a real registry with real models
 * (trained on UCI sentiment, registered with their held-out metrics): gates
 * pass on recorded metrics and on --gate-data, a failing gate names both
 * numbers, leaves production untouched and records `promote_refused`,
 * --force moves and is recorded as forced, a corrupt model file is refused
 * even with --force, and the parity gate passes for a real model.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { SentioError } from '../errors/index.js';
import { parityGate, paritySample } from './checks.js';
import { deploy, history, promote, setPolicy } from './index.js';
import { deployStore, registerVariant, trainVariant } from './test-support/fixtures.js';
import type { GateResult } from './types.js';

async function rejectsCode(
  p: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<SentioError> {
  let err: unknown;
  await assert.rejects(p, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof SentioError, `expected SentioError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

function gate(gates: GateResult[], name: string, source: string | null = null): GateResult {
  const g = gates.find((x) => x.name === name && x.source === source);
  assert.ok(
    g,
    `no gate ${name} [${source}] in ${gates.map((x) => `${x.name}[${x.source}]`).join(', ')}`,
  );
  return g;
}

describe('promote', () => {
  test('passes every gate on recorded metrics and gate data, then production runs the candidate', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'weak');
    const v2 = await registerVariant(s.reg, 'm', 'strong');
    await deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production', who: 'ci@h' });
    await deploy(s.reg, s.engine, { ref: `m@${v2}`, env: 'staging', who: 'ci@h' });
    await setPolicy(s.reg, 'm', {
      gates: {
        production: ['accuracy >= 0.7', 'macro_f1 >= prod - 0.01', 'log_loss <= prod + 0.02'],
      },
    });
    const r = await promote(s.reg, s.engine, {
      model: 'm',
      reason: 'strong beats weak',
      gateData: s.gateData,
      who: 'alice@h',
    });
    assert.equal(r.fromVersion, v1);
    assert.equal(r.toVersion, v2);
    assert.equal(r.forced, false);
    assert.ok(
      r.gates.every((g) => g.passed),
      JSON.stringify(r.gates, null, 1),
    );
    assert.deepEqual(
      r.gates.map((g) => `${g.kind}:${g.source ?? '-'}`),
      [
        'checksum:-',
        'metric:recorded',
        'metric:recorded',
        'metric:recorded',
        'metric:gate-data',
        'metric:gate-data',
        'metric:gate-data',
        'parity:-',
      ],
    );
    const strong = await trainVariant('strong');
    const weak = await trainVariant('weak');
    const rel = gate(r.gates, 'macro_f1 >= prod - 0.01', 'recorded');
    assert.equal(rel.value, strong.metrics.macro_f1);
    assert.equal(rel.baseline, weak.metrics.macro_f1);
    // The held-out rows are the gate data, so both sources give the same numbers here.
    const onData = gate(r.gates, 'accuracy >= 0.7', 'gate-data');
    assert.equal(onData.value, strong.metrics.accuracy);
    assert.match(onData.message, /gate data gate\.csv, 600 rows/);
    const parity = gate(r.gates, 'parity');
    assert.equal(parity.blocking, true, 'parity blocks where metric gates are declared');
    assert.equal(parity.value, 0);

    assert.equal((await s.reg.getModel('m')).aliases.production, v2);
    const last = (await s.reg.aliasHistory('m', 'production')).at(-1);
    assert.ok(last);
    assert.equal(last.who, 'alice@h');
    assert.equal(last.reason, 'strong beats weak');
    assert.deepEqual(last.details, {
      action: 'promote',
      forced: false,
      gates: r.gates,
      from_env: 'staging',
    });
  });

  test('a failing gate names both numbers, leaves production untouched and records promote_refused; --force moves', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'strong');
    const v2 = await registerVariant(s.reg, 'm', 'weak');
    await deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' });
    await deploy(s.reg, s.engine, { ref: `m@${v2}`, env: 'staging' });
    await setPolicy(s.reg, 'm', { gates: { production: ['accuracy >= prod - 0.01'] } });
    const strong = (await trainVariant('strong')).metrics.accuracy as number;
    const weak = (await trainVariant('weak')).metrics.accuracy as number;
    const movesBefore = await s.reg.aliasHistory('m');

    const err = await rejectsCode(
      promote(s.reg, s.engine, {
        model: 'm',
        reason: 'try it',
        gateData: s.gateData,
        who: 'bob@h',
      }),
      'DEPLOY_GATE_FAILED',
      /promote of m@2 to production refused \(2 gates failed\): accuracy >= prod - 0\.01 \[recorded\]/,
    );
    const shown = (n: number) => String(Number(n.toPrecision(6)));
    assert.ok(err.message.includes(`accuracy ${shown(weak)} < required`), err.message);
    assert.ok(err.message.includes(`production v1 ${shown(strong)} - 0.01`), err.message);
    const gates = (err.details as { gates: GateResult[] }).gates;
    assert.equal(gate(gates, 'accuracy >= prod - 0.01', 'gate-data').passed, false);

    assert.equal((await s.reg.getModel('m')).aliases.production, v1, 'production untouched');
    assert.deepEqual(await s.reg.aliasHistory('m'), movesBefore, 'no move recorded');
    const refused = (await s.reg.deployEvents('m', 'production')).filter(
      (e) => e.kind === 'promote_refused',
    );
    assert.equal(refused.length, 1);
    const ev = refused[0];
    assert.ok(ev);
    assert.equal(ev.version, v2);
    assert.equal(ev.who, 'bob@h');
    assert.equal(ev.reason, 'try it');
    assert.deepEqual((ev.details as { gates: GateResult[] }).gates, gates);

    const forced = await promote(s.reg, s.engine, { model: 'm', force: true, who: 'bob@h' });
    assert.equal(forced.forced, true);
    assert.equal((await s.reg.getModel('m')).aliases.production, v2);
    const h = await history(s.reg, { model: 'm', env: 'production' });
    const kinds = h.entries.map((e) => `${e.action}${e.forced ? '!' : ''}`);
    assert.deepEqual(kinds, ['deploy', 'policy', 'promote_refused', 'promote!']);
  });

  test('deploy applies the gates declared for its environment; nothing to do is an error', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'weak');
    await setPolicy(s.reg, 'm', { gates: { staging: ['accuracy >= 0.95'] } });
    const err = await rejectsCode(
      deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'staging' }),
      'DEPLOY_GATE_FAILED',
      /deploy of m@1 to staging refused \(1 gate failed\): accuracy >= 0\.95 \[recorded\]: accuracy 0\.\d+ < required 0\.95/,
    );
    assert.equal((err.details as { gates: GateResult[] }).gates.length, 3);
    assert.equal((await s.reg.getModel('m')).aliases.staging, undefined);
    // No gates for production: deploy goes through (parity reported, not blocking).
    const r = await deploy(s.reg, s.engine, { ref: 'm@latest', env: 'production' });
    assert.deepEqual(
      r.gates.map((g) => [g.name, g.passed, g.blocking]),
      [
        ['checksum', true, true],
        ['parity', true, false],
      ],
    );
    await rejectsCode(
      deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' }),
      'DEPLOY_NOTHING_TO_DO',
      /production of m already runs v1/,
    );
    await rejectsCode(
      deploy(s.reg, s.engine, { ref: 'm@1', env: 'prodcution' }),
      'DEPLOY_UNKNOWN_ENV',
    );
    await rejectsCode(
      promote(s.reg, s.engine, { model: 'm' }),
      'DEPLOY_NOTHING_TO_DO',
      /staging of m points at no version/,
    );
  });

  test('a model file that does not verify is refused, even with --force', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'strong');
    const sha = (await s.reg.getVersion('m', v1)).modelSha256;
    const file = s.reg.artifacts.pathOf(sha);
    fs.chmodSync(file, 0o644);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const err = await rejectsCode(
      deploy(s.reg, s.engine, { ref: 'm@1', env: 'production', force: true }),
      'DEPLOY_GATE_FAILED',
      /checksum: v1 model file: ARTIFACT_CORRUPT.*--force cannot skip/,
    );
    assert.equal((err.details as { gates: GateResult[] }).gates.length, 1);
    assert.equal((await s.reg.getModel('m')).aliases.production, undefined);
  });

  test('parity gate: a real model scores bit for bit the same on native and WASM', async () => {
    const { bytes } = await trainVariant('strong');
    const g = await parityGate(bytes, paritySample(), true);
    assert.equal(g.passed, true, g.message);
    assert.equal(g.value, 0);
    assert.match(g.message, /identical on 200 texts × 2 classes/);
  });
});
