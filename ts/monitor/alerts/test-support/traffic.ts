/**
 * Alerting test fixtures: Sentio's built-in sample model trained and
 * registered into a temp store (seconds, no shared data needed), and
 * traffic logged through a real PredictionLogger at chosen times —
 * in-distribution (the sample sentences) or drifted (texts of words the
 * model never saw, much longer), so drift signals move for real.
 * @module
 */
import type { EngineModel } from '../../../engine/index.js';
import { openRegistry, type Registry } from '../../../registry/index.js';
import {
  type DataProfile,
  inlineDataset,
  loadVersionModel,
  resolveTrainOptions,
  sampleDataset,
  trainAndRegister,
} from '../../../train/index.js';
import type { PredictionLogger } from '../../logger.js';
import { engine } from '../../test-support/fixtures.js';

export interface SampleModel {
  name: string;
  version: number;
  model: EngineModel;
  profile: DataProfile;
  registry: Registry;
}

/** Train the sample model as `name` into `store` (version 1); the registry stays open (close it). */
export async function trainSample(store: string, name = 'fb'): Promise<SampleModel> {
  const e = await engine();
  const options = resolveTrainOptions({ data: 'builtin:sample', model: name }, {}, () => []);
  await trainAndRegister({
    options,
    store,
    engine: e,
    inline: { train: inlineDataset('builtin:sample', sampleDataset()) },
  });
  const registry = await openRegistry(store);
  const { model, version } = await loadVersionModel(registry, `${name}@1`, e);
  const profile = JSON.parse(
    new TextDecoder().decode(await registry.artifacts.get(version.artifacts.profile as string)),
  ) as DataProfile;
  return { name, version: version.version, model, profile, registry };
}

/** The training sentences, repeated to `n` texts. */
export function normalTexts(n: number): string[] {
  const base = sampleDataset().map((r) => r.text);
  return Array.from({ length: n }, (_, i) => base[i % base.length] as string);
}

const ALIEN = ['qorvath', 'zintel', 'mubrax', 'glenvik', 'tarsop', 'fyndral', 'oxquin', 'pelmor'];

/** Texts of unknown words, three times longer than the sample's: OOV, token and length drift. */
export function driftedTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const words: string[] = [];
    for (let k = 0; k < 24; k++) words.push(`${ALIEN[(i + k) % ALIEN.length]}${(i * 7 + k) % 50}`);
    return words.join(' ');
  });
}

/**
 * Score `texts` and log them spread evenly over [from, to) as the server
 * would (ids `prefix-i`); returns the ids.
 */
export function logTraffic(
  logger: PredictionLogger,
  m: SampleModel,
  texts: readonly string[],
  opts: { prefix: string; from: number; to: number; latencyMs?: number },
): string[] {
  const batch = m.model.predictBatch(texts);
  const step = (opts.to - opts.from) / Math.max(1, texts.length);
  return texts.map((text, i) => {
    const id = `${opts.prefix}-${i}`;
    logger.log({
      id,
      model: m.name,
      version: m.version,
      env: 'production',
      arm: 'stable',
      label: batch.labelNames[i] as string,
      classes: m.model.classes,
      probabilities: batch.probabilities.subarray(i * batch.nClasses, (i + 1) * batch.nClasses),
      latencyMs: opts.latencyMs ?? 0.3,
      text,
      at: Math.floor(opts.from + i * step),
    });
    return id;
  });
}
