/**
 * A registered version's model, loaded into the engine: resolve the ref,
 * read the model artifact (the store verifies its hash), load it.
 * @module
 */
import { type Engine, type EngineModel, loadEngine } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import type { Registry, VersionRecord } from '../registry/index.js';

export async function engineOrFail(engine?: Engine): Promise<Engine> {
  if (engine) return engine;
  try {
    return await loadEngine();
  } catch (e) {
    throw new SentioError('ENGINE_UNAVAILABLE', e instanceof Error ? e.message : String(e));
  }
}

export interface LoadedVersion {
  version: VersionRecord;
  model: EngineModel;
}

export async function loadVersionModel(
  reg: Registry,
  ref: string,
  engine: Engine,
): Promise<LoadedVersion> {
  const version = await reg.resolve(ref);
  const bytes = await reg.artifacts.get(version.modelSha256);
  try {
    return { version, model: engine.loadModel(bytes) };
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ENGINE_ERROR';
    throw new SentioError(
      'TRAIN_MODEL_UNREADABLE',
      `${version.model}@${version.version}: the model file cannot be loaded (${code}): ${(e as Error).message}`,
      { model: version.model, version: version.version, sha256: version.modelSha256 },
    );
  }
}
