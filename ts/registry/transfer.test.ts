import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { backends, type StoreBackend } from './test-support/backends.js';
import { deadPid, registerFake, tempDir } from './test-support/fixtures.js';
import { exportVersion, importVersion, MANIFEST_FILE, readManifest } from './transfer.js';
import type { Registry } from './types.js';
import { verifyStore } from './verify.js';

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A source store with m@1, m@2 (run, tags, description, evaluation with report, alias). */
async function source(
  b: StoreBackend,
  t: Parameters<typeof tempDir>[0],
): Promise<{ reg: Registry; dir: string }> {
  const dir = tempDir(t);
  const reg = await b.registry(t);
  await registerFake(reg, 'm', 'first');
  const run = await reg.createRun({ experiment: 'exp', params: { alpha: 0.5 }, tags: { k: 'v' } });
  await reg.logMetrics(run.id, { accuracy: 0.91, log_loss: Number.POSITIVE_INFINITY });
  await registerFake(reg, 'm', 'second', {
    runId: run.id,
    metrics: { accuracy: 0.91, nan_metric: Number.NaN },
    tags: { stage: 'candidate' },
  });
  await reg.finishRun(run.id, 'finished', { model: 'm', version: 2 });
  await reg.describeVersion('m', 2, 'the good one');
  await reg.describeModel('m', 'a model');
  await reg.tagModel('m', { team: 'nlp' });
  const report = await reg.artifacts.put(new TextEncoder().encode('{"report":true}'));
  await reg.recordEvaluation({
    model: 'm',
    version: 2,
    dataset: { path: 'new.csv' },
    metrics: { accuracy: 0.88 },
    reportSha256: report,
  });
  await reg.setAlias('m', 'production', 2);
  return { reg, dir };
}

for (const b of backends()) {
  test(`${b.name}: export → import round trip between two stores keeps artifacts and metadata`, async (t) => {
    const { reg, dir } = await source(b, t);
    const out = path.join(dir, 'export');
    const exp = await exportVersion(reg, 'm@production', out);
    assert.equal(exp.version, 2);
    assert.equal(exp.files, 4, 'model, metrics, config, evaluation report');
    const manifest = readManifest(out);
    assert.equal(manifest.version.version, 2);
    assert.equal(manifest.run?.experiment, 'exp');
    assert.ok(Number.isNaN(manifest.version.metrics.nan_metric), 'NaN survives the manifest');
    assert.deepEqual(
      fs.readdirSync(path.join(out, 'artifacts')).sort(),
      Object.keys(manifest.files).sort(),
    );
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
      'no temp directory left behind',
    );

    const dst = await b.registry(t);
    await registerFake(dst, 'm', 'unrelated existing version'); // the target numbering continues
    const imp = await importVersion(dst, out);
    assert.deepEqual(
      { created: imp.created, version: imp.version, sourceVersion: imp.sourceVersion },
      { created: true, version: 2, sourceVersion: 2 },
    );
    const a = await reg.getVersion('m', 2);
    const copy = await dst.getVersion('m', 2);
    for (const k of [
      'modelSha256',
      'artifacts',
      'config',
      'dataset',
      'description',
      'tags',
      'runId',
      'createdAt',
    ] as const) {
      assert.deepEqual(copy[k], a[k], k);
    }
    assert.equal(copy.metrics.accuracy, 0.91);
    assert.ok(Number.isNaN(copy.metrics.nan_metric));
    assert.deepEqual(copy.aliases, [], 'aliases are not carried over');
    for (const sha of Object.values(a.artifacts)) {
      assert.deepEqual(
        Buffer.from(await dst.artifacts.get(sha)),
        Buffer.from(await reg.artifacts.get(sha)),
      );
    }
    const run = await dst.getRun(a.runId as string);
    assert.deepEqual(run.params, { alpha: 0.5 });
    assert.equal(run.metrics.log_loss, Number.POSITIVE_INFINITY);
    assert.equal(run.status, 'finished');
    const evals = await dst.listEvaluations('m', 2);
    assert.deepEqual(
      evals.map((e) => e.metrics.accuracy),
      [0.88],
    );
    assert.equal(
      (await dst.getModel('m')).description,
      '',
      'an existing target model keeps its own metadata',
    );
    assert.equal((await verifyStore(dst)).ok, true);

    // Idempotent: a second import finds the version by content and adds nothing.
    const again = await importVersion(dst, out);
    assert.deepEqual(
      { created: again.created, version: again.version },
      { created: false, version: 2 },
    );
    assert.equal((await dst.listEvaluations('m', 2)).length, 1);
    assert.equal((await dst.getModel('m')).versions, 2);

    // Into a store without the model, the model's description and tags come along.
    const fresh = await b.registry(t);
    const f = await importVersion(fresh, out);
    assert.equal(f.version, 1);
    const fm = await fresh.getModel('m');
    assert.deepEqual([fm.description, fm.tags], ['a model', { team: 'nlp' }]);
  });

  test(`${b.name}: import verifies every hash before writing anything`, async (t) => {
    const { reg, dir } = await source(b, t);
    const out = path.join(dir, 'export');
    await exportVersion(reg, 'm@2', out);
    const manifest = readManifest(out);
    const victim = manifest.version.modelSha256;

    const tampered = path.join(dir, 'tampered');
    fs.cpSync(out, tampered, { recursive: true });
    fs.writeFileSync(path.join(tampered, 'artifacts', victim), 'evil weights');
    const dst = await b.registry(t);
    await rejectsWith(importVersion(dst, tampered), 'ARTIFACT_CORRUPT', new RegExp(victim));

    const missing = path.join(dir, 'missing');
    fs.cpSync(out, missing, { recursive: true });
    fs.rmSync(path.join(missing, 'artifacts', victim));
    await rejectsWith(importVersion(dst, missing), 'ARTIFACT_MISSING');

    assert.deepEqual(await dst.listModels(), [], 'nothing registered');
    assert.deepEqual(await dst.artifacts.list(), [], 'no artifact stored');
  });

  test(`${b.name}: import rejects what is not an export`, async (t) => {
    const { reg, dir } = await source(b, t);
    const out = path.join(dir, 'export');
    await exportVersion(reg, 'm@2', out);
    const dst = await b.registry(t);
    await rejectsWith(
      importVersion(dst, path.join(dir, 'nope')),
      'REGISTRY_IMPORT_INVALID',
      /no such directory/,
    );
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await rejectsWith(importVersion(dst, empty), 'REGISTRY_IMPORT_INVALID', /no manifest.json/);
    const cases: Array<[string, (m: Record<string, unknown>) => unknown]> = [
      ['not json', () => '{'],
      ['wrong format', (m) => ({ ...m, format: 'other' })],
      ['newer format', (m) => ({ ...m, formatVersion: 99 })],
      ['unlisted artifact', (m) => ({ ...m, files: {} })],
      ['bad run', (m) => ({ ...m, run: { id: 'x' } })],
      ['bad run pid', (m) => ({ ...m, run: { ...(m.run as Record<string, unknown>), pid: -1 } })],
    ];
    for (const [name, edit] of cases) {
      const d = path.join(dir, name.replace(/ /g, '-'));
      fs.cpSync(out, d, { recursive: true });
      const m = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));
      const edited = edit(m);
      fs.writeFileSync(
        path.join(d, MANIFEST_FILE),
        typeof edited === 'string' ? edited : JSON.stringify(edited),
      );
      await rejectsWith(importVersion(dst, d), 'REGISTRY_IMPORT_INVALID');
    }
    assert.deepEqual(await dst.listModels(), []);
  });

  test(`${b.name}: a run that reads interrupted is exported as stored (running, with its host and pid)`, async (t) => {
    const reg = await b.registry(t);
    const dir = tempDir(t);
    const run = await reg.createRun({ experiment: 'exp', params: {} });
    await registerFake(reg, 'm', 'registered, run left open', { runId: run.id });
    const dead = await deadPid();
    await b.sql(reg, `UPDATE runs SET pid = ${dead} WHERE id = '${run.id}'`);
    assert.equal((await reg.getRun(run.id)).status, 'interrupted');
    const out = path.join(dir, 'export');
    await exportVersion(reg, 'm@1', out);
    const manifest = readManifest(out);
    assert.deepEqual([manifest.run?.status, manifest.run?.pid], ['running', dead]);
    // Imported on the same host, it reads interrupted there too; older exports have no pid.
    const dst = await b.registry(t);
    await importVersion(dst, out);
    assert.equal((await dst.getRun(run.id)).status, 'interrupted');
    const noPid = path.join(dir, 'no-pid');
    fs.cpSync(out, noPid, { recursive: true });
    const { pid: _pid, ...oldRun } = manifest.run as NonNullable<typeof manifest.run>;
    fs.writeFileSync(
      path.join(noPid, MANIFEST_FILE),
      JSON.stringify({
        ...JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')),
        run: oldRun,
      }),
    );
    const third = await b.registry(t);
    await importVersion(third, noPid);
    const imported = await third.getRun(run.id);
    assert.deepEqual([imported.status, imported.pid], ['running', null]);
  });

  test(`${b.name}: export refuses a non-empty target and leaves nothing behind on failure`, async (t) => {
    const { reg, dir } = await source(b, t);
    const busy = path.join(dir, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'x'), '');
    await rejectsWith(exportVersion(reg, 'm@2', busy), 'REGISTRY_EXPORT_CONFLICT');
    const emptyDir = path.join(dir, 'empty');
    fs.mkdirSync(emptyDir);
    assert.equal(
      (await exportVersion(reg, 'm@2', emptyDir)).version,
      2,
      'an empty directory is fine',
    );

    // A missing artifact in the source: ARTIFACT_MISSING, and no output directory.
    const v = await reg.getVersion('m', 1);
    await b.lose(reg, v.artifacts.metrics as string);
    const out = path.join(dir, 'out');
    await rejectsWith(exportVersion(reg, 'm@1', out), 'ARTIFACT_MISSING');
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    );
    await rejectsWith(exportVersion(reg, 'm@9', path.join(dir, 'o2')), 'REGISTRY_NOT_FOUND');
  });
}
