/**
 * The registry commands as users run them: `node dist/cli/main.js ...` in a
 * child process against temp stores — help, --json shapes, exit codes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openRegistry, type Registry } from '../registry/index.js';
import { openRawDatabase } from '../registry/sqlite/backend.js';
import { deadPid, json, registerFake, runCli, tempDir } from '../registry/test-support/fixtures.js';

/** A store with m@1, m@2 (production → 1), two runs in two experiments, an evaluation, an orphan. */
async function seeded(
  t: Parameters<typeof tempDir>[0],
): Promise<{ store: string; dir: string; runs: string[] }> {
  const dir = tempDir(t, 'sentio-cli-');
  const store = path.join(dir, 'store');
  const reg: Registry = await openRegistry(store);
  try {
    const r1 = await reg.createRun({ experiment: 'baseline', params: { alpha: 1, ngram: '1-1' } });
    await reg.logMetrics(r1.id, { accuracy: 0.8, log_loss: 0.5 });
    await registerFake(reg, 'm', 'one', { runId: r1.id, metrics: { accuracy: 0.8 } });
    await reg.finishRun(r1.id, 'finished', { model: 'm', version: 1 });
    const r2 = await reg.createRun({ experiment: 'tuning', params: { alpha: 0.5, ngram: '1-1' } });
    await reg.logMetrics(r2.id, { accuracy: 0.85, log_loss: 0.4 });
    await registerFake(reg, 'm', 'two', { runId: r2.id, metrics: { accuracy: 0.85 } });
    await reg.finishRun(r2.id, 'finished', { model: 'm', version: 2 });
    await reg.setAlias('m', 'production', 1, { reason: 'first release' });
    await reg.recordEvaluation({
      model: 'm',
      version: 1,
      dataset: { path: 'x.csv', rows: 3 },
      metrics: { accuracy: 0.7 },
    });
    await reg.artifacts.put(new TextEncoder().encode('orphan'));
    return { store, dir, runs: [r1.id, r2.id] };
  } finally {
    await reg.close();
  }
}

function ok(r: { code: number | null; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

function fails(r: { code: number | null; stderr: string }, exit: number, code: string): void {
  assert.equal(r.code, exit, `expected exit ${exit}, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error ${code}:`));
}

const COMMANDS: Array<[string[], boolean]> = [
  [['models'], false],
  [['models', 'list'], true],
  [['models', 'show'], true],
  [['models', 'tag'], true],
  [['models', 'describe'], true],
  [['models', 'alias'], true],
  [['models', 'history'], true],
  [['runs'], false],
  [['runs', 'list'], true],
  [['runs', 'show'], true],
  [['runs', 'compare'], true],
  [['artifacts'], false],
  [['artifacts', 'verify'], true],
  [['gc'], true],
  [['export'], true],
  [['import'], true],
];

// Each test has its own temp store, so they run in parallel (each spawns CLI processes).
describe('registry commands', { concurrency: true }, () => {
  test('every registry command has --help (with --store and --json where it prints data)', async () => {
    const results = await Promise.all(COMMANDS.map(([cmd]) => runCli([...cmd, '--help'])));
    for (const [i, r] of results.entries()) {
      const [cmd, leaf] = COMMANDS[i] as [string[], boolean];
      ok(r);
      assert.match(r.stdout, new RegExp(`Usage: sentio ${cmd.join(' ')}`));
      if (leaf) {
        assert.match(r.stdout, /--store <location>/, cmd.join(' '));
        assert.match(r.stdout, /--json/, cmd.join(' '));
      }
    }
  });

  test('read commands on a missing store fail with REGISTRY_STORE_NOT_FOUND and create nothing', async (t) => {
    const dir = tempDir(t, 'sentio-cli-');
    const store = path.join(dir, 'nothing-here');
    const cmds = [
      ['models', 'list'],
      ['models', 'show', 'm'],
      ['models', 'tag', 'm', 'a=b'],
      ['models', 'describe', 'm', 'x'],
      ['models', 'alias', 'm@1', 'prod'],
      ['runs', 'list'],
      ['runs', 'show', 'abcd'],
      ['artifacts', 'verify'],
      ['gc'],
      ['gc', '--apply'],
      ['export', 'm@1', '-o', path.join(dir, 'out')],
    ];
    const results = await Promise.all(cmds.map((c) => runCli([...c, '--store', store])));
    for (const r of results) fails(r, 6, 'REGISTRY_STORE_NOT_FOUND');
    assert.equal(fs.existsSync(store), false);
    // Default location ./models, relative to the working directory.
    const r = await runCli(['models', 'list'], { cwd: dir });
    fails(r, 6, 'REGISTRY_STORE_NOT_FOUND');
    assert.match(r.stderr, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/models`));
    assert.equal(fs.existsSync(path.join(dir, 'models')), false);
  });

  test('store resolution: --store beats SENTIO_HOME beats ./models', async (t) => {
    const { store, dir } = await seeded(t);
    const viaEnv = await runCli(['models', 'list', '--json'], { env: { SENTIO_HOME: store } });
    ok(viaEnv);
    assert.equal(json<{ models: unknown[] }>(viaEnv).models.length, 1);
    const empty = path.join(dir, 'empty-store');
    await (await openRegistry(empty)).close();
    const flagWins = await runCli(['models', 'list', '--json', '--store', empty], {
      env: { SENTIO_HOME: store },
    });
    ok(flagWins);
    assert.deepEqual(json(flagWins), { models: [] });
    const viaCwd = await runCli(['models', 'list', '--json'], { cwd: dir });
    fails(viaCwd, 6, 'REGISTRY_STORE_NOT_FOUND');
    fs.renameSync(store, path.join(dir, 'models'));
    const defaultDir = await runCli(['models', 'list', '--json'], { cwd: dir });
    ok(defaultDir);
    assert.equal(json<{ models: unknown[] }>(defaultDir).models.length, 1);
  });

  test('models list / show: tables and JSON (show --json has a versions array)', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const [list, listJson, show, showJson, showAlias, showV2] = await Promise.all([
      runCli(['models', 'list', ...s]),
      runCli(['models', 'list', '--json', ...s]),
      runCli(['models', 'show', 'm', ...s]),
      runCli(['models', 'show', 'm', '--json', ...s]),
      runCli(['models', 'show', 'm@production', '--json', ...s]),
      runCli(['models', 'show', 'm@2', ...s]),
    ]);
    for (const r of [list, listJson, show, showJson, showAlias, showV2]) ok(r);
    assert.match(list.stdout, /^model +versions +latest +aliases/m);
    assert.match(list.stdout, /^m +2 +2 +production→1/m);
    const models = json<{ models: Array<Record<string, unknown>> }>(listJson).models;
    assert.deepEqual(
      models.map((m) => [m.name, m.versions, m.latestVersion, m.aliases]),
      [['m', 2, 2, { production: 1 }]],
    );
    assert.match(show.stdout, /Alias history/);
    assert.match(show.stdout, /first release/);
    const sj = json<{
      name: string;
      versions: Array<{ version: number; aliases: string[] }>;
      aliasHistory: unknown[];
    }>(showJson);
    assert.equal(sj.name, 'm');
    assert.deepEqual(
      sj.versions.map((v) => [v.version, v.aliases]),
      [
        [1, ['production']],
        [2, []],
      ],
    );
    assert.equal(sj.aliasHistory.length, 1);
    assert.equal('version' in sj, false, 'no selected version for a bare name');
    const sa = json<{
      versions: unknown[];
      version: { version: number; evaluations: unknown[]; artifacts: object };
    }>(showAlias);
    assert.equal(sa.versions.length, 2);
    assert.equal(sa.version.version, 1);
    assert.equal(sa.version.evaluations.length, 1);
    assert.deepEqual(Object.keys(sa.version.artifacts).sort(), ['config', 'metrics', 'model']);
    assert.match(showV2.stdout, /^m@2$/m);
    assert.match(showV2.stdout, /model sha256/);
  });

  test('models show: errors for bad refs and unknown models/versions/aliases', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const [badRef, noModel, noVersion, noAlias, noArg] = await Promise.all([
      runCli(['models', 'show', 'm@', ...s]),
      runCli(['models', 'show', 'nope', ...s]),
      runCli(['models', 'show', 'm@9', ...s]),
      runCli(['models', 'show', 'm@staging', ...s]),
      runCli(['models', 'show', ...s]),
    ]);
    fails(badRef, 6, 'REGISTRY_BAD_REF');
    fails(noModel, 6, 'REGISTRY_NOT_FOUND');
    fails(noVersion, 6, 'REGISTRY_NOT_FOUND');
    fails(noAlias, 6, 'REGISTRY_NOT_FOUND');
    assert.equal(noArg.code, 2, 'usage error');
    assert.match(noArg.stderr, /missing required argument/);
  });

  test('models tag / describe on models and versions', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const tv = await runCli([
      'models',
      'tag',
      'm@2',
      'stage=candidate',
      'expr=a=b',
      '--json',
      ...s,
    ]);
    ok(tv);
    assert.deepEqual(json<{ tags: object }>(tv).tags, { expr: 'a=b', stage: 'candidate' });
    const rm = await runCli(['models', 'tag', 'm@2', '--remove', 'expr', '--json', ...s]);
    assert.deepEqual(json<{ tags: object }>(rm).tags, { stage: 'candidate' });
    const tm = await runCli(['models', 'tag', 'm', 'team=nlp', ...s]);
    ok(tm);
    assert.match(tm.stdout, /Tagged m: team=nlp/);
    const viaAlias = await runCli(['models', 'tag', 'm@production', 'live=yes', '--json', ...s]);
    assert.equal(json<{ version: number }>(viaAlias).version, 1);
    fails(await runCli(['models', 'tag', 'm', ...s]), 2, 'CLI_USAGE');
    fails(await runCli(['models', 'tag', 'm', 'novalue', ...s]), 2, 'CLI_USAGE');
    fails(await runCli(['models', 'tag', 'm', 'bad key!=x', ...s]), 6, 'REGISTRY_INVALID');
    fails(await runCli(['models', 'tag', 'm@7', 'a=b', ...s]), 6, 'REGISTRY_NOT_FOUND');

    const dm = await runCli(['models', 'describe', 'm', 'Review sentiment', '--json', ...s]);
    assert.equal(json<{ description: string }>(dm).description, 'Review sentiment');
    const dv = await runCli(['models', 'describe', 'm@1', 'first cut', ...s]);
    ok(dv);
    const show = json<{
      description: string;
      tags: object;
      versions: Array<{ description: string; tags: object }>;
    }>(await runCli(['models', 'show', 'm', '--json', ...s]));
    assert.equal(show.description, 'Review sentiment');
    assert.deepEqual(show.tags, { team: 'nlp' });
    assert.equal(show.versions[0]?.description, 'first cut');
    assert.deepEqual(show.versions[0]?.tags, { live: 'yes' });
    fails(await runCli(['models', 'describe', 'nope', 'x', ...s]), 6, 'REGISTRY_NOT_FOUND');
  });

  test('models alias moves an alias with a recorded reason; history shows every move', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const mv = await runCli([
      'models',
      'alias',
      'm@2',
      'production',
      '--reason',
      'better accuracy',
      '--json',
      ...s,
    ]);
    ok(mv);
    const move = json<{ fromVersion: number; toVersion: number; reason: string; who: string }>(mv);
    assert.deepEqual([move.fromVersion, move.toVersion, move.reason], [1, 2, 'better accuracy']);
    assert.match(move.who, /.+@.+/);
    const human = await runCli(['models', 'alias', 'm@latest', 'staging', ...s]);
    ok(human);
    assert.match(human.stdout, /Moved m staging: unset → v2/);
    const del = await runCli(['models', 'alias', 'm', 'staging', '--delete', '--json', ...s]);
    assert.equal(json<{ toVersion: null }>(del).toVersion, null);
    const hist = json<{ history: Array<{ alias: string; toVersion: number | null }> }>(
      await runCli(['models', 'history', 'm', '--json', ...s]),
    );
    assert.deepEqual(
      hist.history.map((h) => [h.alias, h.toVersion]),
      [
        ['production', 1],
        ['production', 2],
        ['staging', 2],
        ['staging', null],
      ],
    );
    const onlyProd = json<{ history: unknown[] }>(
      await runCli(['models', 'history', 'm', 'production', '--json', ...s]),
    );
    assert.equal(onlyProd.history.length, 2);
    fails(await runCli(['models', 'alias', 'm', 'production', ...s]), 2, 'CLI_USAGE');
    fails(await runCli(['models', 'alias', 'm@9', 'production', ...s]), 6, 'REGISTRY_NOT_FOUND');
    fails(await runCli(['models', 'alias', 'm@1', 'latest', ...s]), 6, 'REGISTRY_INVALID');
    fails(await runCli(['models', 'history', 'nope', ...s]), 6, 'REGISTRY_NOT_FOUND');
  });

  test('runs list / show / compare', async (t) => {
    const { store, runs } = await seeded(t);
    const [r1, r2] = runs as [string, string];
    const s = ['--store', store];
    const [list, listJson, byExp, byModel, show, showJson, prefix, cmp, cmpJson] =
      await Promise.all([
        runCli(['runs', 'list', ...s]),
        runCli(['runs', 'list', '--json', ...s]),
        runCli(['runs', 'list', '--experiment', 'tuning', '--json', ...s]),
        runCli([
          'runs',
          'list',
          '--model',
          'm',
          '--status',
          'finished',
          '--limit',
          '1',
          '--json',
          ...s,
        ]),
        runCli(['runs', 'show', r1, ...s]),
        runCli(['runs', 'show', r1, '--json', ...s]),
        runCli(['runs', 'show', r2.slice(0, 6), '--json', ...s]),
        runCli(['runs', 'compare', r1, r2, ...s]),
        runCli(['runs', 'compare', r1, r2, '--json', ...s]),
      ]);
    for (const r of [list, listJson, byExp, byModel, show, showJson, prefix, cmp, cmpJson]) ok(r);
    assert.match(list.stdout, new RegExp(`^${r2} +tuning +finished`, 'm'));
    assert.deepEqual(
      json<{ runs: Array<{ id: string }> }>(listJson).runs.map((r) => r.id),
      [r2, r1],
    );
    assert.deepEqual(
      json<{ runs: Array<{ id: string }> }>(byExp).runs.map((r) => r.id),
      [r2],
    );
    assert.equal(json<{ runs: unknown[] }>(byModel).runs.length, 1);
    assert.match(show.stdout, /experiment +baseline/);
    assert.match(show.stdout, /git commit/);
    const sj = json<Record<string, unknown>>(showJson);
    for (const k of [
      'id',
      'experiment',
      'status',
      'params',
      'metrics',
      'tags',
      'startedAt',
      'endedAt',
      'durationMs',
      'dataset',
      'gitCommit',
      'host',
      'pid',
      'user',
      'sentioVersion',
      'model',
      'version',
      'error',
    ]) {
      assert.ok(k in sj, `runs show --json has ${k}`);
    }
    assert.equal(json<{ id: string }>(prefix).id, r2);
    assert.match(cmp.stdout, /≠ alpha/);
    assert.match(cmp.stdout, /^ +ngram/m, 'equal params are not marked');
    const c = json<{
      runs: string[];
      params: Record<string, unknown[]>;
      metrics: Record<string, number[]>;
      differences: { params: string[]; metrics: string[] };
    }>(cmpJson);
    assert.deepEqual(c.runs, [r1, r2]);
    assert.deepEqual(c.params.alpha, [1, 0.5]);
    assert.deepEqual(c.metrics.accuracy, [0.8, 0.85]);
    assert.deepEqual(c.differences, { params: ['alpha'], metrics: ['accuracy', 'log_loss'] });

    const [one, unknown, badLimit, badStatus] = await Promise.all([
      runCli(['runs', 'compare', r1, ...s]),
      runCli(['runs', 'show', 'ffffffffffff', ...s]),
      runCli(['runs', 'list', '--limit', 'x', ...s]),
      runCli(['runs', 'list', '--status', 'done', ...s]),
    ]);
    fails(one, 2, 'CLI_USAGE');
    fails(unknown, 6, 'REGISTRY_NOT_FOUND');
    fails(badLimit, 2, 'CLI_USAGE');
    fails(badStatus, 2, 'CLI_USAGE');
  });

  test('runs list / show: a running run whose process is gone reads as interrupted', async (t) => {
    const { store } = await seeded(t);
    const reg = await openRegistry(store);
    let alive: string;
    let killed: string;
    try {
      alive = (await reg.createRun({ experiment: 'live', params: {} })).id;
      killed = (await reg.createRun({ experiment: 'live', params: {} })).id;
    } finally {
      await reg.close();
    }
    // As `sentio train` killed with SIGKILL leaves it: still running, its process gone.
    const db = openRawDatabase(path.join(store, 'registry.db'));
    db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(await deadPid(), killed);
    db.close();
    const s = ['--store', store];
    const [list, interrupted, running, show, showJson] = await Promise.all([
      runCli(['runs', 'list', ...s]),
      runCli(['runs', 'list', '--status', 'interrupted', '--json', ...s]),
      runCli(['runs', 'list', '--status', 'running', '--json', ...s]),
      runCli(['runs', 'show', killed, ...s]),
      runCli(['runs', 'show', alive, '--json', ...s]),
    ]);
    for (const r of [list, interrupted, running, show, showJson]) ok(r);
    assert.match(list.stdout, new RegExp(`^${killed} +live +interrupted`, 'm'));
    // This test process created `alive` and is still here.
    assert.match(list.stdout, new RegExp(`^${alive} +live +running`, 'm'));
    const ids = (r: typeof list) => json<{ runs: Array<{ id: string }> }>(r).runs.map((x) => x.id);
    assert.deepEqual(ids(interrupted), [killed]);
    assert.deepEqual(ids(running), [alive]);
    assert.match(show.stdout, new RegExp(`run ${killed} +interrupted`));
    assert.match(show.stdout, /host \/ user +\S+ \(pid \d+\) \/ /);
    const sj = json<{ status: string; pid: number }>(showJson);
    assert.deepEqual([sj.status, sj.pid], ['running', process.pid]);
  });

  test('artifacts verify: exit 0 when healthy, 7 with a JSON report when corrupt or missing', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const healthy = await runCli(['artifacts', 'verify', '--json', ...s]);
    ok(healthy);
    const h = json<{ ok: boolean; checked: number; referenced: number; database: string[] }>(
      healthy,
    );
    assert.deepEqual([h.ok, h.checked, h.referenced, h.database], [true, 6, 5, ['ok']]);
    ok(await runCli(['artifacts', 'verify', ...s]));

    const reg = await openRegistry(store, { readonly: true });
    const v1 = await reg.getVersion('m', 1);
    const v2 = await reg.getVersion('m', 2);
    const file = reg.artifacts.pathOf(v1.modelSha256);
    const file2 = reg.artifacts.pathOf(v2.modelSha256);
    await reg.close();
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, 'bit rot');
    const corrupt = await runCli(['artifacts', 'verify', '--json', ...s]);
    fails(corrupt, 7, 'ARTIFACT_CORRUPT');
    const c = json<{
      ok: boolean;
      corrupt: string[];
      problems: Array<{ references: Array<{ model: string; version: number }> }>;
    }>(corrupt);
    assert.equal(c.ok, false);
    assert.deepEqual(c.corrupt, [v1.modelSha256]);
    assert.deepEqual(
      c.problems[0]?.references.map((r) => `${r.model}@${r.version}`),
      ['m@1'],
    );
    const human = await runCli(['artifacts', 'verify', ...s]);
    assert.equal(human.code, 7);
    assert.match(human.stdout, /corrupt .* m@1 model/);

    fs.rmSync(file);
    fs.rmSync(file2);
    const missing = await runCli(['artifacts', 'verify', '--json', ...s]);
    fails(missing, 7, 'ARTIFACT_MISSING');
    assert.equal(json<{ missing: string[] }>(missing).missing.length, 2);
  });

  test('gc: dry run by default, --apply removes only unreferenced, --grace', async (t) => {
    const { store } = await seeded(t);
    const s = ['--store', store];
    const young = json<{ dryRun: boolean; unreferenced: unknown[]; recent: unknown[] }>(
      await runCli(['gc', '--json', ...s]),
    );
    assert.deepEqual([young.dryRun, young.unreferenced.length, young.recent.length], [true, 0, 1]);
    const dry = await runCli(['gc', '--grace', '0', ...s]);
    ok(dry);
    assert.match(dry.stdout, /Dry run: would remove 1 unreferenced artifact/);
    const applied = json<{
      dryRun: boolean;
      removed: string[];
      checked: number;
      referenced: number;
    }>(await runCli(['gc', '--apply', '--grace', '0s', '--json', ...s]));
    assert.deepEqual(
      [applied.dryRun, applied.removed.length, applied.checked, applied.referenced],
      [false, 1, 6, 5],
    );
    ok(await runCli(['artifacts', 'verify', ...s]));
    const again = json<{ removed: string[] }>(
      await runCli(['gc', '--apply', '--grace', '0', '--json', ...s]),
    );
    assert.deepEqual(again.removed, []);
    fails(await runCli(['gc', '--grace', 'soon', ...s]), 2, 'CLI_USAGE');
  });

  test('export / import between stores; import twice is a no-op; errors', async (t) => {
    const { store, dir } = await seeded(t);
    const out = path.join(dir, 'exported');
    const other = path.join(dir, 'other-store');
    const exp = await runCli(['export', 'm@production', '-o', out, '--json', '--store', store]);
    ok(exp);
    assert.deepEqual(
      (({ model, version, files }) => ({ model, version, files }))(
        json<{ model: string; version: number; files: number }>(exp),
      ),
      { model: 'm', version: 1, files: 3 },
    );
    assert.ok(fs.existsSync(path.join(out, 'manifest.json')));
    const imp = await runCli(['import', out, '--json', '--store', other]);
    ok(imp);
    assert.deepEqual(
      (({ model, version, created, sourceVersion }) => ({
        model,
        version,
        created,
        sourceVersion,
      }))(json<{ model: string; version: number; created: boolean; sourceVersion: number }>(imp)),
      { model: 'm', version: 1, created: true, sourceVersion: 1 },
    );
    const again = await runCli(['import', out, '--store', other]);
    ok(again);
    assert.match(again.stdout, /Already present as m@1/);
    ok(await runCli(['artifacts', 'verify', '--store', other]));

    fails(
      await runCli(['export', 'm@1', '-o', out, '--store', store]),
      6,
      'REGISTRY_EXPORT_CONFLICT',
    );
    fails(
      await runCli(['export', 'm@9', '-o', path.join(dir, 'x'), '--store', store]),
      6,
      'REGISTRY_NOT_FOUND',
    );
    const noOut = await runCli(['export', 'm@1', '--store', store]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--output/);
    fails(
      await runCli(['import', path.join(dir, 'nope'), '--store', other]),
      6,
      'REGISTRY_IMPORT_INVALID',
    );
    fs.writeFileSync(
      path.join(out, 'artifacts', fs.readdirSync(path.join(out, 'artifacts'))[0] as string),
      'x',
    );
    fails(await runCli(['import', out, '--store', path.join(dir, 'third')]), 7, 'ARTIFACT_CORRUPT');
  });
});
