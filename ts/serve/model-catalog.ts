/**
 * Every served reference, and the rule that picks the version answering a
 * request: an explicit `version` must be one that is loaded now, an `alias`
 * must be served, and with neither the model's first configured reference
 * answers. Errors name what is served so the caller can correct the request.
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { LoadedModel } from './loaded-model.js';
import type { ModelSlot } from './model-slot.js';

export interface Selection {
  alias?: string;
  version?: number;
}

export class ModelCatalog {
  private readonly byName = new Map<string, ModelSlot[]>();

  constructor(readonly slots: readonly ModelSlot[]) {
    for (const slot of slots) {
      const list = this.byName.get(slot.model) ?? [];
      list.push(slot);
      this.byName.set(slot.model, list);
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  slotsOf(name: string): readonly ModelSlot[] | undefined {
    return this.byName.get(name);
  }

  /** The loaded version that answers this request, synchronously (no await between pick and use). */
  select(name: string, sel: Selection): LoadedModel {
    const slots = this.byName.get(name);
    if (slots === undefined) {
      throw new SentioError(
        'SERVE_MODEL_NOT_FOUND',
        `model "${name}" is not served here (served: ${this.names.join(', ') || 'none'})`,
        { model: name },
      );
    }
    if (sel.alias !== undefined) {
      const slot = slots.find((s) => s.alias === sel.alias);
      if (slot === undefined) {
        const aliases = slots.map((s) => s.alias).filter((a) => a !== null);
        throw new SentioError(
          'SERVE_ALIAS_NOT_SERVED',
          `alias "${sel.alias}" of model "${name}" is not served here (served aliases: ${aliases.join(', ') || 'none'})`,
          { model: name, alias: sel.alias },
        );
      }
      const cur = this.loadedOf(slot);
      if (sel.version !== undefined && cur.version !== sel.version) {
        throw new SentioError(
          'SERVE_VERSION_MISMATCH',
          `alias "${sel.alias}" of model "${name}" is at version ${cur.version}, not ${sel.version}`,
          { model: name, alias: sel.alias, version: cur.version },
        );
      }
      return cur;
    }
    if (sel.version !== undefined) {
      // Prefer a slot pinned to that version, then any slot currently at it.
      let found: LoadedModel | null = null;
      for (const s of slots) {
        const cur = s.current;
        if (cur !== null && cur.version === sel.version) {
          if (s.selector.kind === 'version') return cur;
          found ??= cur;
        }
      }
      if (found !== null) return found;
      const loaded = [
        ...new Set(slots.map((s) => s.current?.version).filter((v) => v !== undefined)),
      ];
      throw new SentioError(
        'SERVE_VERSION_NOT_LOADED',
        `version ${sel.version} of model "${name}" is not loaded here (loaded: ${loaded.join(', ') || 'none'})`,
        { model: name, version: sel.version },
      );
    }
    return this.loadedOf(slots[0] as ModelSlot);
  }

  private loadedOf(slot: ModelSlot): LoadedModel {
    const cur = slot.current;
    if (cur === null) {
      throw new SentioError('SERVE_MODEL_NOT_FOUND', `${slot.ref} is not loaded yet`, {
        ref: slot.ref,
      });
    }
    return cur;
  }

  /** Every configured reference is loaded and verified. */
  get ready(): boolean {
    return this.slots.every((s) => s.current !== null);
  }

  /** Whether any slot still serves this object (a shared version is retired only when none does). */
  inUse(m: LoadedModel): boolean {
    return this.slots.some((s) => s.current === m);
  }

  findLoaded(model: string, version: number): LoadedModel | null {
    for (const s of this.byName.get(model) ?? []) {
      if (s.current !== null && s.current.version === version) return s.current;
    }
    return null;
  }
}
