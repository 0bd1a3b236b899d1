/**
 * Rollout test helpers: models whose disagreement with the stable one is
 * known (trained on flipped labels), an engine wrapper that makes one
 * version slow or failing (to prove shadow scoring never delays answers and
 * that a failing candidate is aborted), waits on server state, and WebSocket
 * load with routing keys.
 * @module
 */
import type { Engine, EngineModel } from '../../engine/index.js';
import type { Registry, RolloutKind, RolloutRecord } from '../../registry/index.js';
import type { RunningServer } from '../server.js';
import { engine, type Json, uci } from './fixtures.js';
import type { TestWs, WsAnswer } from './ws-client.js';

const flipped = new Map<number, Promise<Uint8Array>>();

/**
 * A model trained on the UCI data with a share of its labels flipped
 * (every k-th text for share 1/k; 1: all of them), so it disagrees with the
 * normally trained variants on a good part of the texts.
 */
export function flippedModelBytes(every: number): Promise<Uint8Array> {
  let p = flipped.get(every);
  if (p === undefined) {
    p = (async () => {
      const e = await engine();
      const { texts, labels } = await uci();
      const classes = [...new Set(labels)].sort();
      const flip = (l: string) => classes[(classes.indexOf(l) + 1) % classes.length] as string;
      const noisy = labels.map((l, i) => (i % every === 0 ? flip(l) : l));
      const m = await e.train(
        { ngram_range: [1, 1], alpha: 0.5, sublinear_tf: true },
        texts,
        noisy,
      );
      return m.toBytes();
    })();
    flipped.set(every, p);
  }
  return p;
}

/** Labels two model files give each text, straight from the engine (the expected answers). */
export async function labelsOf(bytes: Uint8Array, texts: readonly string[]): Promise<string[]> {
  const m = (await engine()).loadModel(bytes);
  try {
    return [...m.predictBatch(texts).labelNames];
  } finally {
    m.dispose();
  }
}

export type Misbehave = { kind: 'slow'; ms: number } | { kind: 'fail' };

/**
 * The real engine, except that the model stored under `sha256` misbehaves
 * once loaded (after the load-time smoke test, which it passes): `slow`
 * delays its thread-pool batches, `fail` makes every prediction throw.
 */
export async function misbehavingEngine(sha256: string, how: Misbehave): Promise<Engine> {
  const real = await engine();
  const wrap = (m: EngineModel): EngineModel => {
    let smoked = false;
    const fail = () => {
      if (!smoked) {
        smoked = true; // the first call is the load-time smoke prediction
        return;
      }
      throw new Error('injected engine failure');
    };
    return new Proxy(m, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (how.kind === 'slow' && prop === 'predictBatchAsync') {
          return async (texts: readonly string[]) => {
            await new Promise((r) => setTimeout(r, how.ms));
            return target.predictBatchAsync(texts);
          };
        }
        if (how.kind === 'fail' && prop === 'predict') {
          return (text: string) => {
            fail();
            return target.predict(text);
          };
        }
        if (how.kind === 'fail' && prop === 'predictBatch') {
          return () => {
            throw new Error('injected engine failure');
          };
        }
        if (how.kind === 'fail' && prop === 'predictBatchAsync') {
          return () => Promise.reject(new Error('injected engine failure'));
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'loadModelFile') {
        return async (file: string) => {
          const m = await target.loadModelFile(file);
          return file.includes(sha256) ? wrap(m) : m;
        };
      }
      if (prop === 'loadModel') {
        return (bytes: Uint8Array) => target.loadModel(bytes);
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

export async function startRollout(
  reg: Registry,
  input: {
    model?: string;
    env?: string;
    kind: RolloutKind;
    version: number;
    percent: number;
    thresholds?: Record<string, number | null>;
  },
): Promise<RolloutRecord> {
  return reg.startRollout({
    model: input.model ?? 'sentiment',
    env: input.env ?? 'production',
    kind: input.kind,
    version: input.version,
    percent: input.percent,
    thresholds: {
      minRequests: 200,
      maxErrorRate: null,
      maxP99Ms: null,
      maxDisagreement: null,
      ...input.thresholds,
    },
  });
}

/** Poll until `pred` holds (or fail after `timeoutMs`). */
export async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  pred: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The served reference's state on the server (GET /v1/models/{name}). */
export async function slotState(server: RunningServer, model = 'sentiment'): Promise<Json> {
  const res = await fetch(`${server.url}/v1/models/${model}`);
  return ((await res.json()) as Json).served[0];
}

/** Wait until the server has the rollout attached (or, with `null`, none of that kind). */
export function attached(
  server: RunningServer,
  kind: RolloutKind,
  id: number | null,
  model = 'sentiment',
): Promise<Json> {
  return until(
    `${kind} ${id ?? 'none'} on the server`,
    () => slotState(server, model),
    (s) => (id === null ? s[kind] === null : s[kind]?.id === id),
  );
}

let asked = 0;

/** Send `msgs` over one WebSocket with at most `window` in flight; answers in order. */
export async function askAll(
  c: TestWs,
  msgs: Array<Record<string, unknown>>,
  window = 200,
): Promise<WsAnswer[]> {
  const out: WsAnswer[] = new Array(msgs.length);
  let next = 0;
  const worker = async () => {
    while (next < msgs.length) {
      const i = next++;
      out[i] = await c.ask({ id: `q${asked++}`, ...msgs[i] });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return out;
}

/** Register model-file bytes with recorded metrics (what metric gates read). */
export async function registerWithMetrics(
  reg: Registry,
  model: string,
  bytes: Uint8Array,
  metrics: Record<string, number>,
): Promise<number> {
  const sha = await reg.artifacts.put(bytes, { kind: 'model' });
  const { version } = await reg.registerVersion({
    model,
    modelSha256: sha,
    artifacts: { model: sha },
    metrics,
    config: {},
  });
  return version.version;
}

/** An admin REST call: method, path, body, token (none: no Authorization header). */
export async function adminCall(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}
