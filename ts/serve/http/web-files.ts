/**
 * The built web app (web/dist, made by `npm run build:web`), held in memory:
 * it is a few hundred KB, and serving from memory means a request never
 * touches the disk and an ETag never disagrees with the bytes sent. Text and
 * WASM files get a gzip variant, made once on first request, because the
 * engine's .wasm shrinks to about a third. The directory is found next to
 * the package (`SENTIO_WEB_DIR` overrides it); when it is missing the server
 * still starts and `/` says how to build it.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { packageRoot } from '../../engine/index.js';

export interface WebFile {
  /** URL path, e.g. `/assets/index-3f2a1b.js`. */
  readonly urlPath: string;
  readonly type: string;
  readonly bytes: Buffer;
  /** Strong ETag of the raw bytes (quoted). */
  readonly etag: string;
  /** Vite's hashed output (`/assets/…`): cacheable forever. */
  readonly immutable: boolean;
  readonly compressible: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.txt']);

/** Where the built app is looked for. */
export function webDistDir(): string {
  return process.env.SENTIO_WEB_DIR ?? path.join(packageRoot(), 'web', 'dist');
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!e.name.startsWith('.')) out.push(...listFiles(dir, child));
    } else if (e.isFile()) out.push(child);
  }
  return out;
}

export class WebFiles {
  private readonly files = new Map<string, WebFile>();
  private readonly gz = new Map<string, Buffer>();

  private constructor(readonly dir: string) {
    for (const rel of listFiles(dir)) {
      const ext = path.extname(rel).toLowerCase();
      const bytes = fs.readFileSync(path.join(dir, rel));
      const urlPath = `/${rel}`;
      this.files.set(urlPath, {
        urlPath,
        type: TYPES[ext] ?? 'application/octet-stream',
        bytes,
        etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
        immutable: rel.startsWith('assets/'),
        compressible: COMPRESSIBLE.has(ext),
      });
    }
  }

  /** The app in `dir`, or null when it was not built (no index.html). */
  static load(dir: string = webDistDir()): WebFiles | null {
    if (!fs.existsSync(path.join(dir, 'index.html'))) return null;
    return new WebFiles(dir);
  }

  get(urlPath: string): WebFile | undefined {
    return this.files.get(urlPath);
  }

  /** Every file, by URL path (for route registration). */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The gzip bytes of a compressible file (made once), or null when gzip would not help. */
  gzipOf(f: WebFile): Buffer | null {
    if (!f.compressible || f.bytes.length < 1024) return null;
    let z = this.gz.get(f.urlPath);
    if (z === undefined) {
      z = zlib.gzipSync(f.bytes, { level: 9 });
      this.gz.set(f.urlPath, z);
    }
    return z.length < f.bytes.length ? z : null;
  }
}
