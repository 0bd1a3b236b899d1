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
import { registerFake, tempDir, tempRegistry } from './test-support/fixtures.js';
import { verifyStore } from './verify.js';

const enc = new TextEncoder();

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  });
}

/** Overwrite an object in place (objects are stored read-only). */
function tamper(file: string, content: string): void {
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, content);
}

test('put/get/has/list: content-addressed, deduplicated, read-only objects, no temp files left', async (t) => {
  const store = new FsArtifactStore(tempDir(t));
  const bytes = enc.encode('hello artifacts');
  const sha = await store.put(bytes, { kind: 'test' });
  assert.equal(sha, sha256Hex(bytes));
  assert.equal(store.pathOf(sha), path.join(store.root, 'sha256', sha.slice(0, 2), sha));
  assert.equal(fs.statSync(store.pathOf(sha)).mode & 0o777, 0o444);
  assert.deepEqual(Buffer.from(await store.get(sha)), Buffer.from(bytes));
  assert.equal(await store.has(sha), true);
  assert.equal(await store.put(bytes), sha, 'idempotent');
  const empty = await store.put(new Uint8Array(0));
  assert.equal(empty, sha256Hex(new Uint8Array(0)));
  assert.equal((await store.get(empty)).byteLength, 0);
  assert.deepEqual(await store.list(), [sha, empty].sort());
  assert.deepEqual(await store.tempFiles(), [], 'no temp files after successful writes');
  assert.equal(await store.has('0'.repeat(64)), false);
  await rejectsWith(store.get('0'.repeat(64)), 'ARTIFACT_MISSING');
  await rejectsWith(store.get('not-a-hash'), 'ARTIFACT_INVALID');
});

test('putFile streams a large file and matches put()', async (t) => {
  const dir = tempDir(t);
  const store = new FsArtifactStore(path.join(dir, 'store'));
  const big = Buffer.alloc(5 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const file = path.join(dir, 'big.bin');
  fs.writeFileSync(file, big);
  const sha = await store.putFile(file);
  assert.equal(sha, sha256Hex(big));
  assert.equal(await store.putFile(file), sha, 'second putFile reuses the object');
  assert.deepEqual(await store.tempFiles(), []);
  assert.equal((await store.get(sha)).byteLength, big.length);
  await assert.rejects(store.putFile(path.join(dir, 'nope')), /ENOENT/);
  assert.deepEqual(await store.tempFiles(), [], 'a failed putFile cleans its temp file');
});

test('concurrent puts of the same bytes are safe', async (t) => {
  const store = new FsArtifactStore(tempDir(t));
  const bytes = enc.encode('x'.repeat(100_000));
  const shas = await Promise.all(Array.from({ length: 16 }, () => store.put(bytes)));
  assert.equal(new Set(shas).size, 1);
  assert.deepEqual(Buffer.from(await store.get(shas[0] as string)), Buffer.from(bytes));
  assert.deepEqual(await store.tempFiles(), []);
});

test('corruption is detected on read and by verifyAll; put repairs a corrupt object', async (t) => {
  const store = new FsArtifactStore(tempDir(t));
  const good = await store.put(enc.encode('good'));
  const bad = await store.put(enc.encode('will be damaged'));
  tamper(store.pathOf(bad), 'damaged!');
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

test('a read-only store refuses writes', async (t) => {
  const dir = tempDir(t);
  const ro = new FsArtifactStore(dir, true);
  await rejectsWith(ro.put(enc.encode('x')), 'REGISTRY_STORE_READONLY');
  await rejectsWith(ro.remove('a'.repeat(64)), 'REGISTRY_STORE_READONLY');
  assert.equal(fs.existsSync(path.join(dir, 'artifacts')), false);
});

test('verifyStore names the versions that point at a corrupt or missing artifact', async (t) => {
  const reg = await tempRegistry(t);
  const { version } = await registerFake(reg, 'm', 'one');
  assert.equal((await verifyStore(reg)).ok, true);
  const metrics = version.artifacts.metrics as string;
  tamper(reg.artifacts.pathOf(version.modelSha256), 'flipped');
  fs.rmSync(reg.artifacts.pathOf(metrics));
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

test('gc: dry run by default, removes only unreferenced, honours the grace period, cleans stale temp files', async (t) => {
  const reg = await tempRegistry(t);
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

  // A temp file from an interrupted write.
  const tmpDir = path.join(reg.artifacts.pathOf(orphan), '..', '..', '..', 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  const stale = path.join(tmpDir, '.tmp-999-deadbeef');
  fs.writeFileSync(stale, 'half');

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
  assert.equal(dry.tempFiles.length, 1);
  assert.deepEqual(dry.removed, []);
  assert.equal(await reg.artifacts.has(orphan), true, 'dry run deletes nothing');
  assert.equal(fs.existsSync(stale), true);
  assert.equal(dry.checked, referenced.length + 1);
  assert.equal(dry.referenced, referenced.length);

  const applied = await gc(reg, { graceMs: 0, apply: true });
  assert.deepEqual(applied.removed, [orphan]);
  assert.equal(applied.tempRemoved, 1);
  assert.equal(await reg.artifacts.has(orphan), false);
  assert.equal(fs.existsSync(stale), false);
  for (const sha of referenced) assert.equal(await reg.artifacts.has(sha), true, `kept ${sha}`);
  assert.equal((await verifyStore(reg)).ok, true);
  assert.deepEqual(
    (await gc(reg, { graceMs: 0, apply: true })).removed,
    [],
    'nothing left to collect',
  );
});

test('gc: re-putting an orphan refreshes its grace clock', async (t) => {
  const reg = await tempRegistry(t);
  const bytes = enc.encode('orphan');
  const sha = await reg.artifacts.put(bytes);
  const file = reg.artifacts.pathOf(sha);
  const old = new Date(Date.now() - 3 * 3600_000);
  fs.utimesSync(file, old, old);
  assert.deepEqual(
    (await gc(reg)).unreferenced.map((u) => u.sha256),
    [sha],
  );
  await reg.artifacts.put(bytes); // a training about to reference it
  assert.deepEqual((await gc(reg, { apply: true })).removed, []);
  assert.equal(await reg.artifacts.has(sha), true);
});

test('a writer killed with SIGKILL mid-write leaves no partial object, only temp files for gc', async (t) => {
  const dir = tempDir(t);
  const storeDir = path.join(dir, 'store');
  const worker = fileURLToPath(new URL('./test-support/put-worker.js', import.meta.url));
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, [worker, storeDir, path.join(dir, `scratch-${round}`)]);
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  const store = new FsArtifactStore(storeDir);
  const report = await store.verifyAll();
  assert.ok(report.checked >= 3, `objects written: ${report.checked}`);
  assert.deepEqual(report.corrupt, [], 'every object under its final name is complete');
  for (const sha of await store.list())
    assert.equal((await store.stat(sha))?.bytes, 4 * 1024 * 1024);
  // Whatever was in flight is a temp file; gc (grace 0) removes it.
  const reg = await openRegistry(storeDir);
  t.after(() => reg.close());
  const swept = await gc(reg, { graceMs: 0, apply: true });
  assert.equal(swept.tempRemoved, swept.tempFiles.length);
  assert.deepEqual(await store.tempFiles(), []);
});
