/**
 * Webhook signatures: HMAC-SHA256 of the exact request body with a shared
 * secret, sent as `X-Sentio-Signature-256: sha256=<hex>` (GitHub's scheme,
 * so existing verifiers work). Receivers recompute it over the raw bytes
 * they received and compare in constant time; `verifySignature` does both.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-sentio-signature-256';

/** `sha256=<hex>` of `body` under `secret`. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret` (constant-time compare). */
export function verifySignature(
  secret: string,
  body: string | Uint8Array,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.trim());
  return got.length === want.length && timingSafeEqual(got, want);
}
