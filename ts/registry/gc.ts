/**
 * Garbage collection of the artifact store: removes objects no version or
 * evaluation references, and temp files of interrupted writes. Dry run
 * unless `apply`.
 *
 * A referenced object is never removed. A grace period protects the window
 * between a training run's `put` and its `registerVersion`: objects (and
 * temp files) younger than `graceMs` are kept, and re-putting an object
 * refreshes its age. The referenced set is read again right before deleting.
 * @module
 */
import { invalid } from './errors.js';
import type { Registry } from './types.js';

export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;

export interface GcOptions {
  /** Delete (default: only report). */
  apply?: boolean;
  /** Keep unreferenced objects and temp files younger than this (default 1 hour). */
  graceMs?: number;
  /** Clock, for tests. */
  now?: number;
}

export interface GcItem {
  sha256: string;
  bytes: number;
  ageMs: number;
}

export interface GcReport {
  dryRun: boolean;
  graceMs: number;
  /** Objects in the store. */
  checked: number;
  referenced: number;
  /** Unreferenced and older than the grace period: removed (or would be, in a dry run). */
  unreferenced: GcItem[];
  /** Unreferenced but recent: kept this time. */
  recent: GcItem[];
  removed: string[];
  /** Bytes freed (or freeable in a dry run), objects and temp files. */
  bytes: number;
  tempFiles: Array<{ path: string; bytes: number; ageMs: number }>;
  tempRemoved: number;
}

export async function gc(reg: Registry, opts: GcOptions = {}): Promise<GcReport> {
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0)
    throw invalid(`grace period must be ≥ 0 ms, got ${graceMs}`);
  const clock = opts.now ?? Date.now();
  const store = reg.artifacts;
  const all = await store.list();
  const referenced = await reg.referencedArtifacts();
  const unreferenced: GcItem[] = [];
  const recent: GcItem[] = [];
  for (const sha256 of all) {
    if (referenced.has(sha256)) continue;
    const st = await store.stat(sha256);
    if (st === null) continue;
    const item = { sha256, bytes: st.bytes, ageMs: Math.max(0, clock - st.mtimeMs) };
    (item.ageMs >= graceMs ? unreferenced : recent).push(item);
  }
  const tempFiles = (await store.tempFiles())
    .map((t) => ({ path: t.path, bytes: t.bytes, ageMs: Math.max(0, clock - t.mtimeMs) }))
    .filter((t) => t.ageMs >= graceMs);

  const removed: string[] = [];
  let tempRemoved = 0;
  if (opts.apply) {
    // A version registered since the first read may now point at a candidate.
    const stillReferenced = await reg.referencedArtifacts();
    for (const item of unreferenced) {
      if (stillReferenced.has(item.sha256)) continue;
      const st = await store.stat(item.sha256);
      if (st === null || clock - st.mtimeMs < graceMs) continue; // re-put meanwhile
      if (await store.remove(item.sha256)) removed.push(item.sha256);
    }
    for (const t of tempFiles) {
      await store.removeTemp(t.path);
      tempRemoved++;
    }
  }
  const freed = opts.apply ? unreferenced.filter((u) => removed.includes(u.sha256)) : unreferenced;
  return {
    dryRun: !opts.apply,
    graceMs,
    checked: all.length,
    referenced: all.filter((h) => referenced.has(h)).length,
    unreferenced,
    recent,
    removed,
    bytes:
      freed.reduce((n, u) => n + u.bytes, 0) +
      (opts.apply ? tempFiles.slice(0, tempRemoved) : tempFiles).reduce((n, t) => n + t.bytes, 0),
    tempFiles,
    tempRemoved,
  };
}
