import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FsArtifactStore } from './fs-artifact-store.js';
import { gc } from './gc.js';
import { sha256Hex } from './hash.js';
import { openRegistry } from './open.js';
import { backends } from './test-support/backends.js';
import { registerFake, tempDir } from './test-support/fixtures.js';
import { verifyStore } from './verify.js';

const enc = new TextEncoder();

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  });
}

test('sqlite: objects are read-only files at artifacts/sha256/ab/<hash>', async (t) => {
  const store = new FsArtifactStore(tempDir(t));
  const sha = await store.put(enc.encode('hello artifacts'));
  assert.equal(store.pathOf(sha), path.join(store.root, 'sha256', sha.slice(0, 2), sha));
  assert.equal(fs.statSync(store.pathOf(sha)).mode & 0o777, 0o444);
});

test('sqlite: a read-only filesystem store refuses writes and creates nothing', async (t) => {
  const dir = tempDir(t);
  const ro = new FsArtifactStore(dir, true);
  await rejectsWith(ro.put(enc.encode('x')), 'REGISTRY_STORE_READONLY');
  await rejectsWith(ro.remove('a'.repeat(64)), 'REGISTRY_STORE_READONLY');
  assert.equal(fs.existsSync(path.join(dir, 'artifacts')), false);
});

for (const b of backends()) {
  test(`${b.name}: put/get/has/list: content-addressed, deduplicated, no temp files left`, async (t) => {
    const store = (await b.registry(t)).artifacts;
    const bytes = enc.encode('hello artifacts');
    const sha = await store.put(bytes, { kind: 'test' });
    assert.equal(sha, sha256Hex(bytes));
    assert.deepEqual(Buffer.from(await store.get(sha)), Buffer.from(bytes));
    assert.equal(await store.has(sha), true);
    assert.equal(await store.put(bytes), sha, 'idempotent');
    assert.equal((await store.stat(sha))?.bytes, bytes.length);
    const empty = await store.put(new Uint8Array(0));
    assert.equal(empty, sha256Hex(new Uint8Array(0)));
    assert.equal((await store.get(empty)).byteLength, 0);
    assert.deepEqual(await store.list(), [sha, empty].sort());
    assert.deepEqual(await store.tempFiles(), [], 'no temp files after successful writes');
    assert.equal(await store.has('0'.repeat(64)), false);
    assert.equal(await store.stat('0'.repeat(64)), null);
    await rejectsWith(store.get('0'.repeat(64)), 'ARTIFACT_MISSING');
    await rejectsWith(store.get('not-a-hash'), 'ARTIFACT_INVALID');
  });

  test(`${b.name}: putFile streams a large file (several chunks) and matches put()`, async (t) => {
    const dir = tempDir(t);
    const store = (await b.registry(t)).artifacts;
    const big = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, big);
    const sha = await store.putFile(file);
    assert.equal(sha, sha256Hex(big));
    assert.equal(await store.putFile(file), sha, 'second putFile reuses the object');
    assert.equal(await store.put(big), sha, 'put of the same bytes too');
    assert.deepEqual(await store.tempFiles(), []);
    assert.deepEqual(Buffer.from(await store.get(sha)), big);
    assert.equal((await store.stat(sha))?.bytes, big.length);
    await assert.rejects(store.putFile(path.join(dir, 'nope')), /ENOENT/);
    assert.deepEqual(await store.tempFiles(), [], 'a failed putFile cleans its temp file');
    assert.deepEqual(await store.list(), [sha]);
  });

  test(`${b.name}: concurrent puts of the same bytes are safe`, async (t) => {
    const store = (await b.registry(t)).artifacts;
    const bytes = enc.encode('x'.repeat(100_000));
    const shas = await Promise.all(Array.from({ length: 16 }, () => store.put(bytes)));
    assert.equal(new Set(shas).size, 1);
    assert.deepEqual(Buffer.from(await store.get(shas[0] as string)), Buffer.from(bytes));
    assert.deepEqual(await store.tempFiles(), []);
    assert.deepEqual((await store.verifyAll()).corrupt, []);
  });

  test(`${b.name}: corruption is detected on read and by verifyAll; put repairs a corrupt object`, async (t) => {
    const reg = await b.registry(t);
    const store = reg.artifacts;
    const good = await store.put(enc.encode('good'));
    const bad = await store.put(enc.encode('will be damaged'));
    await b.corrupt(reg, bad, 'damaged!');
    await assert.rejects(
      store.get(bad),
      (e: Error & { code?: string; details?: { actual?: string } }) => {
        assert.equal(e.code, 'ARTIFACT_CORRUPT');
        assert.equal(e.details?.actual, sha256Hex(enc.encode('damaged!')));
        return true;
      },
    );
    const gone = 'ab'.repeat(32);
    const report = await store.verifyAll([good, bad, gone]);
    assert.deepEqual(report, { checked: 2, corrupt: [bad], missing: [gone] });
    // Re-putting the right bytes replaces the corrupt object.
    assert.equal(await store.put(enc.encode('will be damaged')), bad);
    assert.equal(Buffer.from(await store.get(bad)).toString(), 'will be damaged');
    assert.deepEqual((await store.verifyAll()).corrupt, []);
  });

  test(`${b.name}: a store opened read-only refuses artifact writes`, async (t) => {
    const location = await b.location(t);
    const reg = await openRegistry(location);
    const sha = await reg.artifacts.put(enc.encode('kept'));
    await reg.close();
    const ro = await openRegistry(location, { readonly: true });
    t.after(() => ro.close());
    await rejectsWith(ro.artifacts.put(enc.encode('x')), 'REGISTRY_STORE_READONLY');
    await rejectsWith(ro.artifacts.remove(sha), 'REGISTRY_STORE_READONLY');
    assert.equal(Buffer.from(await ro.artifacts.get(sha)).toString(), 'kept');
  });

  test(`${b.name}: verifyStore names the versions that point at a corrupt or missing artifact`, async (t) => {
    const reg = await b.registry(t);
    const { version } = await registerFake(reg, 'm', 'one');
    assert.equal((await verifyStore(reg)).ok, true);
    const metrics = version.artifacts.metrics as string;
    await b.corrupt(reg, version.modelSha256, 'flipped');
    await b.lose(reg, metrics);
    const r = await verifyStore(reg);
    assert.equal(r.ok, false);
    assert.deepEqual(r.corrupt, [version.modelSha256]);
    assert.deepEqual(r.missing, [metrics]);
    assert.deepEqual(r.database, ['ok']);
    const byProblem = Object.fromEntries(
      r.problems.map((p) => [
        p.problem,
        p.references.map((x) => `${x.model}@${x.version}:${x.name}`),
      ]),
    );
    assert.deepEqual(byProblem, { corrupt: ['m@1:model'], missing: ['m@1:metrics'] });
    await rejectsWith(reg.artifacts.get(version.modelSha256), 'ARTIFACT_CORRUPT');
  });

  test(`${b.name}: gc: dry run by default, removes only unreferenced, honours the grace period, cleans stale temp files`, async (t) => {
    const reg = await b.registry(t);
    const { version } = await registerFake(reg, 'm', 'kept');
    const report = await reg.artifacts.put(enc.encode('evaluation report'));
    await reg.recordEvaluation({
      model: 'm',
      version: 1,
      dataset: null,
      metrics: {},
      reportSha256: report,
    });
    const orphan = await reg.artifacts.put(enc.encode('orphan from a killed training'));
    const referenced = [...new Set([...Object.values(version.artifacts), report])];
    // Debris of an interrupted write, where the backend can have any.
    const stale = b.leaveTempFile(reg);
    const temps = stale === null ? 0 : 1;

    // Within the default grace period nothing is a candidate.
    const young = await gc(reg);
    assert.equal(young.dryRun, true);
    assert.deepEqual(young.unreferenced, []);
    assert.deepEqual(
      young.recent.map((r) => r.sha256),
      [orphan],
    );
    assert.deepEqual(young.tempFiles, []);

    const dry = await gc(reg, { graceMs: 0 });
    assert.deepEqual(
      dry.unreferenced.map((u) => u.sha256),
      [orphan],
    );
    assert.equal(dry.tempFiles.length, temps);
    assert.deepEqual(dry.removed, []);
    assert.equal(await reg.artifacts.has(orphan), true, 'dry run deletes nothing');
    if (stale !== null) assert.equal(fs.existsSync(stale), true);
    assert.equal(dry.checked, referenced.length + 1);
    assert.equal(dry.referenced, referenced.length);

    const applied = await gc(reg, { graceMs: 0, apply: true });
    assert.deepEqual(applied.removed, [orphan]);
    assert.equal(applied.tempRemoved, temps);
    assert.equal(await reg.artifacts.has(orphan), false);
    if (stale !== null) assert.equal(fs.existsSync(stale), false);
    for (const sha of referenced) assert.equal(await reg.artifacts.has(sha), true, `kept ${sha}`);
    assert.equal((await verifyStore(reg)).ok, true);
    assert.deepEqual(
      (await gc(reg, { graceMs: 0, apply: true })).removed,
      [],
      'nothing left to collect',
    );
  });

  test(`${b.name}: gc: re-putting an orphan refreshes its grace clock`, async (t) => {
    const reg = await b.registry(t);
    const bytes = enc.encode('orphan');
    const sha = await reg.artifacts.put(bytes);
    await b.age(reg, sha, 3 * 3600_000);
    assert.deepEqual(
      (await gc(reg)).unreferenced.map((u) => u.sha256),
      [sha],
    );
    await reg.artifacts.put(bytes); // a training about to reference it
    assert.deepEqual((await gc(reg, { apply: true })).removed, []);
    assert.equal(await reg.artifacts.has(sha), true);
  });

  test(`${b.name}: a writer killed with SIGKILL mid-write leaves no partial object, only temp files for gc`, async (t) => {
    const dir = tempDir(t);
    const location = await b.location(t);
    const worker = fileURLToPath(new URL('./test-support/put-worker.js', import.meta.url));
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [worker, location, path.join(dir, `scratch-${round}`)]);
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const reg = await openRegistry(location);
    t.after(() => reg.close());
    const store = reg.artifacts;
    const report = await store.verifyAll();
    assert.ok(report.checked >= 3, `objects written: ${report.checked}`);
    assert.deepEqual(report.corrupt, [], 'every object under its final name is complete');
    for (const sha of await store.list()) {
      assert.equal((await store.stat(sha))?.bytes, 4 * 1024 * 1024);
    }
    // Whatever was in flight is a temp file (or a rolled-back transaction); gc (grace 0) removes it.
    const swept = await gc(reg, { graceMs: 0, apply: true });
    assert.equal(swept.tempRemoved, swept.tempFiles.length);
    assert.deepEqual(await store.tempFiles(), []);
  });
}
