// The native backend: the napi-rs addon in bindings/node (CommonJS), loaded
// with createRequire. Tries the package's generated loader, then each
// prebuilt .node file directly; on failure the error lists every path tried
// and why it failed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { missingExports, type RawBinding } from './binding.js';
import { EngineError } from './errors.js';
import { packageRoot } from './root.js';

export interface LoadAttempt {
  path: string;
  error: string;
}

export interface LoadedBinding {
  binding: RawBinding;
  /** The file the binding came from. */
  path: string;
}

/** A thrown value's message, with its `cause` chain (napi's loader nests the real errors there). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    parts.push(msg.split('\n')[0] ?? msg);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' <- ');
}

/** Where to look, in order: SENTIO_NATIVE_ADDON, the package loader, each .node file. */
export function nativeCandidates(root: string): string[] {
  const dir = path.join(root, 'bindings', 'node');
  const candidates: string[] = [];
  const override = process.env.SENTIO_NATIVE_ADDON;
  if (override) candidates.push(path.resolve(override));
  candidates.push(path.join(dir, 'index.js'));
  let nodeFiles: string[] = [];
  try {
    nodeFiles = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node'))
      .sort();
  } catch {
    // The directory itself is missing: index.js's attempt will say so.
  }
  if (nodeFiles.length === 0) {
    const abi = process.platform === 'linux' ? '-gnu' : '';
    nodeFiles = [`sentio.${process.platform}-${process.arch}${abi}.node`];
  }
  for (const f of nodeFiles) candidates.push(path.join(dir, f));
  return candidates;
}

export function loadNative(root: string = packageRoot()): LoadedBinding {
  const require = createRequire(path.join(root, 'package.json'));
  const attempts: LoadAttempt[] = [];
  for (const candidate of nativeCandidates(root)) {
    if (!fs.existsSync(candidate)) {
      attempts.push({ path: candidate, error: 'no such file' });
      continue;
    }
    let mod: unknown;
    try {
      mod = require(candidate);
    } catch (err) {
      attempts.push({ path: candidate, error: describeError(err) });
      continue;
    }
    const missing = missingExports(mod, true);
    if (missing.length > 0) {
      attempts.push({
        path: candidate,
        error: `loaded, but it lacks the engine API (stale or stub build?): missing ${missing.join(', ')}`,
      });
      continue;
    }
    return { binding: mod as RawBinding, path: candidate };
  }
  const list = attempts.map((a) => `  - ${a.path}: ${a.error}`).join('\n');
  throw new EngineError(
    'BACKEND_UNAVAILABLE',
    `the native engine could not be loaded (build it with \`node scripts/bootstrap.mjs\`); tried:\n${list}`,
  );
}
