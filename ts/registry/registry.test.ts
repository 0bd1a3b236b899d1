import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from './open.js';
import { gitCommit, whoAmI } from './provenance.js';
import { parseRef } from './ref.js';
import { backends } from './test-support/backends.js';
import { deadPid, registerFake, tempDir } from './test-support/fixtures.js';
import type { RunFilter } from './types.js';

/** assert.rejects with a SentioError code. */
async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('sqlite: opening a directory: readers never create a store; writers do; file:// URLs too', async (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, 'missing');
  await rejectsWith(
    openRegistry(missing, { readonly: true }),
    'REGISTRY_STORE_NOT_FOUND',
    /no Sentio store/,
  );
  await rejectsWith(openRegistry(missing, { create: false }), 'REGISTRY_STORE_NOT_FOUND');
  assert.equal(fs.existsSync(missing), false, 'nothing created');
  await rejectsWith(
    openRegistry('mysql://u:secret@h/db'),
    'REGISTRY_BACKEND_UNSUPPORTED',
    /give a directory or a postgres:\/\/ URL/,
  );
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  await rejectsWith(openRegistry(file), 'REGISTRY_STORE_INVALID', /not a directory/);

  const reg = await openRegistry(missing);
  assert.equal(reg.dir, missing);
  assert.equal(reg.backend, 'sqlite');
  await registerFake(reg, 'm', 'a');
  await reg.close();
  const ro = await openRegistry(missing, { readonly: true });
  assert.equal((await ro.resolve('m')).version, 1);
  await rejectsWith(registerFake(ro, 'm', 'b'), 'REGISTRY_STORE_READONLY');
  assert.deepEqual(await ro.checkIntegrity(), ['ok']);
  await ro.close();
  const viaUrl = await openRegistry(`file://${missing}`, { readonly: true });
  assert.equal((await viaUrl.getModel('m')).versions, 1);
  await viaUrl.close();
});

test('git commit is read from .git without a git binary (branch, packed ref, detached, worktree)', (t) => {
  const dir = tempDir(t);
  const repo = path.join(dir, 'repo');
  const sub = path.join(repo, 'a', 'b');
  fs.mkdirSync(path.join(repo, '.git', 'refs', 'heads'), { recursive: true });
  fs.mkdirSync(sub, { recursive: true });
  const sha1 = '1'.repeat(40);
  const sha2 = '2'.repeat(40);
  fs.writeFileSync(path.join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  assert.equal(gitCommit(sub), null, 'branch without commits');
  fs.writeFileSync(
    path.join(repo, '.git', 'packed-refs'),
    `# pack-refs\n${sha2} refs/heads/main\n`,
  );
  assert.equal(gitCommit(sub), sha2, 'packed ref');
  fs.writeFileSync(path.join(repo, '.git', 'refs', 'heads', 'main'), `${sha1}\n`);
  assert.equal(gitCommit(sub), sha1, 'loose ref wins');
  fs.writeFileSync(path.join(repo, '.git', 'HEAD'), `${sha2}\n`);
  assert.equal(gitCommit(repo), sha2, 'detached HEAD');
  // A linked worktree: .git is a file pointing at a gitdir with a commondir.
  const wt = path.join(dir, 'wt');
  const wtGit = path.join(repo, '.git', 'worktrees', 'wt');
  fs.mkdirSync(wtGit, { recursive: true });
  fs.mkdirSync(wt);
  fs.writeFileSync(path.join(wt, '.git'), `gitdir: ${wtGit}\n`);
  fs.writeFileSync(path.join(wtGit, 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(wtGit, 'commondir'), '../..\n');
  assert.equal(gitCommit(wt), sha1);
  const outside = tempDir(t);
  assert.equal(gitCommit(outside), null);
});

for (const b of backends()) {
  test(`${b.name}: runs: create, log metrics, finish; provenance recorded`, async (t) => {
    const reg = await b.registry(t);
    const run = await reg.createRun({
      experiment: 'exp-a',
      params: { alpha: 0.5, ngram: [1, 2] },
      tags: { owner: 'me' },
      dataset: { sha256: 'f'.repeat(64), rows: 10 },
    });
    assert.match(run.id, /^[0-9a-f]{12}$/);
    assert.equal(run.status, 'running');
    assert.equal(run.experiment, 'exp-a');
    assert.deepEqual(run.params, { alpha: 0.5, ngram: [1, 2] });
    assert.deepEqual(run.tags, { owner: 'me' });
    assert.deepEqual(run.dataset, { sha256: 'f'.repeat(64), rows: 10 });
    assert.equal(`${run.user}@${run.host}`, whoAmI());
    assert.equal(run.pid, process.pid);
    assert.match(run.sentioVersion, /^\d+\.\d+\.\d+/);
    assert.equal(run.endedAt, null);

    await reg.logMetrics(run.id, { accuracy: 0.8, log_loss: Number.POSITIVE_INFINITY });
    await reg.logMetrics(run.id, { accuracy: 0.9, odd: Number.NaN });
    const done = await reg.finishRun(run.id, 'finished', { model: 'm', version: 3 });
    assert.equal(done.status, 'finished');
    assert.equal(done.metrics.accuracy, 0.9, 'last value wins');
    assert.equal(done.metrics.log_loss, Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(done.metrics.odd));
    assert.ok(done.endedAt !== null && done.durationMs !== null && done.durationMs >= 0);
    assert.equal(done.model, 'm');
    assert.equal(done.version, 3);
    await rejectsWith(reg.finishRun(run.id, 'failed'), 'REGISTRY_CONFLICT');

    const failed = await reg.createRun({ experiment: 'exp-b', params: {} });
    const f = await reg.finishRun(failed.id, 'failed', { error: 'boom' });
    assert.equal(f.error, 'boom');

    assert.deepEqual((await reg.getRun(run.id.slice(0, 6))).id, run.id, 'unique prefix');
    await rejectsWith(reg.getRun('zzzz'), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.getRun('abc'), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.logMetrics('0123456789ab', { a: 1 }), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.logMetrics(run.id, { a: 'x' as unknown as number }), 'REGISTRY_INVALID');
    await rejectsWith(reg.createRun({ experiment: 'bad name!', params: {} }), 'REGISTRY_INVALID');

    assert.deepEqual(
      (await reg.listRuns()).map((r) => r.id),
      [failed.id, run.id],
      'newest first',
    );
    assert.deepEqual(
      (await reg.listRuns({ experiment: 'exp-a' })).map((r) => r.id),
      [run.id],
    );
    assert.deepEqual(
      (await reg.listRuns({ model: 'm' })).map((r) => r.id),
      [run.id],
    );
    assert.deepEqual(
      (await reg.listRuns({ status: 'failed' })).map((r) => r.id),
      [failed.id],
    );
    assert.equal((await reg.listRuns({ limit: 1 })).length, 1);
    assert.deepEqual(
      (await reg.listExperiments()).map((e) => [e.name, e.runs]),
      [
        ['exp-a', 1],
        ['exp-b', 1],
      ],
    );
  });

  test(`${b.name}: a running run whose process is gone on this host reads as interrupted`, async (t) => {
    const reg = await b.registry(t);
    const dead = await deadPid();
    const alive = await reg.createRun({ experiment: 'e', params: { n: 1 } });
    const killed = await reg.createRun({ experiment: 'e', params: { n: 2 } });
    const elsewhere = await reg.createRun({ experiment: 'e', params: { n: 3 } });
    const legacy = await reg.createRun({ experiment: 'e', params: { n: 4 } });
    const closed = await reg.createRun({ experiment: 'e', params: { n: 5 } });
    await reg.finishRun(closed.id, 'failed', { error: 'boom' });
    // What a killed process, a process on another host, and a Sentio from
    // before pids were recorded leave behind.
    const idList = [killed, elsewhere, closed].map((r) => `'${r.id}'`).join(', ');
    await b.sql(reg, `UPDATE runs SET pid = ${dead} WHERE id IN (${idList})`);
    await b.sql(reg, `UPDATE runs SET host = 'another-host.example' WHERE id = '${elsewhere.id}'`);
    await b.sql(reg, `UPDATE runs SET pid = NULL WHERE id = '${legacy.id}'`);

    const status = async (id: string) => (await reg.getRun(id)).status;
    assert.equal(await status(alive.id), 'running', 'this process is alive');
    assert.equal(await status(killed.id), 'interrupted');
    assert.equal(await status(killed.id.slice(0, 6)), 'interrupted', 'by prefix too');
    assert.equal(await status(elsewhere.id), 'running', 'another host: cannot tell');
    assert.equal(await status(legacy.id), 'running', 'no pid: cannot tell');
    assert.equal(await status(closed.id), 'failed', 'a closed run keeps its status');
    assert.equal((await reg.getRun(legacy.id)).pid, null);

    assert.deepEqual(
      (await reg.listRuns()).map((r) => [r.id, r.status]),
      [
        [closed.id, 'failed'],
        [legacy.id, 'running'],
        [elsewhere.id, 'running'],
        [killed.id, 'interrupted'],
        [alive.id, 'running'],
      ],
    );
    const ids = async (f: RunFilter) => (await reg.listRuns(f)).map((r) => r.id);
    assert.deepEqual(await ids({ status: 'interrupted' }), [killed.id]);
    assert.deepEqual(await ids({ status: 'running' }), [legacy.id, elsewhere.id, alive.id]);
    assert.deepEqual(
      await ids({ status: 'running', limit: 3 }),
      [legacy.id, elsewhere.id, alive.id],
      'the limit counts runs as read, not as stored',
    );
    assert.deepEqual(await ids({ status: 'interrupted', experiment: 'e', limit: 1 }), [killed.id]);
    assert.deepEqual(await ids({ status: 'interrupted', experiment: 'other' }), []);
    assert.deepEqual(await ids({ status: 'failed' }), [closed.id]);

    // Derived, never written: the row still says running, so it can still be closed.
    const done = await reg.finishRun(killed.id, 'failed', { error: 'killed' });
    assert.equal(done.status, 'failed');
    assert.deepEqual(await ids({ status: 'interrupted' }), []);
  });

  test(`${b.name}: versions: monotonic numbers, records, models list`, async (t) => {
    const reg = await b.registry(t);
    const run = await reg.createRun({ experiment: 'e', params: {} });
    const a = await registerFake(reg, 'sentiment', 'one', {
      runId: run.id,
      tags: { stage: 'dev' },
    });
    const b2 = await registerFake(reg, 'sentiment', 'two');
    const c = await registerFake(reg, 'other', 'one');
    assert.deepEqual([a.version.version, b2.version.version, c.version.version], [1, 2, 1]);
    assert.ok(a.created && b2.created && c.created);
    assert.equal(a.version.runId, run.id);
    assert.deepEqual(a.version.tags, { stage: 'dev' });
    assert.deepEqual(Object.keys(a.version.artifacts).sort(), ['config', 'metrics', 'model']);
    assert.equal(a.version.artifacts.model, a.version.modelSha256);
    assert.deepEqual(a.version.config, { alpha: 1, ngram_range: [1, 2] });
    assert.deepEqual((a.version.dataset as { rows: number }).rows, 100);

    const models = await reg.listModels();
    assert.deepEqual(
      models.map((m) => [m.name, m.versions, m.latestVersion]),
      [
        ['other', 1, 1],
        ['sentiment', 2, 2],
      ],
    );
    assert.deepEqual(
      (await reg.listVersions('sentiment')).map((v) => v.version),
      [1, 2],
    );
    await rejectsWith(reg.listVersions('nope'), 'REGISTRY_NOT_FOUND', /model "nope"/);
    await rejectsWith(reg.getVersion('sentiment', 9), 'REGISTRY_NOT_FOUND', /no version 9/);
    await rejectsWith(reg.getModel('nope'), 'REGISTRY_NOT_FOUND');
  });

  test(`${b.name}: registerVersion refuses bad input and artifacts that are not stored`, async (t) => {
    const reg = await b.registry(t);
    const sha = await reg.artifacts.put(new TextEncoder().encode('m'));
    const base = { model: 'm', modelSha256: sha, artifacts: {}, metrics: {}, config: null };
    await rejectsWith(reg.registerVersion({ ...base, model: '../evil' }), 'REGISTRY_INVALID');
    await rejectsWith(reg.registerVersion({ ...base, modelSha256: 'abc' }), 'REGISTRY_INVALID');
    await rejectsWith(
      reg.registerVersion({ ...base, artifacts: { model: 'b'.repeat(64) } }),
      'REGISTRY_INVALID',
      /differ/,
    );
    await rejectsWith(
      reg.registerVersion({ ...base, artifacts: { card: 'c'.repeat(64) } }),
      'ARTIFACT_MISSING',
      /card/,
    );
    await rejectsWith(
      reg.registerVersion({ ...base, modelSha256: 'd'.repeat(64) }),
      'ARTIFACT_MISSING',
    );
    await rejectsWith(
      reg.registerVersion({ ...base, runId: 'abcdef123456' }),
      'REGISTRY_NOT_FOUND',
    );
    await rejectsWith(
      reg.registerVersion({ ...base, metrics: { a: '1' as unknown as number } }),
      'REGISTRY_INVALID',
    );
    assert.deepEqual(await reg.listModels(), [], 'nothing half-registered');
  });

  test(`${b.name}: identity by content: the same model file returns the existing version`, async (t) => {
    const reg = await b.registry(t);
    const first = await registerFake(reg, 'm', 'weights');
    const again = await registerFake(reg, 'm', 'weights', { metrics: { accuracy: 0.1 } });
    assert.equal(again.created, false);
    assert.equal(again.version.version, first.version.version);
    assert.deepEqual(
      again.version.metrics,
      first.version.metrics,
      'the existing version, unchanged',
    );
    const other = await registerFake(reg, 'm2', 'weights');
    assert.equal(other.created, true, 'identity is per model');
    assert.equal((await reg.getModel('m')).versions, 1);
  });

  test(`${b.name}: refs: NAME, NAME@N, NAME@vN, NAME@latest, NAME@ALIAS and their errors`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    await registerFake(reg, 'm', 'b');
    await reg.setAlias('m', 'production', 1);
    assert.equal((await reg.resolve('m')).version, 2);
    assert.equal((await reg.resolve('m@latest')).version, 2);
    assert.equal((await reg.resolve('m@1')).version, 1);
    assert.equal((await reg.resolve('m@v1')).version, 1);
    assert.equal((await reg.resolve('m@production')).version, 1);
    assert.deepEqual((await reg.resolve('m@production')).aliases, ['production']);

    for (const bad of ['', '@1', 'm@', 'm@1@2', 'm@0', 'm@-1', 'bad name', 'm@1x', 'm@_x']) {
      await rejectsWith(reg.resolve(bad), 'REGISTRY_BAD_REF');
    }
    await rejectsWith(reg.resolve('nope'), 'REGISTRY_NOT_FOUND', /model "nope"/);
    await rejectsWith(reg.resolve('m@7'), 'REGISTRY_NOT_FOUND', /no version 7/);
    await rejectsWith(reg.resolve('m@staging'), 'REGISTRY_NOT_FOUND', /alias "staging"/);
    assert.deepEqual(parseRef('m@staging'), { model: 'm', kind: 'alias', alias: 'staging' });
  });

  test(`${b.name}: a model with no versions yet (import of model metadata only) resolves to a clear error`, async (t) => {
    const reg = await b.registry(t);
    await b.sql(
      reg,
      "INSERT INTO models (name, created_at) VALUES ('empty', '2026-01-01T00:00:00Z')",
    );
    await rejectsWith(reg.resolve('empty'), 'REGISTRY_NOT_FOUND', /no versions/);
  });

  test(`${b.name}: aliases: one version per alias, every move in the history, who/when/why/details`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    await registerFake(reg, 'm', 'b');
    const m1 = await reg.setAlias('m', 'production', 1, {
      reason: 'first',
      details: { ticket: 42 },
    });
    assert.equal(m1.fromVersion, null);
    assert.equal(m1.toVersion, 1);
    assert.equal(m1.who, whoAmI());
    assert.deepEqual(m1.details, { ticket: 42 });
    const m2 = await reg.setAlias('m', 'production', 2, { who: 'ci-bot', reason: 'better' });
    assert.equal(m2.fromVersion, 1);
    await reg.setAlias('m', 'staging', 2);
    assert.deepEqual((await reg.getModel('m')).aliases, { production: 2, staging: 2 });
    assert.deepEqual((await reg.getVersion('m', 2)).aliases, ['production', 'staging']);
    assert.deepEqual((await reg.getVersion('m', 1)).aliases, []);
    const del = await reg.deleteAlias('m', 'staging', { reason: 'done' });
    assert.equal(del.fromVersion, 2);
    assert.equal(del.toVersion, null);

    const history = await reg.aliasHistory('m');
    assert.deepEqual(
      history.map((h) => [h.alias, h.fromVersion, h.toVersion, h.who === 'ci-bot', h.reason]),
      [
        ['production', null, 1, false, 'first'],
        ['production', 1, 2, true, 'better'],
        ['staging', null, 2, false, null],
        ['staging', 2, null, false, 'done'],
      ],
    );
    assert.equal((await reg.aliasHistory('m', 'production')).length, 2);
    for (const h of history) assert.ok(!Number.isNaN(Date.parse(h.at)));

    await rejectsWith(reg.setAlias('m', 'production', 9), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.setAlias('nope', 'production', 1), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.setAlias('m', 'latest', 1), 'REGISTRY_INVALID');
    await rejectsWith(reg.setAlias('m', '3', 1), 'REGISTRY_INVALID');
    await rejectsWith(reg.deleteAlias('m', 'staging'), 'REGISTRY_NOT_FOUND');
    assert.equal((await reg.aliasHistory('m')).length, 4, 'failed moves leave no history');
  });

  test(`${b.name}: alias move and history row are one transaction (a failing history insert moves nothing)`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    await registerFake(reg, 'm', 'b');
    await reg.setAlias('m', 'production', 1);
    // Make the history insert fail after the alias row was written in the same transaction.
    const undo = await b.failInserts(reg, 'alias_history', 'injected failure');
    await assert.rejects(reg.setAlias('m', 'production', 2), /injected failure/);
    assert.equal((await reg.resolve('m@production')).version, 1, 'alias not moved');
    await undo();
    assert.equal((await reg.aliasHistory('m')).length, 1);
  });

  test(`${b.name}: versions are immutable in the database itself`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    const raw = (sql: string) => b.sql(reg, sql);
    await assert.rejects(
      raw("UPDATE versions SET model_sha256 = 'x' WHERE version = 1"),
      /immutable/,
    );
    await assert.rejects(raw("UPDATE version_artifacts SET sha256 = 'x'"), /immutable/);
    await assert.rejects(raw('DELETE FROM version_artifacts'), /cannot be deleted/);
    await assert.rejects(raw('UPDATE version_metrics SET value = 1'), /immutable/);
    await assert.rejects(raw('DELETE FROM versions'), /cannot be deleted/);
    await assert.rejects(
      raw(
        `INSERT INTO versions (model_id, version, created_at, model_sha256, config)
         SELECT model_id, version, created_at, '${'e'.repeat(64)}', config FROM versions`,
      ),
      /UNIQUE|unique/,
    );
    // Descriptions and tags stay editable.
    await raw("UPDATE versions SET description = 'ok' WHERE version = 1");
  });

  test(`${b.name}: tags and descriptions on models and versions`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a', { tags: { a: '1' } });
    const m = await reg.tagModel('m', { team: 'nlp', task: 'sentiment' });
    assert.deepEqual(m.tags, { task: 'sentiment', team: 'nlp' });
    assert.deepEqual((await reg.tagModel('m', { team: null, task: 'reviews' })).tags, {
      task: 'reviews',
    });
    const v = await reg.tagVersion('m', 1, { b: '2', a: null });
    assert.deepEqual(v.tags, { b: '2' });
    assert.equal(
      (await reg.describeModel('m', 'Review sentiment')).description,
      'Review sentiment',
    );
    assert.equal((await reg.describeVersion('m', 1, 'first cut')).description, 'first cut');
    await rejectsWith(reg.tagModel('nope', { a: 'b' }), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.tagVersion('m', 5, { a: 'b' }), 'REGISTRY_NOT_FOUND');
    await rejectsWith(reg.tagVersion('nope', 1, { a: 'b' }), 'REGISTRY_NOT_FOUND', /model "nope"/);
    await rejectsWith(reg.tagModel('m', { 'bad key!': 'x' }), 'REGISTRY_INVALID');
    await rejectsWith(reg.describeVersion('m', 2, 'x'), 'REGISTRY_NOT_FOUND');
  });

  test(`${b.name}: evaluations are recorded against a version and point at stored reports`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    const report = await reg.artifacts.put(new TextEncoder().encode('{"accuracy":0.8}'));
    const e = await reg.recordEvaluation({
      model: 'm',
      version: 1,
      dataset: { path: 'x.csv' },
      metrics: { accuracy: 0.8, log_loss: Number.POSITIVE_INFINITY },
      reportSha256: report,
    });
    assert.equal(e.id, 1);
    assert.equal(e.reportSha256, report);
    assert.equal(e.metrics.log_loss, Number.POSITIVE_INFINITY);
    await reg.recordEvaluation({
      model: 'm',
      version: 1,
      dataset: null,
      metrics: { accuracy: 0.7 },
    });
    const list = await reg.listEvaluations('m', 1);
    assert.deepEqual(
      list.map((x) => x.metrics.accuracy),
      [0.8, 0.7],
    );
    assert.equal((await reg.listEvaluations('m')).length, 2);
    assert.ok((await reg.referencedArtifacts()).has(report), 'gc keeps evaluation reports');
    await rejectsWith(
      reg.recordEvaluation({
        model: 'm',
        version: 1,
        dataset: null,
        metrics: {},
        reportSha256: 'f'.repeat(64),
      }),
      'ARTIFACT_MISSING',
    );
    await rejectsWith(
      reg.recordEvaluation({ model: 'm', version: 2, dataset: null, metrics: {} }),
      'REGISTRY_NOT_FOUND',
    );
  });

  test(`${b.name}: registerVersion can close its run in the same transaction`, async (t) => {
    const reg = await b.registry(t);
    const sha = await reg.artifacts.put(new TextEncoder().encode('model bytes for finishRun'));
    const run = await reg.createRun({ experiment: 'e', params: {} });
    const { version } = await reg.registerVersion({
      model: 'm',
      modelSha256: sha,
      artifacts: {},
      runId: run.id,
      metrics: {},
      config: {},
      finishRun: true,
    });
    const done = await reg.getRun(run.id);
    assert.equal(done.status, 'finished');
    assert.equal(done.model, 'm');
    assert.equal(done.version, version.version);
    assert.ok(done.durationMs !== null && done.durationMs >= 0);
    // Re-registering the same bytes from another run closes that run too.
    const again = await reg.createRun({ experiment: 'e', params: {} });
    const same = await reg.registerVersion({
      model: 'm',
      modelSha256: sha,
      artifacts: {},
      runId: again.id,
      metrics: {},
      config: {},
      finishRun: true,
    });
    assert.equal(same.created, false);
    assert.equal((await reg.getRun(again.id)).version, version.version);
  });
}
