/**
 * The dataset cache on disk: where it lives, and the per-dataset manifest
 * (`<cache>/<name>/manifest.json`) recording where each file came from, its
 * sha256 and how it was verified.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AtomicFile } from './atomic-file.js';
import type { Verification } from './verified-transfer.js';

export interface Manifest {
  name: string;
  pulledAt: string;
  source: 'mirror' | 'official';
  from: string;
  files: Record<
    string,
    { sha256: string; bytes: number; verified: Verification; matchesReference?: boolean | null }
  >;
  archive?: { url: string; file: string; sha256: string; bytes: number; verified: Verification };
}

/** $SENTIO_CACHE/datasets, else $XDG_CACHE_HOME/sentio/datasets, else ~/.cache/sentio/datasets. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SENTIO_CACHE) return path.join(env.SENTIO_CACHE, 'datasets');
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'sentio', 'datasets');
}

export async function readManifest(file: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

export async function writeManifest(file: string, m: Manifest): Promise<void> {
  const out = await AtomicFile.create(file);
  try {
    await out.write(`${JSON.stringify(m, null, 2)}\n`);
    await out.close();
    await out.commit();
  } catch (e) {
    await out.discard();
    throw e;
  }
}
