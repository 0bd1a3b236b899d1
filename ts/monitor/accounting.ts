/**
 * Drift accounting of one model version: what the logger measures on each
 * text before it throws the text away (by default only a hash is kept).
 * Per text: tokens and out-of-vocabulary tokens, and which vocabulary
 * features occur — counted by document into the reference's tracked
 * features (by name) plus one "other" bin. One engine call (`driftCounts`:
 * one tokenization, feature indices as a typed array, no strings cross the
 * binding), so accounting costs about one more tokenization per text.
 * @module
 */
import type { EngineModel } from '../engine/index.js';
import type { ReferenceProfile } from '../train/index.js';

export interface TextMeasure {
  tokens: number;
  oov: number;
  /** Tracked feature slots present in the text (each once), or null without token accounting. */
  slots: number[] | null;
  /** Vocabulary features present that are not tracked. */
  other: number;
}

export class DriftProbe {
  private constructor(
    private readonly model: EngineModel,
    /** Vocabulary column → tracked slot, −1 when untracked; null: no token accounting. */
    private readonly slotOf: Int32Array | null,
  ) {}

  /** Map the reference's tracked features onto the model's vocabulary columns. */
  static create(model: EngineModel, reference: ReferenceProfile | null | undefined): DriftProbe {
    const vocab = reference ? model.vocabulary() : null;
    if (!reference || vocab === null) return new DriftProbe(model, null);
    const slotOf = new Int32Array(vocab.length).fill(-1);
    const column = new Map<string, number>();
    for (let i = 0; i < vocab.length; i++) column.set(vocab[i] as string, i);
    reference.token_df.features.forEach((f, slot) => {
      const c = column.get(f);
      if (c !== undefined) slotOf[c] = slot;
    });
    return new DriftProbe(model, slotOf);
  }

  get tracksTokens(): boolean {
    return this.slotOf !== null;
  }

  measure(text: string): TextMeasure {
    if (this.slotOf === null) return { ...this.model.oovCounts(text), slots: null, other: 0 };
    const { tokens, oov, features: indices } = this.model.driftCounts(text);
    const slots: number[] = [];
    let other = 0;
    for (const c of indices) {
      const s = this.slotOf[c] ?? -1;
      if (s >= 0) slots.push(s);
      else other++;
    }
    return { tokens, oov, slots, other };
  }
}
