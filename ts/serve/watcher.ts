/**
 * Hot swap: watch the registry for alias moves and switch served references
 * to their new version without disturbing traffic.
 *
 * Detection: one cheap read per served model (`getModel`: its aliases and
 * latest version) every `pollIntervalMs` (250 ms), on a timer that never
 * overlaps itself, so a move made by any process is seen well within 1 s
 * while the database sees a handful of indexed reads per second.
 *
 * Switch: the new version is loaded and verified in the background
 * (load-version.ts) while the old one keeps answering; then `slot.swap()`
 * replaces it in one assignment. A version that fails is not switched to:
 * the old one stays, the failure goes to the log, /readyz and /metrics, and
 * the same version is retried later with a doubling delay (a transient read
 * error heals; a broken artifact does not cost more than a retry per 5 min).
 *
 * Rollouts: the same poll reads the active canaries and shadows and hands
 * them to the rollout tracker (rollout-tracker.ts), which loads candidates
 * through this watcher's loader and attaches them to their environment.
 *
 * Logging: every version loaded here (stable or candidate) is attached to
 * the prediction log for drift accounting, and detached when retired.
 *
 * Cost: each poll first asks the registry for its change token (SQLite:
 * one pragma); models and rollouts are re-read only when it changed, plus a
 * full re-read every 5 s as a safety net.
 *
 * Push (PostgreSQL): where the registry has `watchChanges`, a committed
 * write or a re-established connection triggers a poll at once (a move
 * lands in milliseconds, and a reconnection catches up on moves made while
 * the connection was down); polling stays on as the safety net. While the
 * connection is down the loaded versions keep serving; the link's state is
 * on /readyz (`registry`) and /metrics (`sentio_registry_connected`,
 * `sentio_registry_reconnects_total`).
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../engine/index.js';
import { hasCode } from '../errors/index.js';
import type {
  ModelRecord,
  Registry,
  RegistryChangeEvent,
  RolloutRecord,
} from '../registry/index.js';
import type { BatcherOptions } from './batcher.js';
import { loadVersion } from './load-version.js';
import type { LoadedModel } from './loaded-model.js';
import type { ServeMetrics } from './metrics.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ModelSlot } from './model-slot.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import type { OffPathLimits } from './off-path.js';
import { RolloutTracker } from './rollout-tracker.js';
import type { StoreWriter } from './store-writer.js';

const MAX_RETRY_MS = 5 * 60_000;
/** Re-read everything this often even when the change token did not move. */
const FULL_READ_MS = 5_000;

export interface WatcherDeps {
  registry: Registry;
  engine: Engine;
  catalog: ModelCatalog;
  metrics: ServeMetrics;
  log: FastifyBaseLogger;
  batching: (model: string) => BatcherOptions;
  pollIntervalMs: number;
  failedRetryMs: number;
  /** Rollouts: where counters and aborts are written, as whom, how often. */
  rollouts: {
    writer: StoreWriter;
    instance: string;
    flushIntervalMs: number;
    offPath: OffPathLimits;
  };
  /** Loaded versions are attached to it (drift accounting) and detached when retired. */
  predictionLog: PredictionLog | null;
  /** An automatic rollout abort was recorded in the registry. */
  onRolloutAborted?: (r: RolloutRecord) => void;
}

/** The watcher's link to the registry (on /readyz). */
export interface RegistryLinkState {
  /** "push": PostgreSQL LISTEN/NOTIFY plus polling; "poll": polling only (SQLite). */
  mode: 'push' | 'poll';
  /** False while the push connection is down (the loaded versions keep serving). */
  connected: boolean;
  /** When `connected` last changed. */
  since: string;
  reconnects: number;
  lastError: { message: string; at: string } | null;
}

export class ModelWatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private polling: Promise<void> | null = null;
  /** Loads in progress, by `model@version`, shared by slots that want the same version. */
  private readonly loads = new Map<string, Promise<LoadedModel>>();
  private lastPollError: { message: string; at: number } | null = null;
  private lastToken: string | null = null;
  private lastFullRead = 0;
  /** Canaries and shadows on the served environments. */
  readonly rollouts: RolloutTracker;
  private subscription: { close(): Promise<void> } | null = null;
  private readonly link: RegistryLinkState = {
    mode: 'poll',
    connected: true,
    since: new Date().toISOString(),
    reconnects: 0,
    lastError: null,
  };

  constructor(private readonly d: WatcherDeps) {
    this.rollouts = new RolloutTracker({
      ...d.rollouts,
      catalog: d.catalog,
      metrics: d.metrics,
      log: d.log,
      failedRetryMs: d.failedRetryMs,
      predictionLog: d.predictionLog,
      ...(d.onRolloutAborted !== undefined ? { onAborted: d.onRolloutAborted } : {}),
      load: (model, version) => this.load(model, version),
      retire: (m) => this.retireIfUnused(m),
    });
  }

  /**
   * Load every slot's current target; throws on the first failure (start-up
   * is fail-fast). Active rollouts are attached too (a candidate that fails
   * to load is logged and retried; it does not stop the server).
   */
  async initialLoad(): Promise<void> {
    await Promise.all(
      this.d.catalog.slots.map(async (slot) => {
        // resolve() reports an unknown model, version or alias with the registry's own error.
        const rec = await this.d.registry.resolve(slot.ref);
        slot.target = rec.version;
        this.install(slot, await this.load(slot.model, rec.version));
      }),
    );
    if (this.d.catalog.slots.some((s) => s.env !== null)) {
      try {
        this.rollouts.reconcile(await this.d.registry.activeRollouts(), true);
      } catch (e) {
        this.pollFailed(e); // the next poll tries again; rollouts never stop a start-up
        return;
      }
      await Promise.allSettled([...this.loads.values()]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** How this server hears about registry changes, and whether it can reach the registry now. */
  registryState(): RegistryLinkState {
    return { ...this.link };
  }

  start(): void {
    if (this.stopped || this.timer !== null) return;
    this.rollouts.start();
    if (this.d.registry.watchChanges !== undefined && this.subscription === null) {
      this.link.mode = 'push';
      this.subscription = this.d.registry.watchChanges((e) => this.pushed(e));
    }
    const tick = () => {
      this.timer = null;
      if (this.stopped) return;
      this.poll(false).finally(() => {
        if (!this.stopped) {
          this.timer = setTimeout(tick, this.d.pollIntervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, this.d.pollIntervalMs);
    this.timer.unref();
  }

  /** Check now (after a change made through this server), without waiting for loads. */
  pollNow(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.poll(false);
  }

  /** Check now, retrying failed versions too, and wait for any load this starts. */
  async reload(): Promise<void> {
    await this.poll(true);
    await Promise.allSettled([...this.loads.values()]);
    // Loads settle before their swap callbacks run; let those run too.
    await new Promise((r) => setImmediate(r));
  }

  private pushed(e: RegistryChangeEvent): void {
    if (this.stopped) return;
    if (e.type === 'disconnected') {
      this.setConnected(false, e.error);
      this.d.log.warn(
        { event: 'registry_disconnected', error: e.error },
        'lost the registry connection; serving the loaded versions, reconnecting',
      );
      return;
    }
    if (e.type === 'connected') {
      if (e.reconnect) {
        this.d.metrics.registryReconnected();
        this.link.reconnects++;
        this.d.log.info(
          { event: 'registry_reconnected' },
          'registry connection re-established; catching up',
        );
      }
      this.setConnected(true, null);
      this.lastToken = null; // re-read everything: moves made meanwhile were not pushed
    }
    this.poll(false).catch(() => {});
  }

  private setConnected(up: boolean, error: string | null): void {
    if (this.link.connected !== up) this.link.since = new Date().toISOString();
    this.link.connected = up;
    if (error !== null) this.link.lastError = { message: error, at: new Date().toISOString() };
    this.d.metrics.registryConnected(up);
  }

  /** Stop polling (the rollout tracker is stopped separately, after requests drained). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    this.subscription = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.polling?.catch(() => {});
    await Promise.allSettled([...this.loads.values()]);
  }

  private poll(force: boolean): Promise<void> {
    // One poll at a time; a forced one waits for the running one, then runs.
    const run = async () => {
      const moving = this.d.catalog.slots.filter((s) => s.moving);
      if (moving.length === 0) return;
      const envs = moving.some((s) => s.env !== null);
      let token: string | null;
      try {
        token = await this.d.registry.changeToken();
      } catch {
        token = null; // no token: read everything
      }
      const now = Date.now();
      if (
        !force &&
        token !== null &&
        token === this.lastToken &&
        now - this.lastFullRead < FULL_READ_MS
      ) {
        return;
      }
      let models: Map<string, ModelRecord>;
      let rollouts: RolloutRecord[] | null = null;
      try {
        models = await this.readModels(moving);
        if (envs) rollouts = await this.d.registry.activeRollouts();
      } catch (e) {
        this.pollFailed(e);
        return;
      }
      // The token read before the reads: a commit during them is seen by the next poll.
      this.lastToken = token;
      this.lastFullRead = now;
      for (const slot of moving) {
        const rec = models.get(slot.model);
        if (rec === undefined) continue;
        slot.target = slot.targetFrom(rec);
        this.reconcile(slot, force);
      }
      // After the slots: a promoted candidate is installed as stable before its rollout detaches.
      if (rollouts !== null) this.rollouts.reconcile(rollouts, force);
    };
    const prev = this.polling ?? Promise.resolve();
    const p = prev.catch(() => {}).then(run);
    this.polling = p;
    return p.finally(() => {
      if (this.polling === p) this.polling = null;
    });
  }

  private async readModels(slots: readonly ModelSlot[]): Promise<Map<string, ModelRecord>> {
    const out = new Map<string, ModelRecord>();
    for (const name of new Set(slots.map((s) => s.model))) {
      try {
        out.set(name, await this.d.registry.getModel(name));
      } catch (e) {
        // A model deleted from the store mid-run keeps serving what is loaded.
        if (!(hasCode(e) && e.code === 'REGISTRY_NOT_FOUND')) throw e;
      }
    }
    return out;
  }

  private pollFailed(e: unknown): void {
    this.d.metrics.pollFailed();
    const message = e instanceof Error ? e.message : String(e);
    const now = Date.now();
    // Log a persistent failure every 10 s, not every 250 ms.
    if (
      this.lastPollError === null ||
      this.lastPollError.message !== message ||
      now - this.lastPollError.at > 10_000
    ) {
      this.lastPollError = { message, at: now };
      this.d.log.warn({ err: e, event: 'registry_poll_failed' }, 'registry poll failed');
    }
  }

  /** Start loading the slot's target if it is not what answers now. */
  private reconcile(slot: ModelSlot, force: boolean): void {
    const target = slot.target;
    if (target === null || slot.current?.version === target) return;
    if (slot.loading !== null) return; // its completion re-checks the target
    const failed = slot.failed.get(target);
    if (failed !== undefined && !force && Date.now() < failed.retryAt) return;
    const shared = this.d.catalog.findLoaded(slot.model, target);
    if (shared !== null) {
      this.install(slot, shared);
      return;
    }
    slot.loading = { version: target, startedAt: new Date().toISOString() };
    this.d.log.info(
      {
        event: 'model_loading',
        ref: slot.ref,
        model: slot.model,
        from: slot.current?.version,
        to: target,
      },
      `${slot.ref} moved to version ${target}; loading it in the background`,
    );
    this.load(slot.model, target).then(
      (loaded) => {
        slot.loading = null;
        if (this.stopped) return this.retireIfUnused(loaded);
        if (slot.target === target) this.install(slot, loaded);
        else {
          // The alias moved on while this loaded: never switch to a version no longer live.
          this.retireIfUnused(loaded);
          this.reconcile(slot, false);
        }
      },
      (e: unknown) => {
        slot.loading = null;
        this.loadFailed(slot, target, e);
        if (!this.stopped && slot.target !== target) this.reconcile(slot, false);
      },
    );
  }

  private load(model: string, version: number): Promise<LoadedModel> {
    const key = `${model}@${version}`;
    let p = this.loads.get(key);
    if (p === undefined) {
      const t0 = performance.now();
      p = this.d.registry
        .getVersion(model, version)
        .then((rec) => loadVersion(this.d.registry, this.d.engine, rec, this.d.batching(model)))
        .then((loaded) => {
          this.d.metrics.loaded(model, (performance.now() - t0) / 1000);
          this.d.predictionLog?.attach(loaded);
          return loaded;
        })
        .finally(() => this.loads.delete(key));
      this.loads.set(key, p);
    }
    return p;
  }

  private install(slot: ModelSlot, loaded: LoadedModel): void {
    const old = slot.swap(loaded);
    this.d.metrics.serving(slot.ref, slot.model, slot.alias, loaded.version, loaded.modelSha256);
    if (old !== null) {
      this.d.metrics.swapped(slot.model, slot.ref);
      this.d.log.info(
        {
          event: 'model_swapped',
          ref: slot.ref,
          model: slot.model,
          from: old.version,
          to: loaded.version,
        },
        `${slot.ref} now answers with version ${loaded.version} (was ${old.version})`,
      );
      if (old !== loaded) this.retireIfUnused(old);
    } else {
      this.d.log.info(
        { event: 'model_loaded', ref: slot.ref, model: slot.model, version: loaded.version },
        `${slot.ref} loaded: version ${loaded.version}`,
      );
    }
  }

  /**
   * Dispose a version nothing uses. Deferred one turn: a load shared by a
   * slot and a rollout settles into both callbacks, and the one that no
   * longer wants it must not dispose what the other is about to install.
   */
  private retireIfUnused(m: LoadedModel): void {
    setImmediate(() => {
      if (this.d.catalog.inUse(m)) return;
      this.d.predictionLog?.retired(m);
      m.retire();
    });
  }

  private loadFailed(slot: ModelSlot, version: number, e: unknown): void {
    const code = hasCode(e) ? e.code : 'INTERNAL';
    const prev = slot.failed.get(version);
    const delayMs =
      prev === undefined ? this.d.failedRetryMs : Math.min(prev.delayMs * 2, MAX_RETRY_MS);
    slot.failed.set(version, { retryAt: Date.now() + delayMs, delayMs });
    const message = e instanceof Error ? e.message : String(e);
    const cause = (e as { details?: { cause?: unknown } }).details?.cause;
    slot.lastFailure = {
      version,
      code: typeof cause === 'string' ? cause : code,
      message,
      at: new Date().toISOString(),
    };
    this.d.metrics.swapFailed(slot.model, slot.ref, version, slot.lastFailure.code);
    this.d.log.error(
      {
        event: 'model_swap_failed',
        ref: slot.ref,
        model: slot.model,
        version,
        keeping: slot.current?.version ?? null,
        code: slot.lastFailure.code,
        retryInMs: delayMs,
        err: e,
      },
      `${slot.ref}: version ${version} failed to load or verify; keeping version ${slot.current?.version ?? 'none'}`,
    );
  }
}
