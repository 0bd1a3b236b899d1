// Bench inputs: the review text, and a temp store with the IMDB model
// (and, for the swap run, more versions of it) registered through ts/registry.
// The served version carries a reference profile (ts/train buildProfile, on
// a test-set sample) so the logging-on runs pay for drift accounting too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../dist/data/index.js';
import { loadEngine } from '../../dist/engine/index.js';
import { openRegistry } from '../../dist/registry/index.js';
import { buildProfile, evaluateModel } from '../../dist/train/index.js';
import { MODEL, MODEL_CONFIG, TEST_CSV, TEXT_BYTES, TRAIN_CSV } from './config.mjs';

/** The first test review whose JSON-escaped text is ~1.3 KB (deterministic). */
export async function reviewText() {
  const d = await loadDataset(TEST_CSV);
  const t = d.texts.find((s) => {
    const n = Buffer.byteLength(JSON.stringify(s)) - 2;
    return n >= TEXT_BYTES.min && n <= TEXT_BYTES.max;
  });
  if (t === undefined) throw new Error('no ~1.3 KB review in the test set');
  return t;
}

/**
 * A store with `versions` versions of the IMDB model (alpha differs slightly
 * so each has distinct bytes), `production` at the first. Returns the store
 * dir and the version numbers.
 */
export async function makeStore({ versions = 1, log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-bench-serve-'));
  const engine = await loadEngine();
  const data = await loadDataset(TRAIN_CSV);
  const test = await loadDataset(TEST_CSV);
  const evalTexts = test.texts.filter((_, i) => i % 25 === 0);
  const evalLabels = test.labels.filter((_, i) => i % 25 === 0);
  const reg = await openRegistry(path.join(dir, 'store'));
  const out = [];
  try {
    for (let i = 0; i < versions; i++) {
      const t0 = Date.now();
      const m = await engine.train(
        { ...MODEL_CONFIG, alpha: MODEL_CONFIG.alpha + i * 0.01 },
        data.texts,
        data.labels,
      );
      const sha = await reg.artifacts.put(m.toBytes(), { kind: 'model' });
      const artifacts = { model: sha };
      if (i === 0) {
        const { scores } = await evaluateModel(engine, m, evalTexts, evalLabels);
        const profile = buildProfile({
          model: m,
          trainTexts: data.texts,
          trainLabels: data.labels,
          evalTexts,
          evalLabels,
          evalScores: scores,
          seed: 42,
        });
        artifacts.profile = await reg.artifacts.put(
          new TextEncoder().encode(JSON.stringify(profile)),
          { kind: 'profile' },
        );
      }
      const { version } = await reg.registerVersion({
        model: MODEL,
        modelSha256: sha,
        artifacts,
        metrics: {},
        config: { ...MODEL_CONFIG, alpha: MODEL_CONFIG.alpha + i * 0.01 },
      });
      out.push(version.version);
      log(`  trained and registered ${MODEL}@${version.version} (${Date.now() - t0} ms)`);
    }
    await reg.setAlias(MODEL, 'production', out[0], { reason: 'bench' });
  } finally {
    await reg.close();
  }
  return { root: dir, store: path.join(dir, 'store'), versions: out, engine: engine.backend };
}

export function removeStore(s) {
  fs.rmSync(s.root, { recursive: true, force: true });
}

/**
 * The same served version in a PostgreSQL store (`url`): the model and its
 * profile copied from the SQLite store's registry, `production` at it, so
 * a `sentio serve --store <url>` answers like the SQLite store's servers
 * and logs to PostgreSQL.
 */
export async function postgresStore(sqliteStore, url, version) {
  const from = await openRegistry(sqliteStore, { readonly: true });
  const to = await openRegistry(url);
  try {
    const rec = await from.getVersion(MODEL, version);
    const artifacts = {};
    for (const [name, sha] of Object.entries(rec.artifacts)) {
      artifacts[name] = await to.artifacts.put(await from.artifacts.get(sha), { kind: name });
    }
    const modelSha256 = await to.artifacts.put(await from.artifacts.get(rec.modelSha256), {
      kind: 'model',
    });
    const { version: v } = await to.registerVersion({
      model: MODEL,
      modelSha256,
      artifacts,
      metrics: rec.metrics ?? {},
      config: rec.config ?? {},
    });
    await to.setAlias(MODEL, 'production', v.version, { reason: 'bench' });
    return v.version;
  } finally {
    await from.close();
    await to.close();
  }
}
