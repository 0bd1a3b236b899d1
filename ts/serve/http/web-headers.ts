/**
 * Headers for the web app's files. The page's Content-Security-Policy only
 * allows this origin's scripts, styles, workers and connections, plus
 * 'wasm-unsafe-eval' (compiling the engine's WebAssembly is "eval" to CSP);
 * no inline script, no framing. Hashed assets are cached for a year
 * (their name changes with their content); the page and the service worker
 * are revalidated on every load so a new build is picked up at once.
 * @module
 */
import type { FastifyReply } from 'fastify';
import type { WebFile } from './web-files.js';

export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function cacheControlOf(f: WebFile): string {
  if (f.immutable) return IMMUTABLE;
  if (f.type.startsWith('text/html') || f.urlPath === '/sw.js') return 'no-cache';
  return 'public, max-age=300';
}

/** Page-level security headers (HTML only). */
export function webPageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('permissions-policy', 'interest-cohort=()');
}
