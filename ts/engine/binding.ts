// The JS surface both bindings export (engine API contract), as the rest of
// this module sees it. The loaders check a loaded module against it; nothing
// else touches a binding's exports directly.

export interface RawPrediction {
  label: string;
  labelIndex: number;
  probabilities: Float64Array;
}

export interface RawBatchPrediction {
  labels: Uint32Array;
  probabilities: Float64Array;
  nClasses: number;
}

export interface RawExplanation extends RawPrediction {
  contributions: { feature: string; weight: number; contribution: number }[];
}

export interface RawModel {
  readonly classes: string[];
  readonly nFeatures: number;
  toBytes(): Uint8Array;
  configJson(): string;
  factsJson(): string;
  predict(text: string): RawPrediction;
  /** Probabilities into `out` (classes.length elements); returns the winning index. */
  predictInto(text: string, out: Float64Array): number;
  predictBytes(bytes: Uint8Array): RawPrediction;
  predictBatch(texts: string[]): RawBatchPrediction;
  explain(text: string, k: number): RawExplanation;
  transform(text: string): { indices: Uint32Array; values: Float64Array };
  vocabulary(): string[] | null | undefined;
  idf(): Float64Array | null | undefined;
  analyze(text: string): string[];
  oovCounts(text: string): { tokens: number; oov: number };
  driftCounts(text: string): { tokens: number; oov: number; features: Uint32Array };
  /** Native only. */
  predictBatchAsync?(texts: string[]): Promise<RawBatchPrediction>;
  /** WASM only: release the model's linear memory. */
  free?(): void;
}

export interface RawModelClass {
  fromBytes(bytes: Uint8Array): RawModel;
  /** Native only. */
  fromPath?(path: string): RawModel;
  /** Native only: read and parse on the libuv pool. */
  loadAsync?(path: string): Promise<RawModel>;
}

export interface RawTrainer {
  readonly learnedDocuments: number;
  observe(texts: string[]): void;
  learn(texts: string[], labels: string[]): void;
  finish(): RawModel;
  /** Native only. */
  observeAsync?(texts: string[]): Promise<void>;
  learnAsync?(texts: string[], labels: string[]): Promise<void>;
  finishAsync?(): Promise<RawModel>;
}

export interface RawBinding {
  engineVersion(): string;
  Model: RawModelClass;
  Trainer: new (configJson: string) => RawTrainer;
  train(configJson: string, texts: string[], labels: string[]): RawModel;
  evaluate(
    yTrue: string[],
    yPred: string[],
    classes: string[] | null,
    probabilities: Float64Array | null,
  ): string;
  /** Native only. */
  trainAsync?(configJson: string, texts: string[], labels: string[]): Promise<RawModel>;
  /** Native only: SHA-256 of each packed text, 32 bytes per text. */
  sha256EachText?(bytes: Uint8Array, start: number, ends: Uint32Array, out: Uint8Array): void;
}

const REQUIRED_FUNCTIONS = ['engineVersion', 'Model', 'Trainer', 'train', 'evaluate'] as const;
const REQUIRED_MODEL_METHODS = [
  'toBytes',
  'configJson',
  'factsJson',
  'predict',
  'predictInto',
  'predictBytes',
  'predictBatch',
  'explain',
  'transform',
  'vocabulary',
  'idf',
  'analyze',
  'oovCounts',
  'driftCounts',
] as const;
const NATIVE_ONLY = {
  module: ['trainAsync', 'sha256EachText'],
  model: ['predictBatchAsync'],
  modelStatic: ['fromPath', 'loadAsync'],
  trainer: ['observeAsync', 'learnAsync', 'finishAsync'],
} as const;

type Bag = Record<string, unknown>;

function bag(v: unknown): Bag | undefined {
  return (typeof v === 'object' || typeof v === 'function') && v !== null ? (v as Bag) : undefined;
}

/** Names in `names` that are not functions on `target`, prefixed for the report. */
function absent(target: unknown, names: readonly string[], prefix: string): string[] {
  const t = bag(target);
  return names.filter((n) => typeof t?.[n] !== 'function').map((n) => prefix + n);
}

/**
 * What a loaded module lacks of the contract (empty when it is complete).
 * `native` also requires the native-only async exports.
 */
export function missingExports(mod: unknown, native: boolean): string[] {
  const m = bag(mod);
  if (m === undefined) return ['(the module is not an object)'];
  const missing = absent(
    m,
    native ? [...REQUIRED_FUNCTIONS, ...NATIVE_ONLY.module] : REQUIRED_FUNCTIONS,
    '',
  );
  if (typeof m.Model === 'function') {
    missing.push(
      ...absent(
        m.Model,
        native ? ['fromBytes', ...NATIVE_ONLY.modelStatic] : ['fromBytes'],
        'Model.',
      ),
    );
    const methods = native
      ? [...REQUIRED_MODEL_METHODS, ...NATIVE_ONLY.model]
      : REQUIRED_MODEL_METHODS;
    missing.push(...absent(bag(m.Model)?.prototype, methods, 'Model.prototype.'));
  }
  if (typeof m.Trainer === 'function') {
    const methods = ['observe', 'learn', 'finish', ...(native ? NATIVE_ONLY.trainer : [])];
    missing.push(...absent(bag(m.Trainer)?.prototype, methods, 'Trainer.prototype.'));
  }
  return missing;
}
