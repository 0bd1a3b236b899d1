/**
 * The playground's model: which served model and version to use (from
 * `GET /v1/models`, or the last answer remembered when the server is
 * unreachable), its file from the browser cache or the server, and the
 * loaded WASM model with what the highlighter needs from its config.
 * @module
 */
import { api } from '../api/http';
import type { ServedModel } from '../api/types';
import { lastServed, modelBytes, rememberServed } from '../engine/model-cache';
import { loadModel, type Model } from '../engine/wasm';
import { WebError } from '../lib/errors';

export interface Choice {
  name: string;
  version: number;
  sha: string;
  alias: string | null;
  classes: string[];
}

export interface Loaded extends Choice {
  model: Model;
  bytes: Uint8Array;
  fromCache: boolean;
  maxN: number;
  stripAccents: boolean;
}

/** Served models now, or (offline) the last list this browser saw. */
export async function servedModels(): Promise<{ models: ServedModel[]; online: boolean }> {
  try {
    const r = await api<{ models: ServedModel[] }>('/v1/models', { timeoutMs: 4000 });
    rememberServed(r.models);
    return { models: r.models, online: true };
  } catch (e) {
    const last = lastServed();
    if (last === null) throw e;
    return { models: last.models, online: false };
  }
}

/** What a model name stands for: its first served reference (as POST …/predict without a version). */
export function choiceOf(m: ServedModel): Choice | null {
  const s = m.served.find((x) => x.version !== null && x.modelSha256 !== null);
  if (s === undefined || s.version === null || s.modelSha256 === null) return null;
  return {
    name: m.name,
    version: s.version,
    sha: s.modelSha256,
    alias: s.alias,
    classes: s.classes ?? m.classes ?? [],
  };
}

export async function loadChoice(c: Choice): Promise<Loaded> {
  const { bytes, fromCache } = await modelBytes(c.name, c.version, c.sha);
  const model = await loadModel(bytes);
  let maxN = 1;
  let stripAccents = false;
  try {
    const cfg = JSON.parse(model.configJson()) as {
      ngram_range?: [number, number];
      strip_accents?: string | null;
    };
    maxN = cfg.ngram_range?.[1] ?? 1;
    stripAccents = cfg.strip_accents !== null && cfg.strip_accents !== undefined;
  } catch {
    // defaults are fine for highlighting
  }
  if (model.classes.join('\n') !== c.classes.join('\n') && c.classes.length > 0) {
    throw new WebError(
      'WEB_ENGINE',
      `model file classes ${model.classes.join(', ')} differ from the server's ${c.classes.join(', ')}`,
    );
  }
  return { ...c, classes: model.classes, model, bytes, fromCache, maxN, stripAccents };
}
