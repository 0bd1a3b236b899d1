/**
 * Load one registered version and prove it can answer before anyone is
 * switched to it: the model artifact's sha256 is checked against the
 * registry (streamed, see verify-artifact.ts), the engine parses it (on
 * the engine's thread pool where the backend has one, so serving traffic is
 * not stalled), and a smoke prediction must return a known class with
 * finite probabilities that sum to 1.
 * @module
 */
import type { Engine, EngineModel } from '../engine/index.js';
import { hasCode, SentioError } from '../errors/index.js';
import type { Registry, VersionRecord } from '../registry/index.js';
import type { BatcherOptions } from './batcher.js';
import { LoadedModel } from './loaded-model.js';
import { verifyArtifactFile } from './verify-artifact.js';

const SMOKE_TEXT = 'Sentio smoke test: this text checks that the model answers.';

function loadFailed(rec: VersionRecord, step: string, e: unknown): SentioError {
  const cause = hasCode(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  return new SentioError(
    'SERVE_MODEL_LOAD_FAILED',
    `${rec.model}@${rec.version} failed ${step}: ${cause}`,
    { model: rec.model, version: rec.version, step, cause: hasCode(e) ? e.code : null },
    { cause: e },
  );
}

/** Throws unless the model answers sensibly. */
export function smokeTest(m: EngineModel): void {
  const p = m.predict(SMOKE_TEXT);
  if (!m.classes.includes(p.label))
    throw new Error(`smoke prediction gave unknown class "${p.label}"`);
  if (p.probabilities.length !== m.classes.length) {
    throw new Error('smoke prediction gave the wrong number of probabilities');
  }
  let sum = 0;
  for (const x of p.probabilities) {
    if (!Number.isFinite(x) || x < 0 || x > 1)
      throw new Error('smoke prediction gave a non-probability');
    sum += x;
  }
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`smoke probabilities sum to ${sum}, not 1`);
}

export async function loadVersion(
  registry: Registry,
  engine: Engine,
  rec: VersionRecord,
  batching: BatcherOptions,
): Promise<LoadedModel> {
  // A local file (the filesystem store): hash it as a stream, then parse it on the engine's
  // thread pool; neither step blocks the event loop. Otherwise: the store's verified read.
  let file: string | null = null;
  try {
    file = registry.artifacts.pathOf(rec.modelSha256);
  } catch {
    file = null;
  }
  let bytes: Uint8Array | null = null;
  try {
    if (file !== null) await verifyArtifactFile(file, rec.modelSha256);
    else bytes = await registry.artifacts.get(rec.modelSha256);
  } catch (e) {
    throw loadFailed(rec, 'the artifact check', e);
  }
  let m: EngineModel;
  try {
    m = file !== null ? await engine.loadModelFile(file) : engine.loadModel(bytes as Uint8Array);
  } catch (e) {
    throw loadFailed(rec, 'to load in the engine', e);
  }
  try {
    smokeTest(m);
  } catch (e) {
    try {
      m.dispose();
    } catch {
      // ignore
    }
    throw loadFailed(rec, 'the smoke prediction', e);
  }
  return new LoadedModel(rec.model, rec.version, rec.modelSha256, m, batching);
}
