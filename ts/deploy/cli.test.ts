/**
 * The deployment commands as users run them: `node dist/cli/main.js ...`
 * in child processes against a temp store holding real trained models —
 * help, --json shapes, tables, exit codes, and identity via SENTIO_USER.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import { CLI, registerVariant, tempDir, uciSplit } from './test-support/fixtures.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed CLI JSON, checked field by field
type Json = any;

function sentio(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { SENTIO_HOME: _h, FORCE_COLOR: _c, SENTIO_USER: _u, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...inherited, NO_COLOR: '1', SENTIO_NO_PROGRESS: '1', SENTIO_USER: 'alice', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function json(r: Run): Json {
  ok(r);
  return JSON.parse(r.stdout);
}

function fails(r: Run, exit: number, code: string): Run {
  assert.equal(
    r.code,
    exit,
    `expected exit ${exit}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  assert.match(r.stderr, new RegExp(`error ${code}:`));
  return r;
}

/** A store with m@1 (strong), m@2 (weak), m@3 (strong2), and the gate-data file. */
async function seeded(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t, 'sentio-deploy-cli-');
  const store = path.join(dir, 'store');
  const reg = await openRegistry(store);
  try {
    await registerVariant(reg, 'm', 'strong');
    await registerVariant(reg, 'm', 'weak');
    await registerVariant(reg, 'm', 'strong2');
  } finally {
    await reg.close();
  }
  const gateData = path.join(dir, 'gate.csv');
  fs.writeFileSync(gateData, (await uciSplit()).testCsv);
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  return { store, gateData, file, s: ['--store', store] };
}

describe('sentio deployment commands', () => {
  test('the commands are listed and have --help', async () => {
    const runs = await Promise.all(
      [
        ['--help'],
        ['promote', '--help'],
        ['canary', '--help'],
        ['canary', 'start', '--help'],
        ['shadow', '--help'],
        ['history', '--help'],
      ].map((args) => sentio(args)),
    );
    const [top, promote, canary, canaryStart, shadow, history] = runs.map((r) => ok(r).stdout);
    for (const cmd of ['deploy', 'promote', 'rollback', 'approve', 'history', 'env', 'policy']) {
      assert.match(top ?? '', new RegExp(`\\n  ${cmd} `), cmd);
    }
    assert.match(top ?? '', /\n {2}canary [\s\S]*\n {2}shadow /);
    assert.match(
      promote ?? '',
      /--from <env>[\s\S]*--to <env>[\s\S]*--gate-data <file>[\s\S]*--force/,
    );
    assert.match(promote ?? '', /--store <location>/);
    assert.match(canary ?? '', /start[\s\S]*stop[\s\S]*status[\s\S]*promote/);
    assert.match(
      canaryStart ?? '',
      /--percent <p>[\s\S]*--max-error-rate <rate>[\s\S]*--max-p99-ms/,
    );
    assert.match(shadow ?? '', /start[\s\S]*stop[\s\S]*report/);
    assert.match(history ?? '', /--env <env>[\s\S]*--at <time>/);
  });

  test('deploy, refused promote, approve, forced promote, rollback, history', async (t) => {
    const { s, file, gateData } = await seeded(t);
    const d1 = json(
      await sentio(['deploy', 'm@1', '--env', 'production', '--reason', 'first', '--json', ...s]),
    );
    assert.deepEqual([d1.fromVersion, d1.toVersion, d1.forced], [null, 1, false]);
    assert.deepEqual(
      d1.gates.map((g: Json) => [g.name, g.passed]),
      [
        ['checksum', true],
        ['parity', true],
      ],
    );
    assert.equal(d1.move.who.split('@')[0], 'alice');
    const d2 = ok(await sentio(['deploy', 'm@2', '--env', 'staging', ...s]));
    assert.match(d2.stdout, /Deployed m staging: unset → v2/);
    assert.match(d2.stdout, /gate\s+source\s+value\s+required\s+baseline\s+result/);

    const policy = file(
      'policy.yaml',
      'gates:\n  production: [accuracy >= prod - 0.01]\napproval: [production]\n',
    );
    ok(await sentio(['policy', 'set', 'm', policy, ...s]));
    const shown = json(await sentio(['policy', 'show', 'm', '--json', ...s]));
    assert.deepEqual(shown.policy, {
      gates: { production: ['accuracy >= prod - 0.01'] },
      approval: ['production'],
    });

    // Refused: a gate table for humans, the exit status of DEPLOY_GATE_FAILED.
    const human = fails(
      await sentio(['promote', 'm', '--gate-data', gateData, ...s]),
      9,
      'DEPLOY_GATE_FAILED',
    );
    assert.match(human.stderr, /Refused: the environment was not moved/);
    assert.match(
      human.stderr,
      /accuracy >= prod - 0\.01\s+recorded\s+0\.\d+\s+0\.\d+\s+0\.\d+\s+FAIL/,
    );
    assert.match(human.stderr, /accuracy >= prod - 0\.01\s+gate-data\s+.*FAIL/);
    assert.match(human.stderr, /approval\s+–\s+0\s+1\s+–\s+FAIL/);

    // alice's own approval does not count for alice's promotion; JSON for scripts.
    json(await sentio(['approve', 'm@2', '--json', ...s]));
    const refused = await sentio(['promote', 'm', '--json', ...s]);
    assert.equal(refused.code, 9);
    const body = JSON.parse(refused.stdout);
    assert.equal(body.refused, true);
    assert.equal(body.code, 'DEPLOY_GATE_FAILED');
    assert.match(
      body.gates.find((g: Json) => g.kind === 'approval' && !g.passed).message,
      /1 by alice themself/,
    );
    // bob's does (SENTIO_USER switches identity).
    const a = json(
      await sentio(['approve', 'm@staging', '--note', 'ok', '--json', ...s], {
        SENTIO_USER: 'bob',
      }),
    );
    assert.deepEqual(
      [a.version, a.env, a.note, a.approvedBy.split('@')[0]],
      [2, 'production', 'ok', 'bob'],
    );

    const forced = json(
      await sentio(['promote', 'm', '--force', '--reason', 'hotfix', '--json', ...s]),
    );
    assert.deepEqual([forced.fromVersion, forced.toVersion, forced.forced], [1, 2, true]);
    assert.equal(forced.move.details.from_env, 'staging');

    const rb = ok(
      await sentio(['rollback', 'm', '--env', 'production', '--reason', 'worse', ...s]),
    );
    assert.match(rb.stdout, /Rolled back m production: v2 → v1/);
    fails(await sentio(['rollback', 'm', '--env', 'staging', ...s]), 9, 'DEPLOY_NO_PREVIOUS');

    const h = json(await sentio(['history', 'm', '--env', 'production', '--json', ...s]));
    assert.deepEqual(
      h.entries.map((e: Json) => e.action),
      [
        'deploy',
        'policy',
        'promote_refused',
        'approve',
        'promote_refused',
        'approve',
        'promote',
        'rollback',
      ],
    );
    const promoteAt = h.entries.find((e: Json) => e.action === 'promote').at;
    const [atRun, textRun] = await Promise.all([
      sentio(['history', 'm', '--env', 'production', '--at', promoteAt, '--json', ...s]),
      sentio(['history', 'm', '--at', promoteAt, '--gates', ...s]),
    ]);
    assert.equal(json(atRun).at.serving[0].version, 2);
    const text = ok(textRun).stdout;
    assert.match(text, /Serving at .*:\n\s+production\s+m@2 \(since .*, promote by alice@/);
    assert.match(text, /staging\s+m@2/);
    assert.match(
      text,
      /promote \(forced\)\s+v1 → v2\s+alice@\S+\s+hotfix\s+1 failed: accuracy >= prod - 0\.01 \[recorded\]/,
    );
    assert.match(text, /promote_refused/);
  });

  test('environments, policy errors, canary and shadow', async (t) => {
    const { s, file } = await seeded(t);
    ok(await sentio(['deploy', 'm@1', '--env', 'production', ...s]));
    fails(await sentio(['deploy', 'm@1', '--env', 'eu-prod', ...s]), 9, 'DEPLOY_UNKNOWN_ENV');
    ok(await sentio(['env', 'add', 'eu-prod', '--description', 'EU traffic', ...s]));
    const envs = json(await sentio(['env', 'list', '--model', 'm', '--json', ...s]));
    assert.deepEqual(
      envs.environments.map((e: Json) => [e.name, e.builtin, e.version]),
      [
        ['production', true, 1],
        ['staging', true, null],
        ['eu-prod', false, null],
      ],
    );
    ok(await sentio(['env', 'remove', 'eu-prod', ...s]));

    const bad = fails(
      await sentio([
        'policy',
        'set',
        'm',
        file('bad.yaml', 'gates:\n  production: [acc => 1]\n'),
        ...s,
      ]),
      9,
      'DEPLOY_BAD_POLICY',
    );
    assert.match(bad.stderr, /bad\.yaml: gates\.production\[0\]: "acc => 1"/);
    ok(
      await sentio([
        'policy',
        'set',
        'm',
        file('p.json', '{"canary": {"min_requests": 50}}'),
        ...s,
      ]),
    );

    const c = json(
      await sentio([
        'canary',
        'start',
        'm@3',
        '--percent',
        '10%',
        '--max-p99-ms',
        '250',
        '--max-error-rate',
        'none',
        '--json',
        ...s,
      ]),
    );
    assert.deepEqual([c.kind, c.env, c.version, c.percent], ['canary', 'production', 3, 10]);
    assert.deepEqual(c.thresholds, {
      minRequests: 50,
      maxErrorRate: null,
      maxP99Ms: 250,
      maxDisagreement: 0.25,
    });
    const [again, statusRun, statusJsonRun] = await Promise.all([
      sentio(['canary', 'start', 'm@3', '--percent', '5', ...s]),
      sentio(['canary', 'status', 'm', ...s]),
      sentio(['canary', 'status', 'm', '--json', ...s]),
    ]);
    fails(again, 9, 'DEPLOY_ROLLOUT_ACTIVE');
    const status = ok(statusRun).stdout;
    assert.match(status, /canary #1 m production: candidate v3 at 10% — active/);
    assert.match(status, /stable\s+v1\s+0\s+0\s+–/);
    assert.match(status, /n\/a \(no feedback labels\)/);
    assert.match(status, /max p99 250ms/);
    const statusJson = json(statusJsonRun);
    assert.equal(statusJson.accuracyNote, 'n/a (no feedback labels)');
    assert.equal(statusJson.arms.candidate.version, 3);

    const sh = json(await sentio(['shadow', 'start', 'm@2', '--json', ...s]));
    assert.equal(sh.percent, 100);
    assert.match(ok(await sentio(['shadow', 'report', 'm', ...s])).stdout, /shadow #2/);
    assert.match(
      ok(await sentio(['shadow', 'stop', 'm', ...s])).stdout,
      /Stopped shadow #2 .* stopped/,
    );

    const p = json(
      await sentio(['canary', 'promote', 'm', '--reason', 'looks good', '--json', ...s]),
    );
    assert.deepEqual([p.toVersion, p.move.details.action], [3, 'canary_promote']);
    const [stop, last] = await Promise.all([
      sentio(['canary', 'stop', 'm', ...s]),
      sentio(['canary', 'status', 'm', '--json', ...s]),
    ]);
    fails(stop, 9, 'DEPLOY_NO_ROLLOUT');
    assert.equal(json(last).state, 'promoted');
  });
});
