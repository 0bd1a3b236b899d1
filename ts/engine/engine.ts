// Engine over a loaded binding: model loading, training and evaluation.
import fs from 'node:fs';
import { checkBytes, checkProbabilities, checkString, checkStrings, configJson } from './args.js';
import type { RawBinding, RawModel } from './binding.js';
import { EngineError, translate, translateAsync } from './errors.js';
import { BoundModel } from './model.js';
import { BoundTrainer } from './trainer.js';
import type {
  Backend,
  Engine,
  EngineModel,
  EngineTrainer,
  MetricsReport,
  ProbabilityTable,
  TrainConfig,
} from './types.js';

function ioError(file: string, err: unknown): EngineError {
  const why = err instanceof Error ? err.message : String(err);
  return new EngineError('IO_ERROR', `cannot read model file ${file}: ${why}`, { cause: err });
}

export class BoundEngine implements Engine {
  readonly backend: Backend;
  readonly version: string;
  readonly fallbackReason: string | null;
  readonly source: string;
  readonly #raw: RawBinding;
  readonly sha256EachText: Engine['sha256EachText'];

  constructor(raw: RawBinding, backend: Backend, source: string, fallbackReason: string | null) {
    this.#raw = raw;
    const each = raw.sha256EachText;
    this.sha256EachText =
      typeof each === 'function'
        ? (bytes, start, ends) => {
            // Allocated here, filled there: a buffer the addon made would wait for a full GC.
            const out = new Uint8Array(32 * ends.length);
            translate(() => each.call(raw, bytes, start, ends, out));
            return out;
          }
        : null;
    this.backend = backend;
    this.source = source;
    this.fallbackReason = fallbackReason;
    this.version = translate(() => raw.engineVersion());
  }

  #model(raw: RawModel): EngineModel {
    return new BoundModel(raw, this.backend);
  }

  loadModel(bytes: Uint8Array): EngineModel {
    checkBytes(bytes, 'bytes');
    return this.#model(translate(() => this.#raw.Model.fromBytes(bytes)));
  }

  async loadModelFile(file: string): Promise<EngineModel> {
    checkString(file, 'path');
    const load = this.#raw.Model.loadAsync;
    if (typeof load !== 'function') {
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(file);
      } catch (err) {
        throw ioError(file, err);
      }
      return this.loadModel(bytes);
    }
    // Native reads and parses on the libuv pool; check readability first so an
    // unreadable file is IO_ERROR on both backends.
    try {
      const stat = await fs.promises.stat(file);
      if (!stat.isFile()) throw new Error('not a regular file');
      await fs.promises.access(file, fs.constants.R_OK);
    } catch (err) {
      throw ioError(file, err);
    }
    const Model = this.#raw.Model;
    return this.#model(await translateAsync(() => load.call(Model, file)));
  }

  createTrainer(config?: TrainConfig): EngineTrainer {
    const json = configJson(config);
    return new BoundTrainer(
      translate(() => new this.#raw.Trainer(json)),
      this.backend,
    );
  }

  async train(
    config: TrainConfig,
    texts: readonly string[],
    labels: readonly string[],
  ): Promise<EngineModel> {
    const trainAsync = this.#raw.trainAsync;
    if (typeof trainAsync !== 'function') return this.trainSync(config, texts, labels);
    const json = configJson(config);
    const t = checkStrings(texts, 'texts');
    const l = checkStrings(labels, 'labels');
    return this.#model(await translateAsync(() => trainAsync.call(this.#raw, json, t, l)));
  }

  trainSync(config: TrainConfig, texts: readonly string[], labels: readonly string[]): EngineModel {
    const json = configJson(config);
    const t = checkStrings(texts, 'texts');
    const l = checkStrings(labels, 'labels');
    return this.#model(translate(() => this.#raw.train(json, t, l)));
  }

  evaluate(
    yTrue: readonly string[],
    yPred: readonly string[],
    proba?: ProbabilityTable,
  ): MetricsReport {
    const t = checkStrings(yTrue, 'yTrue');
    const p = checkStrings(yPred, 'yPred');
    let classes: string[] | null = null;
    let values: Float64Array | null = null;
    if (proba !== undefined) {
      if (typeof proba !== 'object' || proba === null) {
        throw new EngineError('INVALID_ARGUMENT', 'proba: expected { classes, values }');
      }
      classes = checkStrings(proba.classes, 'proba.classes');
      values = checkProbabilities(proba.values, 'proba.values');
    }
    const json = translate(() => this.#raw.evaluate(t, p, classes, values));
    return JSON.parse(json) as MetricsReport;
  }
}
