/**
 * What changed in the store, as events for the dashboard's live updates
 * (`GET /v1/events`, server-sent events). While at least one client listens
 * the hub polls, every `intervalMs`: the registry's change token (one
 * SQLite pragma — the same token the model watcher polls), and only when it
 * moved re-reads models, aliases and active rollouts, diffs them against the
 * last snapshot and emits `version` (a new version), `environment` (an alias
 * moved), `rollout` (a canary/shadow started or ended) and `registry` (any
 * commit: tags, descriptions, runs). It also emits `served` when this
 * server's references switch version (hot swap done) and `alert` for new
 * alert state changes in monitor.db. With no listeners it does nothing.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry, RolloutRecord } from '../../registry/index.js';
import type { ModelCatalog } from '../model-catalog.js';
import type { AlertFeed } from './alert-feed.js';

export type HubEventType = 'version' | 'environment' | 'rollout' | 'registry' | 'served' | 'alert';

export interface HubEvent {
  type: HubEventType;
  data: Record<string, unknown>;
}

type Listener = (events: readonly HubEvent[]) => void;

interface Snapshot {
  models: Map<string, { latest: number | null; aliases: Record<string, number> }>;
  rollouts: Map<number, RolloutRecord>;
}

export interface HubDeps {
  registry: Registry;
  catalog: ModelCatalog;
  alerts: AlertFeed | null;
  log: FastifyBaseLogger;
  intervalMs?: number;
}

export class EventHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = false;
  private token: string | null = null;
  private snap: Snapshot | null = null;
  private served = new Map<string, string>();
  private alertSeq = -1;
  private readonly intervalMs: number;

  constructor(private readonly d: HubDeps) {
    this.intervalMs = d.intervalMs ?? 250;
  }

  get listening(): number {
    return this.listeners.size;
  }

  /** Listen; the first listener starts the polling, the last one to leave stops it. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    if (this.timer === null && !this.stopped) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
      void this.tick();
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.pause();
    };
  }

  stop(): void {
    this.stopped = true;
    this.pause();
    this.listeners.clear();
  }

  private pause(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private emit(events: HubEvent[]): void {
    if (events.length === 0) return;
    for (const fn of this.listeners) fn(events);
  }

  /** One poll; never overlaps itself, never throws. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const events = [
        ...(await this.registryEvents()),
        ...this.servedEvents(),
        ...(await this.alertEvents()),
      ];
      this.emit(events);
    } catch (e) {
      this.d.log.warn({ event: 'events_poll_failed', err: e }, 'event stream poll failed');
    } finally {
      this.ticking = false;
    }
  }

  private async snapshot(): Promise<Snapshot> {
    const reg = this.d.registry;
    const models = new Map<string, { latest: number | null; aliases: Record<string, number> }>();
    for (const m of await reg.listModels()) {
      models.set(m.name, { latest: m.latestVersion, aliases: { ...m.aliases } });
    }
    const rollouts = new Map((await reg.activeRollouts()).map((r) => [r.id, r] as const));
    return { models, rollouts };
  }

  private async registryEvents(): Promise<HubEvent[]> {
    const token = await this.d.registry.changeToken();
    if (token === this.token) return [];
    const next = await this.snapshot();
    const prev = this.snap;
    this.token = token;
    this.snap = next;
    if (prev === null) return []; // first look: nothing to compare with
    const out: HubEvent[] = [];
    for (const [name, m] of next.models) {
      const before = prev.models.get(name);
      const from = before?.latest ?? 0;
      for (let v = from + 1; m.latest !== null && v <= m.latest; v++) {
        out.push({ type: 'version', data: { model: name, version: v } });
      }
      const envs = new Set([...Object.keys(m.aliases), ...Object.keys(before?.aliases ?? {})]);
      for (const env of [...envs].sort()) {
        const was = before?.aliases[env] ?? null;
        const now = m.aliases[env] ?? null;
        if (was !== now)
          out.push({ type: 'environment', data: { model: name, env, from: was, to: now } });
      }
    }
    for (const [id, r] of next.rollouts) {
      if (!prev.rollouts.has(id)) out.push({ type: 'rollout', data: rolloutData(r) });
    }
    for (const id of prev.rollouts.keys()) {
      if (!next.rollouts.has(id)) {
        const ended = await this.d.registry.getRollout(id).catch(() => null);
        if (ended !== null) out.push({ type: 'rollout', data: rolloutData(ended) });
      }
    }
    out.push({ type: 'registry', data: { token } });
    return out;
  }

  private servedEvents(): HubEvent[] {
    const out: HubEvent[] = [];
    const first = this.served.size === 0;
    for (const s of this.d.catalog.slots) {
      const d = s.describe();
      const key = JSON.stringify([
        d.version,
        d.modelSha256,
        s.canary?.version ?? null,
        s.shadow?.version ?? null,
      ]);
      if (this.served.get(s.ref) !== key) {
        this.served.set(s.ref, key);
        if (!first) {
          out.push({
            type: 'served',
            data: {
              ref: s.ref,
              model: s.model,
              alias: s.alias,
              version: d.version,
              modelSha256: d.modelSha256,
              classes: d.classes,
              canary: s.canary?.version ?? null,
              shadow: s.shadow?.version ?? null,
            },
          });
        }
      }
    }
    return out;
  }

  private async alertEvents(): Promise<HubEvent[]> {
    const feed = this.d.alerts;
    if (feed === null) return [];
    if (this.alertSeq < 0) {
      this.alertSeq = await feed.lastSeq();
      return [];
    }
    const events = await feed.events(this.alertSeq);
    if (events.length === 0) return [];
    this.alertSeq = (events[events.length - 1] as { seq: number }).seq;
    return events.map((e) => ({ type: 'alert', data: { ...e } }));
  }
}

function rolloutData(r: RolloutRecord): Record<string, unknown> {
  return {
    id: r.id,
    model: r.model,
    env: r.env,
    kind: r.kind,
    version: r.version,
    percent: r.percent,
    state: r.state,
    endReason: r.endReason,
  };
}
