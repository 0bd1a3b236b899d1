// EngineTrainer over a binding's Trainer.
import { checkStrings } from './args.js';
import type { RawModel, RawTrainer } from './binding.js';
import { settled, translate, translateAsync } from './errors.js';
import { BoundModel } from './model.js';
import type { Backend, EngineModel, EngineTrainer } from './types.js';

export class BoundTrainer implements EngineTrainer {
  readonly #raw: RawTrainer;
  readonly #backend: Backend;

  constructor(raw: RawTrainer, backend: Backend) {
    this.#raw = raw;
    this.#backend = backend;
  }

  get learnedDocuments(): number {
    return translate(() => this.#raw.learnedDocuments);
  }

  #model(raw: RawModel): EngineModel {
    return new BoundModel(raw, this.#backend);
  }

  observe(texts: readonly string[]): void {
    const list = checkStrings(texts, 'texts');
    translate(() => this.#raw.observe(list));
  }

  learn(texts: readonly string[], labels: readonly string[]): void {
    const t = checkStrings(texts, 'texts');
    const l = checkStrings(labels, 'labels');
    translate(() => this.#raw.learn(t, l));
  }

  finish(): EngineModel {
    return this.#model(translate(() => this.#raw.finish()));
  }

  async observeAsync(texts: readonly string[]): Promise<void> {
    const raw = this.#raw;
    if (typeof raw.observeAsync !== 'function') return settled(() => this.observe(texts));
    const list = checkStrings(texts, 'texts');
    return translateAsync(() =>
      (raw.observeAsync as (t: string[]) => Promise<void>).call(raw, list),
    );
  }

  async learnAsync(texts: readonly string[], labels: readonly string[]): Promise<void> {
    const raw = this.#raw;
    if (typeof raw.learnAsync !== 'function') return settled(() => this.learn(texts, labels));
    const t = checkStrings(texts, 'texts');
    const l = checkStrings(labels, 'labels');
    return translateAsync(() =>
      (raw.learnAsync as (t: string[], l: string[]) => Promise<void>).call(raw, t, l),
    );
  }

  async finishAsync(): Promise<EngineModel> {
    const raw = this.#raw;
    if (typeof raw.finishAsync !== 'function') return settled(() => this.finish());
    const model = await translateAsync(() =>
      (raw.finishAsync as () => Promise<RawModel>).call(raw),
    );
    return this.#model(model);
  }
}
