/**
 * Every served reference, and the rule that picks the version answering a
 * request: an explicit `version` must be one that is loaded now, an `alias`
 * must be served, and with neither the model's first configured reference
 * answers. Errors name what is served so the caller can correct the request.
 *
 * When the chosen environment carries a canary, the request's stable key
 * (stable-key.ts) decides the arm; a shadow mirrors a share of the keys.
 * Requests naming a version bypass routing (they may name a candidate).
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { LoadedModel } from './loaded-model.js';
import type { ModelSlot } from './model-slot.js';
import type { ActiveRollout } from './rollout.js';
import { BUCKETS, fnv1a32, mirrorBucketOf } from './stable-key.js';

export interface Selection {
  alias?: string;
  version?: number;
}

/** The pick for one request, made once, synchronously. */
export interface Routed {
  /** The version that answers. */
  model: LoadedModel;
  /** Which arm answers; null when the request named a version (not routed, not counted). */
  arm: 'stable' | 'canary' | null;
  /** The environment's stable version (fallback and comparison for a canary). */
  stable: LoadedModel;
  /** The canary this request was routed by (either arm), or null. */
  canary: ActiveRollout | null;
  /** The shadow mirroring this request, or null. */
  shadow: ActiveRollout | null;
  /** The served alias the request went through (`default` for a pinned version), for the prediction log. */
  env: string;
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
    return this.route(name, sel, null).model;
  }

  /**
   * Pick the version (and arm) answering this request. `key`: the stable
   * routing key (header/field, else the request's first text); only hashed
   * when the environment carries a rollout.
   */
  route(name: string, sel: Selection, key: string | null): Routed {
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
      if (sel.version !== undefined) {
        if (cur.version === sel.version) return pinned(cur, slot);
        const cand = candidateAt(slot, sel.version);
        if (cand !== null) return pinned(cand, slot);
        throw new SentioError(
          'SERVE_VERSION_MISMATCH',
          `alias "${sel.alias}" of model "${name}" is at version ${cur.version}, not ${sel.version}`,
          { model: name, alias: sel.alias, version: cur.version },
        );
      }
      return routeIn(slot, cur, key);
    }
    if (sel.version !== undefined) {
      // Prefer a slot pinned to that version, then any slot currently at it.
      let found: { m: LoadedModel; slot: ModelSlot } | null = null;
      for (const s of slots) {
        const cur = s.current;
        if (cur !== null && cur.version === sel.version) {
          if (s.selector.kind === 'version') return pinned(cur, s);
          found ??= { m: cur, slot: s };
        }
      }
      for (const s of slots) {
        const c = found === null ? candidateAt(s, sel.version) : null;
        if (c !== null) found = { m: c, slot: s };
      }
      if (found !== null) return pinned(found.m, found.slot);
      const loaded = [
        ...new Set(slots.map((s) => s.current?.version).filter((v) => v !== undefined)),
      ];
      throw new SentioError(
        'SERVE_VERSION_NOT_LOADED',
        `version ${sel.version} of model "${name}" is not loaded here (loaded: ${loaded.join(', ') || 'none'})`,
        { model: name, version: sel.version },
      );
    }
    const first = slots[0] as ModelSlot;
    return routeIn(first, this.loadedOf(first), key);
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

  /** Whether any slot still serves this object, as stable or candidate (retired only when none does). */
  inUse(m: LoadedModel): boolean {
    return this.slots.some(
      (s) => s.current === m || s.canary?.candidate === m || s.shadow?.candidate === m,
    );
  }

  /** A loaded copy of this version (stable or candidate), to share instead of loading it again. */
  findLoaded(model: string, version: number): LoadedModel | null {
    const slots = this.byName.get(model) ?? [];
    for (const s of slots) {
      if (s.current !== null && s.current.version === version) return s.current;
    }
    for (const s of slots) {
      const c = candidateAt(s, version);
      if (c !== null) return c;
    }
    return null;
  }
}

/** The prediction log's environment of a slot: its alias, `default` when pinned to a version. */
export function envOf(slot: ModelSlot): string {
  return slot.alias ?? 'default';
}

function pinned(m: LoadedModel, slot: ModelSlot): Routed {
  return { model: m, arm: null, stable: m, canary: null, shadow: null, env: envOf(slot) };
}

function candidateAt(slot: ModelSlot, version: number): LoadedModel | null {
  if (slot.canary !== null && slot.canary.version === version) return slot.canary.candidate;
  if (slot.shadow !== null && slot.shadow.version === version) return slot.shadow.candidate;
  return null;
}

/** Stable unless the key's bucket falls in the canary's share; shadows mirror their share. */
function routeIn(slot: ModelSlot, cur: LoadedModel, key: string | null): Routed {
  const canary = slot.canary;
  const shadow = slot.shadow;
  const env = envOf(slot);
  if (canary === null && shadow === null) {
    return { model: cur, arm: 'stable', stable: cur, canary: null, shadow: null, env };
  }
  const h = fnv1a32(key ?? '');
  if (canary !== null && h % BUCKETS < canary.buckets) {
    // A shadow compares with the stable answer: requests the canary takes are not mirrored.
    return { model: canary.candidate, arm: 'canary', stable: cur, canary, shadow: null, env };
  }
  const mirrored = shadow !== null && mirrorBucketOf(h) < shadow.buckets ? shadow : null;
  return { model: cur, arm: 'stable', stable: cur, canary, shadow: mirrored, env };
}
