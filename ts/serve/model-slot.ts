/**
 * A served reference (`NAME@production`, `NAME@latest`, `NAME@3`) and the
 * version currently answering for it. The hot swap is one assignment of
 * `current`: a request reads it once, synchronously, so it sees either the
 * old or the new version, never a mix, and never waits for a load.
 *
 * An environment slot (`NAME@production`) may also carry a canary and/or a
 * shadow candidate (attached by the rollout tracker once loaded); requests
 * read those in the same synchronous pick.
 * @module
 */
import { parseRef, type RolloutKind } from '../registry/index.js';
import type { LoadedModel } from './loaded-model.js';
import type { ActiveRollout } from './rollout.js';

export type Selector =
  | { kind: 'alias'; alias: string }
  | { kind: 'latest' }
  | { kind: 'version'; version: number };

export interface LoadFailure {
  version: number;
  code: string;
  message: string;
  at: string;
}

export class ModelSlot {
  readonly model: string;
  readonly selector: Selector;
  current: LoadedModel | null = null;
  /** When `current` started answering. */
  since: string | null = null;
  /** Version the registry pointed to at the last poll (null: alias deleted / no versions). */
  target: number | null = null;
  /** A version being loaded in the background. */
  loading: { version: number; startedAt: string } | null = null;
  lastFailure: LoadFailure | null = null;
  /** Version → when it may be tried again, and the delay after that. */
  readonly failed = new Map<number, { retryAt: number; delayMs: number }>();
  swaps = 0;
  /** Active canary on this environment (its candidate is loaded), or null. */
  canary: ActiveRollout | null = null;
  /** Active shadow on this environment, or null. */
  shadow: ActiveRollout | null = null;

  constructor(readonly ref: string) {
    const r = parseRef(ref);
    this.model = r.model;
    this.selector =
      r.kind === 'version'
        ? { kind: 'version', version: r.version }
        : r.kind === 'latest'
          ? { kind: 'latest' }
          : { kind: 'alias', alias: r.alias };
  }

  /** Pinned versions never move; aliases and latest are watched. */
  get moving(): boolean {
    return this.selector.kind !== 'version';
  }

  /** The alias name this slot answers to (`latest` for the latest version), or null when pinned. */
  get alias(): string | null {
    if (this.selector.kind === 'alias') return this.selector.alias;
    if (this.selector.kind === 'latest') return 'latest';
    return null;
  }

  /** Where the registry says this slot should be, from the model's aliases. */
  targetFrom(model: {
    latestVersion: number | null;
    aliases: Record<string, number>;
  }): number | null {
    switch (this.selector.kind) {
      case 'version':
        return this.selector.version;
      case 'latest':
        return model.latestVersion;
      case 'alias':
        return model.aliases[this.selector.alias] ?? null;
    }
  }

  /** Environment slots (an alias other than latest) can carry rollouts. */
  get env(): string | null {
    return this.selector.kind === 'alias' ? this.selector.alias : null;
  }

  rollout(kind: RolloutKind): ActiveRollout | null {
    return kind === 'canary' ? this.canary : this.shadow;
  }

  setRollout(kind: RolloutKind, r: ActiveRollout | null): void {
    if (kind === 'canary') this.canary = r;
    else this.shadow = r;
  }

  /** Switch atomically; returns the version replaced. */
  swap(next: LoadedModel): LoadedModel | null {
    const old = this.current;
    this.current = next;
    this.since = new Date().toISOString();
    if (old !== null) this.swaps++;
    this.failed.delete(next.version);
    return old;
  }

  /** Readiness and swap state, for /readyz and /v1/models. */
  describe(): Record<string, unknown> {
    return { ...this.identity(), status: this.status(), ...this.state() };
  }

  /** ready: serving the registry's target; swapping: loading it; degraded: it failed, the old one answers. */
  status(): 'loading' | 'failed' | 'ready' | 'swapping' | 'degraded' {
    if (this.current === null) return this.loading !== null ? 'loading' : 'failed';
    if (this.target === null) return this.moving ? 'degraded' : 'ready';
    if (this.target === this.current.version) return 'ready';
    return this.failed.has(this.target) ? 'degraded' : 'swapping';
  }

  private identity(): Record<string, unknown> {
    return {
      ref: this.ref,
      model: this.model,
      alias: this.alias,
      version: this.current?.version ?? null,
    };
  }

  private state(): Record<string, unknown> {
    return {
      since: this.since,
      loadedAt: this.current?.loadedAt ?? null,
      modelSha256: this.current?.modelSha256 ?? null,
      classes: this.current?.classes ?? null,
      target: this.target,
      loading: this.loading,
      swaps: this.swaps,
      lastFailure: this.lastFailure,
      ...(this.env !== null
        ? { canary: this.canary?.describe() ?? null, shadow: this.shadow?.describe() ?? null }
        : {}),
    };
  }
}
