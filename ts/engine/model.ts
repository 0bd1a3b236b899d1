// EngineModel over a binding's Model: argument checks, error translation,
// and results in the engine's shapes.
import { checkBytes, checkCount, checkString, checkStrings } from './args.js';
import type { RawBatchPrediction, RawModel, RawPrediction } from './binding.js';
import { EngineError, settled, translate, translateAsync } from './errors.js';
import type {
  Backend,
  BatchPrediction,
  DriftCounts,
  EngineModel,
  Explanation,
  OovCounts,
  Prediction,
  ResolvedTrainConfig,
  SparseRow,
  TrainingFacts,
} from './types.js';

/** A Node Buffer (native) as a plain Uint8Array view of the same memory. */
function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class BoundModel implements EngineModel {
  readonly backend: Backend;
  readonly classes: readonly string[];
  readonly nFeatures: number;
  #raw: RawModel;
  #disposed = false;
  #config: ResolvedTrainConfig | undefined;
  #facts: TrainingFacts | undefined;

  constructor(raw: RawModel, backend: Backend) {
    this.#raw = raw;
    this.backend = backend;
    this.classes = Object.freeze(translate(() => raw.classes).slice());
    this.nFeatures = translate(() => raw.nFeatures);
  }

  /** The binding's model, checked to be alive. */
  get #model(): RawModel {
    if (this.#disposed) throw new EngineError('INVALID_ARGUMENT', 'this model has been disposed');
    return this.#raw;
  }

  get config(): ResolvedTrainConfig {
    const model = this.#model;
    this.#config ??= JSON.parse(translate(() => model.configJson())) as ResolvedTrainConfig;
    return this.#config;
  }

  get facts(): TrainingFacts {
    const model = this.#model;
    this.#facts ??= JSON.parse(translate(() => model.factsJson())) as TrainingFacts;
    return this.#facts;
  }

  #prediction(p: RawPrediction): Prediction {
    return { label: p.label, labelIndex: p.labelIndex, probabilities: p.probabilities };
  }

  #batch(b: RawBatchPrediction): BatchPrediction {
    const labelNames = Array.from(b.labels, (i) => this.classes[i] as string);
    return {
      length: b.labels.length,
      nClasses: b.nClasses,
      labels: b.labels,
      labelNames,
      probabilities: b.probabilities,
    };
  }

  predict(text: string): Prediction {
    const model = this.#model;
    checkString(text, 'text');
    // predictInto: the binding fills a typed array made here and returns an
    // index, instead of building an object and a label string per call
    // (about half of a short text's cost through N-API).
    const probabilities = new Float64Array(this.classes.length);
    const labelIndex = translate(() => model.predictInto(text, probabilities));
    return { label: this.classes[labelIndex] as string, labelIndex, probabilities };
  }

  predictBytes(bytes: Uint8Array): Prediction {
    const model = this.#model;
    checkBytes(bytes, 'bytes');
    return this.#prediction(translate(() => model.predictBytes(bytes)));
  }

  predictBatch(texts: readonly string[]): BatchPrediction {
    const model = this.#model;
    const list = checkStrings(texts, 'texts');
    return this.#batch(translate(() => model.predictBatch(list)));
  }

  predictBatchAsync(texts: readonly string[]): Promise<BatchPrediction> {
    let model: RawModel;
    let list: string[];
    try {
      model = this.#model;
      list = checkStrings(texts, 'texts');
    } catch (err) {
      return Promise.reject(err);
    }
    const run = model.predictBatchAsync;
    if (typeof run !== 'function') return settled(() => this.predictBatch(list));
    return translateAsync(() => run.call(model, list)).then((b) => this.#batch(b));
  }

  explain(text: string, k: number): Explanation {
    const model = this.#model;
    checkString(text, 'text');
    checkCount(k, 'k');
    const e = translate(() => model.explain(text, k));
    return {
      ...this.#prediction(e),
      contributions: e.contributions.map((c) => ({
        feature: c.feature,
        weight: c.weight,
        contribution: c.contribution,
      })),
    };
  }

  transform(text: string): SparseRow {
    const model = this.#model;
    checkString(text, 'text');
    const row = translate(() => model.transform(text));
    return { indices: row.indices, values: row.values };
  }

  vocabulary(): string[] | null {
    const model = this.#model;
    return translate(() => model.vocabulary()) ?? null;
  }

  idf(): Float64Array | null {
    const model = this.#model;
    return translate(() => model.idf()) ?? null;
  }

  analyze(text: string): string[] {
    const model = this.#model;
    checkString(text, 'text');
    return translate(() => model.analyze(text));
  }

  oovCounts(text: string): OovCounts {
    const model = this.#model;
    checkString(text, 'text');
    const c = translate(() => model.oovCounts(text));
    return { tokens: c.tokens, oov: c.oov };
  }

  driftCounts(text: string): DriftCounts {
    const model = this.#model;
    checkString(text, 'text');
    const c = translate(() => model.driftCounts(text));
    return { tokens: c.tokens, oov: c.oov, features: c.features };
  }

  toBytes(): Uint8Array {
    const model = this.#model;
    return plainBytes(translate(() => model.toBytes()));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#raw.free?.();
  }
}
