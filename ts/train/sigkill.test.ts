// Crash safety: `sentio train` on IMDB killed with SIGKILL at random points
// (early: loading and fitting; late: around artifact writes and
// registration). After every kill the store must hold no half-registered
// version, no dangling reference, no open run that looks registered, and
// every run a kill left open reads `interrupted` (its process is gone);
// `sentio artifacts verify` must pass and a following train must work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, watch } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import { ARTIFACT_NAMES } from './artifact-files.js';
import {
  CLI,
  cliEnv,
  freshStore,
  IMDB_TRAIN,
  ok,
  okJson,
  sentio,
  UCI,
} from './test-support/cli.js';

interface KillPlan {
  /** Kill this long after the start. */
  afterMs?: number;
  /** Kill this long after the first artifact write began (a temp file appeared in the store). */
  afterFirstWriteMs?: number;
}

/**
 * Start an IMDB training (a split of train.csv) and SIGKILL it as planned
 * (or let it finish). Resolves once it is gone, with when the first artifact
 * write began and when the process ended, both relative to the start.
 */
function trainAndKill(
  store: string,
  seed: number,
  plan: KillPlan,
): Promise<{ exited: string; firstWriteMs: number | null; exitMs: number }> {
  const tmpDir = path.join(store, 'artifacts', 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstWriteMs: number | null = null;
    const args = ['train', '--data', IMDB_TRAIN, '--model', 'imdb', '--store', store];
    const child = spawn(process.execPath, [CLI, ...args, '--seed', String(seed), '--json'], {
      env: cliEnv(),
      stdio: 'ignore',
    });
    const timers: NodeJS.Timeout[] = [];
    const kill = () => child.kill('SIGKILL');
    if (plan.afterMs !== undefined) timers.push(setTimeout(kill, plan.afterMs));
    // inotify: fires as soon as the store opens its first temp file.
    const watcher = watch(tmpDir, () => {
      if (firstWriteMs !== null) return;
      firstWriteMs = performance.now() - t0;
      if (plan.afterFirstWriteMs !== undefined) {
        timers.push(setTimeout(kill, plan.afterFirstWriteMs));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      watcher.close();
      resolve({ exited: signal ?? `code ${code}`, firstWriteMs, exitMs: performance.now() - t0 });
    });
  });
}

/** The store invariants a crash must never break. */
async function checkStore(
  store: string,
  context: string,
): Promise<{ versions: number; interrupted: number; unfinishedRegistered: number }> {
  if (!existsSync(store)) return { versions: 0, interrupted: 0, unfinishedRegistered: 0 };
  const reg = await openRegistry(store, { readonly: true });
  try {
    const runs = await reg.listRuns();
    const byId = new Map(runs.map((r) => [r.id, r]));
    let versions = 0;
    let unfinishedRegistered = 0;
    for (const m of await reg.listModels()) {
      for (const v of await reg.listVersions(m.name)) {
        if (m.name === 'imdb') versions++;
        assert.deepEqual(
          Object.keys(v.artifacts).sort(),
          [...ARTIFACT_NAMES].sort(),
          `${context}: ${m.name}@${v.version} artifacts`,
        );
        for (const [name, sha] of Object.entries(v.artifacts)) {
          // get() re-hashes the bytes: present and intact.
          const bytes = await reg.artifacts.get(sha);
          assert.ok(bytes.length > 0, `${context}: ${m.name}@${v.version} ${name} empty`);
        }
        assert.equal(v.artifacts.model, v.modelSha256);
        const run = v.runId ? byId.get(v.runId) : undefined;
        assert.ok(run, `${context}: ${m.name}@${v.version} points to a missing run ${v.runId}`);
        assert.notEqual(run.status, 'failed', `${context}: version of a failed run`);
        // registerVersion closes the run in the same transaction: a version
        // whose run was left open (it reads interrupted: its process is gone)
        // would be a torn write.
        if (run.status === 'running' || run.status === 'interrupted') unfinishedRegistered++;
        assert.equal(
          run.status,
          'finished',
          `${context}: ${m.name}@${v.version}'s run is ${run.status}`,
        );
      }
    }
    let interrupted = 0;
    for (const r of runs) {
      // No training is alive now: a run a kill left open reads interrupted, never running.
      assert.notEqual(r.status, 'running', `${context}: run ${r.id} of a dead process`);
      if (r.status !== 'interrupted') continue;
      interrupted++;
      assert.equal(r.version, null, `${context}: interrupted run ${r.id} looks registered`);
      assert.equal(r.model, null, `${context}: interrupted run ${r.id} looks registered`);
    }
    for (const r of runs) {
      if (r.version !== null) {
        const v = await reg.getVersion(r.model as string, r.version);
        assert.ok(v, `${context}: run ${r.id} points to a missing version`);
      }
    }
    return { versions, interrupted, unfinishedRegistered };
  } finally {
    await reg.close();
  }
}

test('SIGKILL at random points leaves the store consistent', {
  skip: !existsSync(IMDB_TRAIN) && 'no imdb data',
  timeout: 15 * 60_000,
}, async () => {
  const store = freshStore();
  // One full run: proves the setup and measures when the writes happen.
  const full = await trainAndKill(store, 1, {});
  assert.equal(full.exited, 'code 0');
  assert.ok(full.firstWriteMs !== null, 'the full run wrote artifacts');
  const writeWindow = full.exitMs - full.firstWriteMs;
  assert.equal((await checkStore(store, 'full run')).versions, 1);

  const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
  const plans: KillPlan[] = [
    // Anywhere in the first 5 s: loading, fitting, evaluating.
    ...Array.from({ length: 4 }, () => ({ afterMs: rand(200, 5000) })),
    // Targeted: while artifacts are written and the version registered.
    ...Array.from({ length: 5 }, () => ({ afterFirstWriteMs: rand(0, writeWindow) })),
  ];
  const log: string[] = [];
  let seed = 100;
  for (const plan of plans) {
    seed++;
    const run = await trainAndKill(store, seed, plan);
    const when =
      plan.afterMs !== undefined
        ? `${plan.afterMs.toFixed(0)} ms after start`
        : `${plan.afterFirstWriteMs?.toFixed(0)} ms after the first artifact write`;
    const context = `kill ${when} (seed ${seed}: ${run.exited})`;
    const state = await checkStore(store, context);
    log.push(
      `${context}: imdb versions ${state.versions}, runs left interrupted ${state.interrupted}` +
        ` (of which registered: ${state.unfinishedRegistered})`,
    );
    const verify = await sentio(['artifacts', 'verify', '--store', store]);
    assert.equal(verify.code, 0, `${context}: verify failed\n${verify.stdout}${verify.stderr}`);
    // The store still takes a new training.
    const args = ['train', '--data', UCI, '--model', 'after-kill', '--store', store];
    const next = await okJson([...args, '--seed', String(seed)]);
    assert.ok(next.version >= 1, context);
  }
  console.log(
    `full imdb run ${(full.exitMs / 1000).toFixed(1)} s; artifact writes and registration in its last ${writeWindow.toFixed(0)} ms\n${log.join('\n')}`,
  );
  // Orphans of killed runs are garbage, and gc leaves a verifiable store.
  await ok(['gc', '--apply', '--store', store]);
  await checkStore(store, 'after gc');
  await ok(['artifacts', 'verify', '--store', store]);
  const again = ['train', '--data', IMDB_TRAIN, '--model', 'imdb', '--store', store];
  const last = await okJson([...again, '--seed', '1']);
  assert.equal(last.created, false, 'the same data and seed give version 1 again');
  assert.equal(last.version, 1);
});

test('Ctrl-C (SIGINT) stops training, records the run as failed and registers nothing', {
  skip: !existsSync(IMDB_TRAIN) && 'no imdb data',
}, async () => {
  const store = freshStore();
  const child = spawn(
    process.execPath,
    [CLI, 'train', '--data', IMDB_TRAIN, '--model', 'imdb', '--store', store],
    { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    // Interrupt once training is under way (the data line comes after loading).
    if (d.includes('data: ')) setTimeout(() => child.kill('SIGINT'), 300);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /error TRAIN_INTERRUPTED/);
  const reg = await openRegistry(store, { readonly: true });
  try {
    const runs = await reg.listRuns();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.status, 'failed');
    assert.match(runs[0]?.error ?? '', /TRAIN_INTERRUPTED/);
    assert.equal((await reg.listModels()).length, 0);
  } finally {
    await reg.close();
  }
});
