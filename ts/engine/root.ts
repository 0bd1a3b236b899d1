// The repository (package) root, found from this file's location so it works
// from ts/engine/*.ts and from the compiled dist/engine/*.js alike.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from './errors.js';

const PACKAGE_NAME = 'sentio';

function isRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: unknown;
    };
    return pkg.name === PACKAGE_NAME && fs.existsSync(path.join(dir, 'bindings'));
  } catch {
    return false;
  }
}

let cached: string | undefined;

/**
 * The nearest ancestor of `from` (default: this module) holding the
 * `sentio` package.json and a bindings/ directory.
 */
export function packageRoot(from: string = import.meta.url): string {
  if (from === import.meta.url && cached !== undefined) return cached;
  const start = from.startsWith('file:') ? fileURLToPath(from) : from;
  const tried: string[] = [];
  for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
    tried.push(dir);
    if (isRoot(dir)) {
      if (from === import.meta.url) cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new EngineError(
    'BACKEND_UNAVAILABLE',
    `cannot find the ${PACKAGE_NAME} package root (a package.json named "${PACKAGE_NAME}" next to bindings/) ` +
      `above ${start}; looked in: ${tried.join(', ')}`,
  );
}
