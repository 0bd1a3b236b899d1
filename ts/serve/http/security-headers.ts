/**
 * Security headers. Every response says `nosniff`; HTML pages (the API docs)
 * also get a strict Content-Security-Policy (no scripts at all, the one
 * inline stylesheet allowed by its hash), no framing and no referrer.
 * @module
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

export function htmlSecurityHeaders(reply: FastifyReply, css: string): FastifyReply {
  return reply
    .header(
      'content-security-policy',
      `default-src 'none'; style-src ${styleHash(css)}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'interest-cohort=()')
    .header('cache-control', 'no-store');
}
